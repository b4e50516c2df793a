package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// survives checks that what the API created, the keys it issued and the
// session tokens it handed out all outlive a restart on the same store.
func survives(t *testing.T, open func() store.Store) {
	ctx := context.Background()
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	must[*iam.CreateRoleOutput](t)(e.iam(admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("kept"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	out := must[*sts.AssumeRoleOutput](t)(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/kept"), RoleSessionName: aws.String("before")}))
	// A delegation request, kept with its account (world.DelegationRequest).
	dr := must[*iam.CreateDelegationRequestOutput](t)(e.iam(admin).CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("kept"),
		RequestorWorkflowId: aws.String("kept-workflow"), NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: aws.String(accountA),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/IAMUserChangePassword")}})).DelegationRequestId
	must[*iam.AssociateDelegationRequestOutput](t)(e.iam(admin).AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: dr}))
	e.ts.Close()
	st.Close()

	st = open()
	defer st.Close()
	e = startEnv(t, st)
	if e.admin.AccessKeyID != "" {
		t.Fatal("a second start created another administrator key")
	}
	must[*iam.GetRoleOutput](t)(e.iam(admin).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("kept")}))
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(session(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:sts::123456789012:assumed-role/kept/before" {
		t.Fatalf("session after restart: %s", *id.Arn)
	}
	got := must[*iam.GetDelegationRequestOutput](t)(e.iam(admin).GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: dr})).DelegationRequest
	if got.State != iamtypes.StateTypeAssigned || *got.Description != "kept" || *got.OwnerId != "arn:aws:iam::123456789012:user/admin" {
		t.Fatalf("delegation request after restart: %s %v %v", got.State, *got.Description, *got.OwnerId)
	}
}

func TestRestartSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamgate.db")
	survives(t, func() store.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestRestartPostgres(t *testing.T) {
	dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
	survives(t, func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
