package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The seed's access-advisor walkthrough (002, "Automate analyzing your
// permissions using IAM access advisor APIs"): list the roles, generate a
// report for each, poll it, read which services each role used.
func TestAccessAdvisor(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	for _, r := range []struct{ name, policy string }{
		{"DBAdminRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","s3:*","iam:List*"],"Resource":"*"}]}`},
		{"NetworkAdminRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","iam:GetRole"],"Resource":"*"}]}`},
	} {
		must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), AssumeRolePolicyDocument: aws.String(trustAccount)}))
		must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String("job"), PolicyDocument: aws.String(r.policy)}))
	}
	// The DB admin works: two IAM list calls through a role session.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/DBAdminRole"), RoleSessionName: aws.String("arnav")}))
	db := e.iam(session(out.Credentials))
	must[*iam.ListRolesOutput](t)(db.ListRoles(ctx, &iam.ListRolesInput{}))
	must[*iam.ListUsersOutput](t)(db.ListUsers(ctx, &iam.ListUsersInput{}))

	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{}))
	reports := map[string]*iam.GetServiceLastAccessedDetailsOutput{}
	for _, r := range roles.Roles {
		job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: r.Arn, Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel}))
		if len(*job.JobId) != 36 {
			t.Fatalf("job ID %q", *job.JobId)
		}
		rep := must[*iam.GetServiceLastAccessedDetailsOutput](t)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
		if rep.JobStatus != iamtypes.JobStatusTypeCompleted {
			t.Fatalf("job status %s", rep.JobStatus)
		}
		reports[*r.RoleName] = rep
		if *r.RoleName == "DBAdminRole" {
			ents := must[*iam.GetServiceLastAccessedDetailsWithEntitiesOutput](t)(c.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: job.JobId, ServiceNamespace: aws.String("iam")}))
			if len(ents.EntityDetailsList) != 1 || ents.EntityDetailsList[0].LastAuthenticated == nil {
				t.Fatalf("entities: %+v", ents.EntityDetailsList)
			}
		}
	}
	used := func(role, ns string) (bool, bool, []string) {
		for _, s := range reports[role].ServicesLastAccessed {
			if *s.ServiceNamespace == ns {
				var actions []string
				for _, a := range s.TrackedActionsLastAccessed {
					actions = append(actions, *a.ActionName)
				}
				return true, s.LastAuthenticated != nil, actions
			}
		}
		return false, false, nil
	}
	for _, tc := range []struct {
		role, ns       string
		granted, usedp bool
	}{
		{"DBAdminRole", "iam", true, true}, {"DBAdminRole", "dynamodb", true, false}, {"DBAdminRole", "s3", true, false},
		{"DBAdminRole", "ec2", false, false}, {"NetworkAdminRole", "ec2", true, false}, {"NetworkAdminRole", "iam", true, false},
	} {
		granted, u, _ := used(tc.role, tc.ns)
		if granted != tc.granted || u != tc.usedp {
			t.Errorf("%s %s: granted %v used %v", tc.role, tc.ns, granted, u)
		}
	}
	if _, _, actions := used("DBAdminRole", "iam"); len(actions) != 2 || actions[0] != "ListRoles" || actions[1] != "ListUsers" {
		t.Errorf("tracked actions: %v", actions)
	}
	grants := must[*iam.ListPoliciesGrantingServiceAccessOutput](t)(c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{
		Arn: aws.String("arn:aws:iam::123456789012:role/DBAdminRole"), ServiceNamespaces: []string{"dynamodb", "ec2"}}))
	if len(grants.PoliciesGrantingServiceAccess) != 2 || len(grants.PoliciesGrantingServiceAccess[0].Policies) != 1 || len(grants.PoliciesGrantingServiceAccess[1].Policies) != 0 {
		t.Fatalf("granting: %+v", grants.PoliciesGrantingServiceAccess)
	}
}
