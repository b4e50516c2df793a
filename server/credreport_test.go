package server_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// readReport generates (when asked) and reads a credential report and
// returns its rows by user name, with the header under "".
func readReport(t *testing.T, c *iam.Client) (map[string][]string, *iam.GetCredentialReportOutput) {
	t.Helper()
	out := must[*iam.GetCredentialReportOutput](t)(c.GetCredentialReport(context.Background(), &iam.GetCredentialReportInput{}))
	rows, err := csv.NewReader(strings.NewReader(string(out.Content))).ReadAll()
	if err != nil {
		t.Fatalf("report %q: %v", out.Content, err)
	}
	byUser := map[string][]string{}
	for i, r := range rows {
		if i == 0 {
			byUser[""] = r
			continue
		}
		byUser[r[0]] = r
	}
	return byUser, out
}

// The credential report as the IAM User Guide, "Generate credential
// reports for your AWS account", describes it: the columns in their
// documented order, the root user first as <root_account>, N/A,
// not_supported and no_information where the guide says, ISO 8601 times;
// GenerateCredentialReport answers STARTED then COMPLETE (real output in
// prowler-cloud/prowler#272), GetCredentialReport ReportNotPresent (410,
// botocore iam CredentialReportNotPresentException) before, and the
// report as a base64 blob of text/csv after (botocore
// GetCredentialReportResponse).
func TestCredentialReport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)

	_, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if msg := wantError(t, err, "ReportNotPresent", 410); msg != "Unknown" {
		t.Fatalf("no report: %s", msg)
	}

	// alice: a password, MFA, two keys (the first used, the second
	// inactive) and a signing certificate. bob: nothing.
	alice := e.newUser("alice", "")
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Al1ce-Passw0rd!")}))
	enableMFA(t, c, "alice")
	time.Sleep(1100 * time.Millisecond) // creation times are kept to the second: the second key is younger
	second := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
	must[*iam.UpdateAccessKeyOutput](t)(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: second.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}))
	must[*sts.GetCallerIdentityOutput](t)(e.sts(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	cert := selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(cert)}))
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(90)}))
	newUser(t, e, "bob")

	gen := must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
	if gen.State != iamtypes.ReportStateTypeStarted || *gen.Description != "No report exists. Starting a new report generation task" {
		t.Fatalf("first generation: %s %v", gen.State, gen.Description)
	}
	gen = must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
	if gen.State != iamtypes.ReportStateTypeComplete || gen.Description != nil {
		t.Fatalf("second generation: %s %v", gen.State, gen.Description)
	}

	rows, out := readReport(t, c)
	if out.ReportFormat != iamtypes.ReportFormatTypeTextCsv || out.GeneratedTime == nil || time.Since(*out.GeneratedTime) > time.Minute {
		t.Fatalf("report: %s %v", out.ReportFormat, out.GeneratedTime)
	}
	header := "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
		"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
		"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
		"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
	if got := strings.Join(rows[""], ","); got != header {
		t.Fatalf("header:\n%s\nwant\n%s", got, header)
	}
	if first := strings.SplitN(string(out.Content), "\n", 3)[1]; !strings.HasPrefix(first, "<root_account>,arn:aws:iam::123456789012:root,") {
		t.Fatalf("first row: %s", first)
	}
	root := rows["<root_account>"]
	if strings.Join(root[3:], ",") != "not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A" {
		t.Fatalf("root row: %v", root)
	}
	iso := func(s string) bool {
		_, err := time.Parse("2006-01-02T15:04:05-07:00", s)
		return err == nil && strings.HasSuffix(s, "+00:00")
	}
	a := rows["alice"]
	if a[1] != "arn:aws:iam::123456789012:user/alice" || !iso(a[2]) || a[3] != "true" || a[4] != "no_information" || !iso(a[5]) || !iso(a[6]) || a[7] != "true" {
		t.Fatalf("alice's password and MFA: %v", a)
	}
	changed, _ := time.Parse(time.RFC3339, a[5])
	next, _ := time.Parse(time.RFC3339, a[6])
	if next.Sub(changed) != 90*24*time.Hour {
		t.Fatalf("next rotation %s after change %s, want 90 days", a[6], a[5])
	}
	if a[8] != "true" || !iso(a[9]) || !iso(a[10]) || a[11] != "eu-central-1" || a[12] != "sts" {
		t.Fatalf("alice's first key: %v", a[8:13])
	}
	if strings.Join(a[13:18], ",") != "false,N/A,N/A,N/A,N/A" {
		t.Fatalf("alice's inactive second key: %v", a[13:18])
	}
	if a[18] != "true" || !iso(a[19]) || a[20] != "false" || a[21] != "N/A" {
		t.Fatalf("alice's certificates: %v", a[18:])
	}
	if got := strings.Join(rows["bob"][3:], ","); got != "false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A" {
		t.Fatalf("bob: %s", got)
	}
	if len(rows) != 1+3+1 { // header, root, admin, alice, bob
		t.Fatalf("rows: %v", rows)
	}

	// The report is kept: a user created after it is not in it until a
	// report is generated again, after four hours; until then the report
	// reads as it was, and past them it has expired.
	newUser(t, e, "carol")
	if rows, _ := readReport(t, c); rows["carol"] != nil {
		t.Fatalf("carol in the kept report")
	}
	later := 4*time.Hour + time.Minute
	e.offset.Store(int64(later))
	query := func(action string) (int, errorResponse) {
		return do(t, signed(t, e.ts.URL, "Action="+action+"&Version=2010-05-08", e.admin, time.Now().Add(later)))
	}
	if status, er := query("GetCredentialReport"); status != 410 || er.Error.Code != "ReportExpired" {
		t.Fatalf("after four hours: %d %s", status, er.Error.Code)
	}
	if status, _ := query("GenerateCredentialReport"); status != 200 {
		t.Fatalf("generation after four hours: %d", status)
	}
	if status, _ := query("GetCredentialReport"); status != 200 {
		t.Fatalf("the new report: %d", status)
	}
	e.offset.Store(0)
	if rows, _ := readReport(t, c); rows["carol"] == nil {
		t.Fatalf("carol not in the new report")
	}
}

// Both operations are authorized on "*" (the Service Authorization
// Reference, IAM: GenerateCredentialReport and GetCredentialReport take no
// resource), and a report holds its own account's users only.
func TestCredentialReportAccess(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	newUser(t, e, "only-in-a")
	nobody := e.newUser("nobody", "")
	_, err := e.iam(nobody).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.iam(nobody).GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantError(t, err, "AccessDenied", 403)
	// Generating needs iam:GenerateCredentialReport, reading
	// iam:GetCredentialReport: neither implies the other.
	reader := e.newUser("reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetCredentialReport","Resource":"*"}]}`)
	_, err = e.iam(reader).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	wantError(t, err, "AccessDenied", 403)

	cb := e.iam(adminB)
	must[*iam.CreateUserOutput](t)(cb.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("only-in-b")}))
	must[*iam.GenerateCredentialReportOutput](t)(cb.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
	rowsB, _ := readReport(t, cb)
	if rowsB["only-in-a"] != nil || rowsB["only-in-b"] == nil || rowsB["<root_account>"][1] != "arn:aws:iam::"+b+":root" {
		t.Fatalf("B's report: %v", rowsB)
	}
	// A has no report of its own yet: B's is not A's.
	_, err = e.iam(reader).GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantError(t, err, "ReportNotPresent", 410)
	must[*iam.GenerateCredentialReportOutput](t)(e.iam(e.admin).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
	rowsA, _ := readReport(t, e.iam(reader))
	if rowsA["only-in-b"] != nil || rowsA["only-in-a"] == nil {
		t.Fatalf("A's report: %v", rowsA)
	}
}
