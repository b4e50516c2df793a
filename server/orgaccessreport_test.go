package server_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgReportWorld is an organization whose management account is accountA
// (123456789012), with an OU "workloads" holding three accounts: b and c
// work (b lists IAM users; then c lists IAM roles and describes the
// organization), d does nothing.
type orgReportWorld struct {
	e                    *env
	orgID, root, ou      string
	b, c, d              string
	adminB               aws.Credentials
	ouPath, bPath, dPath string
}

func newOrgReportWorld(t *testing.T) *orgReportWorld {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	w := &orgReportWorld{e: e}
	w.orgID = *must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})).Organization.Id
	w.root = *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	w.ou = *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &w.root, Name: aws.String("workloads")})).OrganizationalUnit.Id
	sessions := map[string]aws.Credentials{}
	for _, name := range []string{"b", "c", "d"} {
		st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)}))
		id := *st.CreateAccountStatus.AccountId
		must[*organizations.MoveAccountOutput](t)(oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &id, SourceParentId: &w.root, DestinationParentId: &w.ou}))
		out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("work")}))
		sessions[name] = session(out.Credentials)
		switch name {
		case "b":
			w.b = id
		case "c":
			w.c = id
		case "d":
			w.d = id
		}
	}
	w.adminB = sessions["b"]
	must[*iam.ListUsersOutput](t)(e.iam(sessions["b"]).ListUsers(ctx, &iam.ListUsersInput{}))
	must[*iam.ListRolesOutput](t)(e.iam(sessions["c"]).ListRoles(ctx, &iam.ListRolesInput{}))
	must[*organizations.DescribeOrganizationOutput](t)(e.org(sessions["c"]).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	w.ouPath = w.orgID + "/" + w.root + "/" + w.ou
	w.bPath, w.dPath = w.ouPath+"/"+w.b, w.ouPath+"/"+w.d
	return w
}

// report generates a report and reads all of it, page by page (MaxItems,
// Marker), in the order of sortKey.
func (w *orgReportWorld) report(t *testing.T, c *iam.Client, path, policyID string, sortKey iamtypes.SortKeyType, pageSize int32) (*iam.GetOrganizationsAccessReportOutput, []iamtypes.AccessDetail) {
	t.Helper()
	ctx := context.Background()
	in := &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(path)}
	if policyID != "" {
		in.OrganizationsPolicyId = aws.String(policyID)
	}
	job := must[*iam.GenerateOrganizationsAccessReportOutput](t)(c.GenerateOrganizationsAccessReport(ctx, in)).JobId
	if len(*job) != 36 {
		t.Fatalf("job ID %q: the model's jobIDType is 36 characters", *job)
	}
	var first *iam.GetOrganizationsAccessReportOutput
	var all []iamtypes.AccessDetail
	var marker *string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the report does not end")
		}
		in := &iam.GetOrganizationsAccessReportInput{JobId: job, SortKey: sortKey, Marker: marker}
		if pageSize > 0 {
			in.MaxItems = aws.Int32(pageSize)
		}
		out := must[*iam.GetOrganizationsAccessReportOutput](t)(c.GetOrganizationsAccessReport(ctx, in))
		if pageSize > 0 && int32(len(out.AccessDetails)) > pageSize {
			t.Fatalf("a page of %d, MaxItems %d", len(out.AccessDetails), pageSize)
		}
		if first == nil {
			first = out
		}
		all = append(all, out.AccessDetails...)
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Fatalf("a last page with Marker %q", *out.Marker)
			}
			break
		}
		marker = out.Marker
	}
	return first, all
}

func detail(all []iamtypes.AccessDetail, ns string) *iamtypes.AccessDetail {
	for i := range all {
		if *all[i].ServiceNamespace == ns {
			return &all[i]
		}
	}
	return nil
}

// A report over an OU (the IAM API Reference, GenerateOrganizationsAccessReport:
// "When you specify an organizational unit (OU) as the entity, the
// resulting report lists all of the services allowed by SCPs that are
// attached to the OU and its parents. For each service, the report
// includes data for all accounts in the OU or its children"; the
// AccessDetail data type and botocore's GetOrganizationsAccessReport
// example: EntityPath is the path of the account of the last access,
// TotalAuthenticatedEntities the number of accounts that accessed the
// service, 0 with no other member for a service never accessed;
// NumberOfServicesAccessible counts the services listed,
// NumberOfServicesNotAccessed those never accessed). With FullAWSAccess
// everywhere every service is listed; IAM was accessed by b and then c,
// Organizations by c, nothing else: the management account's own calls
// (its sessions into b, c and d) are not the OU's.
func TestOrganizationsAccessReportOU(t *testing.T) {
	w := newOrgReportWorld(t)
	c := w.e.iam(w.e.admin)
	out, all := w.report(t, c, w.ouPath, "", "", 0)
	if out.JobStatus != iamtypes.JobStatusTypeCompleted || out.JobCreationDate == nil || out.JobCompletionDate == nil {
		t.Fatalf("job: %s created %v completed %v", out.JobStatus, out.JobCreationDate, out.JobCompletionDate)
	}
	if int(*out.NumberOfServicesAccessible) != len(all) || len(all) < 100 {
		t.Fatalf("%d services accessible, %d listed", *out.NumberOfServicesAccessible, len(all))
	}
	if *out.NumberOfServicesNotAccessed != *out.NumberOfServicesAccessible-2 {
		t.Fatalf("%d of %d not accessed, want all but iam and organizations", *out.NumberOfServicesNotAccessed, *out.NumberOfServicesAccessible)
	}
	if !slices.IsSortedFunc(all, func(x, y iamtypes.AccessDetail) int { return strings.Compare(*x.ServiceNamespace, *y.ServiceNamespace) }) {
		t.Error("not by namespace: the API Reference's default order")
	}
	cPath := w.ouPath + "/" + w.c
	for _, tc := range []struct {
		ns, path string
		accounts int32
	}{{"iam", cPath, 2}, {"organizations", cPath, 1}, {"sts", "", 0}, {"s3", "", 0}} {
		d := detail(all, tc.ns)
		if d == nil {
			t.Errorf("%s: not listed", tc.ns)
			continue
		}
		if d.TotalAuthenticatedEntities == nil || *d.TotalAuthenticatedEntities != tc.accounts {
			t.Errorf("%s: TotalAuthenticatedEntities %v, want %d", tc.ns, d.TotalAuthenticatedEntities, tc.accounts)
		}
		if tc.path == "" {
			if d.EntityPath != nil || d.LastAuthenticatedTime != nil || d.Region != nil {
				t.Errorf("%s: never accessed, yet %v %v %v", tc.ns, d.EntityPath, d.LastAuthenticatedTime, d.Region)
			}
			continue
		}
		if d.EntityPath == nil || *d.EntityPath != tc.path || d.LastAuthenticatedTime == nil || d.Region == nil || *d.ServiceName == "" {
			t.Errorf("%s: %+v, want the last access from %s", tc.ns, d, tc.path)
		}
	}

	// An account of the OU with no activity: every service, none accessed.
	out, all = w.report(t, c, w.dPath, "", "", 0)
	if *out.NumberOfServicesNotAccessed != *out.NumberOfServicesAccessible || int(*out.NumberOfServicesAccessible) != len(all) {
		t.Errorf("d: %d of %d not accessed", *out.NumberOfServicesNotAccessed, *out.NumberOfServicesAccessible)
	}
	// b alone: its own IAM access.
	_, all = w.report(t, c, w.bPath, "", "", 0)
	if d := detail(all, "iam"); d == nil || d.EntityPath == nil || *d.EntityPath != w.bPath || *d.TotalAuthenticatedEntities != 1 {
		t.Errorf("b's iam: %+v", d)
	}
	if d := detail(all, "organizations"); d == nil || d.LastAuthenticatedTime != nil {
		t.Errorf("b's organizations: %+v", d)
	}
	// The management account (the API Reference: "the resulting report
	// lists all Amazon Web Services services ... the report includes data
	// for only the management account"): its AssumeRole calls.
	_, all = w.report(t, c, w.orgID+"/"+w.root+"/"+accountA, "", "", 0)
	if d := detail(all, "sts"); d == nil || d.EntityPath == nil || *d.EntityPath != w.orgID+"/"+w.root+"/"+accountA || *d.TotalAuthenticatedEntities != 1 {
		t.Errorf("the management account's sts: %+v", d)
	}
}

// MaxItems and Marker page the report; SortKey (the model's sortKeyType)
// orders it by namespace or by last access (a service never accessed
// sorts as the oldest: AWS documents no place for it).
func TestOrganizationsAccessReportPagingAndSort(t *testing.T) {
	w := newOrgReportWorld(t)
	c := w.e.iam(w.e.admin)
	out, whole := w.report(t, c, w.ouPath, "", "", 0)
	_, paged := w.report(t, c, w.ouPath, "", iamtypes.SortKeyTypeServiceNamespaceAscending, 7)
	if len(paged) != len(whole) || int(*out.NumberOfServicesAccessible) != len(paged) {
		t.Fatalf("paged %d, whole %d", len(paged), len(whole))
	}
	for i := range paged {
		if *paged[i].ServiceNamespace != *whole[i].ServiceNamespace {
			t.Fatalf("item %d: %s paged, %s whole", i, *paged[i].ServiceNamespace, *whole[i].ServiceNamespace)
		}
	}
	_, desc := w.report(t, c, w.ouPath, "", iamtypes.SortKeyTypeServiceNamespaceDescending, 50)
	if !slices.IsSortedFunc(desc, func(x, y iamtypes.AccessDetail) int { return strings.Compare(*y.ServiceNamespace, *x.ServiceNamespace) }) || len(desc) != len(whole) {
		t.Error("SERVICE_NAMESPACE_DESCENDING is not descending")
	}
	_, recent := w.report(t, c, w.ouPath, "", iamtypes.SortKeyTypeLastAuthenticatedTimeDescending, 3)
	if *recent[0].ServiceNamespace != "organizations" || *recent[1].ServiceNamespace != "iam" || recent[2].LastAuthenticatedTime != nil {
		t.Errorf("by last access, newest first: %s, %s, %s", *recent[0].ServiceNamespace, *recent[1].ServiceNamespace, *recent[2].ServiceNamespace)
	}
	_, oldest := w.report(t, c, w.ouPath, "", iamtypes.SortKeyTypeLastAuthenticatedTimeAscending, 0)
	if n := len(oldest); *oldest[n-1].ServiceNamespace != "organizations" || *oldest[n-2].ServiceNamespace != "iam" || oldest[0].LastAuthenticatedTime != nil {
		t.Errorf("by last access, oldest first, ends with %s, %s", *oldest[n-2].ServiceNamespace, *oldest[n-1].ServiceNamespace)
	}
}

// An SCP limits the report (the API Reference: with a policy ID, "the
// resulting report lists all of the services that are allowed by the
// specified SCP"; without, "the services allowed by SCPs that are attached
// to the OU and its parents"). The allow list SCP allows IAM and S3; once
// it replaces FullAWSAccess on the OU, the OU's report lists only those.
func TestOrganizationsAccessReportSCP(t *testing.T) {
	w := newOrgReportWorld(t)
	ctx := context.Background()
	oc := w.e.org(w.e.admin)
	c := w.e.iam(w.e.admin)
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &w.root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	scp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","s3:*"],"Resource":"*"}]}`
	pid := *must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("iam-and-s3"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(scp), Description: aws.String("allow list")})).Policy.PolicySummary.Id

	// Attached nowhere: the services it allows, with no data.
	out, all := w.report(t, c, w.ouPath, pid, "", 0)
	if len(all) != 2 || *all[0].ServiceNamespace != "iam" || *all[1].ServiceNamespace != "s3" || *out.NumberOfServicesNotAccessed != 2 {
		t.Fatalf("an SCP attached nowhere: %d listed, %d not accessed", len(all), *out.NumberOfServicesNotAccessed)
	}
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: &pid, TargetId: &w.ou}))
	out, all = w.report(t, c, w.ouPath, pid, "", 0)
	if len(all) != 2 || *out.NumberOfServicesAccessible != 2 || *out.NumberOfServicesNotAccessed != 1 || *all[0].TotalAuthenticatedEntities != 2 {
		t.Fatalf("the SCP's report: %d listed, %d not accessed, iam by %d", len(all), *out.NumberOfServicesNotAccessed, *all[0].TotalAuthenticatedEntities)
	}
	// Without the policy ID: FullAWSAccess is still on the OU.
	if _, all = w.report(t, c, w.ouPath, "", "", 0); len(all) < 100 {
		t.Fatalf("with FullAWSAccess kept: %d services", len(all))
	}
	must[*organizations.DetachPolicyOutput](t)(oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: &w.ou}))
	_, all = w.report(t, c, w.ouPath, "", "", 0)
	if len(all) != 2 || *all[0].ServiceNamespace != "iam" || *all[1].ServiceNamespace != "s3" {
		var got []string
		for _, d := range all[:min(len(all), 5)] {
			got = append(got, *d.ServiceNamespace)
		}
		t.Fatalf("the OU under the allow list: %d services %v", len(all), got)
	}
	// An SCP that does not exist.
	_, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(w.ouPath), OrganizationsPolicyId: aws.String("p-00000000")})
	wantError(t, err, "NoSuchEntity", 404)
}

// Refused: a caller without iam:GenerateOrganizationsAccessReport (on the
// access-report resource, arn:aws:iam::ACCOUNT:access-report/ENTITYPATH,
// with the iam:OrganizationsPolicyId condition key: the Service
// Authorization Reference for IAM; the IAM User Guide's example policy
// "View service last accessed information for an Organizations policy"); a
// member account (the API Reference: "you must be signed in using your
// Organizations management account credentials"); an account in no
// organization; a path that is not the organization's; a job ID that is not
// an Organizations report (NoSuchEntity, the model's error of
// GetOrganizationsAccessReport). None makes a job.
func TestOrganizationsAccessReportRefused(t *testing.T) {
	w := newOrgReportWorld(t)
	ctx := context.Background()
	c := w.e.iam(w.e.admin)
	gen := func(c *iam.Client, path, pid string) error {
		in := &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(path)}
		if pid != "" {
			in.OrganizationsPolicyId = aws.String(pid)
		}
		out, err := c.GenerateOrganizationsAccessReport(ctx, in)
		if err == nil && out.JobId == nil {
			t.Fatal("no job ID")
		}
		if err != nil && out != nil {
			t.Fatalf("a refused call answered %+v", out)
		}
		return err
	}

	nobody := w.e.iam(w.e.newUser("nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetOrganizationsAccessReport","Resource":"*"}]}`))
	msg := wantError(t, gen(nobody, w.ouPath, ""), "AccessDenied", 403)
	contains(t, msg, "is not authorized to perform: iam:GenerateOrganizationsAccessReport on resource: arn:aws:iam::"+accountA+":access-report/"+w.ouPath)
	_, err := nobody.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantError(t, err, "NoSuchEntity", 404)
	_, err = w.e.iam(w.e.newUser("none", "")).GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")})
	contains(t, wantError(t, err, "AccessDenied", 403), "is not authorized to perform: iam:GetOrganizationsAccessReport on resource: *")

	// Allowed for one SCP only.
	onePolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GenerateOrganizationsAccessReport","Resource":"*",
		"Condition":{"StringEquals":{"iam:OrganizationsPolicyId":"p-FullAWSAccess"}}}]}`
	scoped := w.e.iam(w.e.newUser("scoped", onePolicy))
	wantError(t, gen(scoped, w.ouPath, ""), "AccessDenied", 403)
	if err := gen(scoped, w.ouPath, "p-FullAWSAccess"); err != nil {
		t.Fatalf("the allowed policy ID: %v", err)
	}

	// A member account's administrator, allowed everything in b.
	wantError(t, gen(w.e.iam(w.adminB), w.ouPath, ""), "CallerIsNotManagementAccountException", 400)
	job := must[*iam.GenerateOrganizationsAccessReportOutput](t)(c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(w.ouPath)})).JobId
	_, err = w.e.iam(w.adminB).GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job})
	wantError(t, err, "CallerIsNotManagementAccountException", 400)

	// Paths that name nothing of the organization, and one the model rejects.
	for _, path := range []string{
		"o-aaaaaaaaaa/" + w.root,                     // another organization
		w.orgID + "/r-zzzz",                          // another root
		w.orgID + "/" + w.root + "/ou-zzzz-zzzzzzzz", // no such OU
		w.orgID + "/" + w.root + "/" + w.b,           // b is in the OU, not the root
		w.ouPath + "/" + w.b + "/" + w.c,             // nothing under an account
		w.ouPath + "/210987654321",                   // no such account
	} {
		msg := wantError(t, gen(c, path, ""), "InvalidInput", 400)
		contains(t, msg, "The entity path "+path+" does not name")
	}
	msg = wantError(t, gen(c, "not-a-path-at-all-x", ""), "ValidationError", 400)
	contains(t, msg, "failed to satisfy constraint: Member must satisfy regular expression pattern")

	// Job IDs of other reports, and of none.
	sla := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + accountA + ":user/nobody")})).JobId
	_, err = c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: sla})
	contains(t, wantError(t, err, "NoSuchEntity", 404), "The job with ID "+*sla+" cannot be found.")
	_, err = c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job})
	wantError(t, err, "NoSuchEntity", 404)
	_, err = c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantError(t, err, "NoSuchEntity", 404)
	status, code, _ := iamQuery(t, w.e, w.e.admin, "GetOrganizationsAccessReport", url.Values{"JobId": {*job}, "Marker": {"x"}})
	if status != 400 || code != "ValidationError" {
		t.Errorf("a marker that is not the report's: %d %s", status, code)
	}
}

// Outside an organization: OrganizationNotFoundException (the model's
// words: "no organization is associated with your account").
func TestOrganizationsAccessReportNoOrganization(t *testing.T) {
	e := newEnv(t)
	_, err := e.iam(e.admin).GenerateOrganizationsAccessReport(context.Background(), &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("o-aaaaaaaaaa/r-aaaa")})
	wantError(t, err, "OrganizationNotFoundException", 400)
}
