package server_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
)

// Every authenticated call is in the audit log with its decisions, what
// decided them and where the call came from.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("audited"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	u := e.newUser("intruder", "")
	_, err := e.iam(u).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("audited")})
	wantError(t, err, "AccessDenied", 403)
	must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/audited"), RoleSessionName: aws.String("audit")}))

	entries, err := audit.Query(ctx, e.st, audit.Filter{Since: start})
	if err != nil {
		t.Fatal(err)
	}
	byOp := map[string]audit.Entry{}
	for _, en := range entries {
		byOp[en.Operation+"/"+en.Outcome] = en
	}
	create, ok := byOp["CreateRole/OK"]
	if !ok || create.Caller != "arn:aws:iam::123456789012:user/admin" || create.SourceIP != "127.0.0.1" || create.AccessKey != e.admin.AccessKeyID ||
		len(create.Decisions) != 1 || create.Decisions[0].Action != "iam:CreateRole" || create.Decisions[0].Decision != "allowed" {
		t.Fatalf("CreateRole entry: %+v", create)
	}
	denied, ok := byOp["DeleteRole/AccessDenied"]
	if !ok || denied.Caller != "arn:aws:iam::123456789012:user/intruder" || denied.Decisions[0].Decision != "implicitDeny" {
		t.Fatalf("denied entry: %+v", denied)
	}
	assume, ok := byOp["AssumeRole/OK"]
	if !ok || assume.Service != "sts" || len(assume.Decisions) == 0 || assume.Decisions[0].Action != "sts:AssumeRole" {
		t.Fatalf("AssumeRole entry: %+v", assume)
	}
	// Filters: by caller, by operation.
	mine, err := audit.Query(ctx, e.st, audit.Filter{Caller: "arn:aws:iam::123456789012:user/intruder"})
	if err != nil || len(mine) != 1 {
		t.Fatalf("by caller: %d %v", len(mine), err)
	}
	ops, err := audit.Query(ctx, e.st, audit.Filter{Operation: "iam:CreateRole"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("by operation: %d %v", len(ops), err)
	}
}

// failing is a store whose audit writes fail while fail is set.
type failing struct {
	store.Store
	fail atomic.Bool
}

type failingTx struct {
	store.Tx
	f *failing
}

var errAuditDown = errors.New("audit storage unavailable")

func (f *failing) Update(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Update(ctx, func(tx store.Tx) error { return fn(failingTx{tx, f}) })
}

func (t failingTx) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if t.f.fail.Load() {
		return errAuditDown
	}
	return t.Tx.AppendAudit(ctx, recs)
}

func (f *failing) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if f.fail.Load() {
		return errAuditDown
	}
	return f.Store.AppendAudit(ctx, recs)
}

// A call whose audit entry cannot be written fails, and a change it would
// have made is not made.
func TestAuditWriteFailureFailsTheCall(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := &failing{Store: st}
	e := startEnv(t, f)
	f.fail.Store(true)
	_, err = e.sts(e.admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "ServiceUnavailable", 503)
	_, err = e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("unrecorded")})
	// The change's transaction fails with its audit entry, and the call's
	// own entry cannot be written either: ServiceUnavailable.
	wantError(t, err, "ServiceUnavailable", 503)
	f.fail.Store(false)
	_, err = e.iam(e.admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("unrecorded")})
	wantError(t, err, "NoSuchEntity", 404)
}
