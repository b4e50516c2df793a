package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/storetest"
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

// Access advisor reads the last-accessed table each audited call keeps: a
// role with a path is found through its sessions (whose ARNs have no
// path), a user through its own calls, and a report is the data as of its
// job's creation (the IAM User Guide, "Refine permissions in AWS using last
// accessed information": the report is generated when the job runs).
func TestAccessAdvisorFromLastAccessed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)}))
	roleARN := "arn:aws:iam::123456789012:role/team/reader"
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")}))
	reader := e.iam(session(out.Credentials))
	must[*iam.ListRolesOutput](t)(reader.ListRoles(ctx, &iam.ListRolesInput{}))
	// Denied, and still an access: "The service last accessed data includes
	// all attempts to access an AWS API, not just the successful ones" (the
	// IAM API Reference, GenerateServiceLastAccessedDetails).
	_, err := reader.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nope")})
	wantError(t, err, "AccessDenied", 403)

	report := func() map[string][]string {
		t.Helper()
		job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(roleARN), Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel}))
		rep := must[*iam.GetServiceLastAccessedDetailsOutput](t)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
		used := map[string][]string{}
		for _, s := range rep.ServicesLastAccessed {
			if s.LastAuthenticated == nil {
				continue
			}
			if *s.LastAuthenticatedEntity != roleARN {
				t.Errorf("last authenticated entity %s", *s.LastAuthenticatedEntity)
			}
			for _, a := range s.TrackedActionsLastAccessed {
				used[*s.ServiceNamespace] = append(used[*s.ServiceNamespace], *a.ActionName)
			}
		}
		return used
	}
	first := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(roleARN), Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel}))
	if got := report(); len(got) != 1 || strings.Join(got["iam"], ",") != "CreateUser,ListRoles" {
		t.Fatalf("used: %v", got)
	}
	// A later call is in a new report, not in the first job's.
	must[*iam.GetRoleOutput](t)(reader.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("reader")}))
	if got := report(); len(got["iam"]) != 3 {
		t.Fatalf("used after GetRole: %v", got)
	}
	rep := must[*iam.GetServiceLastAccessedDetailsOutput](t)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: first.JobId}))
	for _, s := range rep.ServicesLastAccessed {
		if *s.ServiceNamespace == "iam" && len(s.TrackedActionsLastAccessed) != 2 {
			t.Fatalf("the first job's report changed: %+v", s.TrackedActionsLastAccessed)
		}
	}
	// The user's own calls: the administrator used iam and sts.
	job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::123456789012:user/" + server.AdminUser)}))
	ents := must[*iam.GetServiceLastAccessedDetailsWithEntitiesOutput](t)(c.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: job.JobId, ServiceNamespace: aws.String("sts")}))
	if len(ents.EntityDetailsList) != 1 || ents.EntityDetailsList[0].LastAuthenticated == nil {
		t.Fatalf("admin's sts use: %+v", ents.EntityDetailsList)
	}
}

// BenchmarkAccessAdvisorReport times a whole report over HTTP
// (GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails
// at ACTION_LEVEL) for a role whose sessions made some of
// storetest.AuditBenchEntries calls (IAMGATE_AUDIT_BENCH_ENTRIES; 10,000
// unless told) in the store's audit log.
func BenchmarkAccessAdvisorReport(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](b)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](b)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r2"), PolicyName: aws.String("iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","s3:Get*","ec2:Describe*"],"Resource":"*"}]}`)}))
	n := storetest.AuditBenchEntries(b)
	fill := storetest.FillAudit(b, e.st, n, "123456789012")
	b.Logf("%d entries stored in %v", n, fill.Took.Round(time.Millisecond))
	arn := aws.String("arn:aws:iam::123456789012:role/team/r2")
	b.ReportAllocs()
	for b.Loop() {
		job := must[*iam.GenerateServiceLastAccessedDetailsOutput](b)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel}))
		rep := must[*iam.GetServiceLastAccessedDetailsOutput](b)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
		used := 0
		for _, s := range rep.ServicesLastAccessed {
			used += len(s.TrackedActionsLastAccessed)
		}
		if used == 0 {
			b.Fatal("the report shows no use")
		}
	}
}
