package iam

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("GenerateCredentialReport", GenerateCredentialReport)
	registerTyped("GetCredentialReport", GetCredentialReport)
}

// credentialReportAge is how long a report is reused, and then how long
// it may still be downloaded: the IAM User Guide, "Generate credential
// reports for your AWS account": "If the most recent report for the AWS
// account is older than four hours, or if there are no previous reports
// for the account, IAM generates ... a new report." That a report older
// than that answers ReportExpired is iamgate's choice (AWS does not say
// when a report expires).
const credentialReportAge = 4 * time.Hour

// credentialReportColumns are the report's columns, in AWS's order (the IAM
// User Guide, "Understanding the report format").
var credentialReportColumns = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
	"password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

// credentialReport is a generated report, kept in the store (State.SaveJob)
// so that every server sharing the store answers the same report.
type credentialReport struct {
	Generated time.Time `json:"generated"`
	Content   []byte    `json:"content"`
}

// credentialReportJob is the store name of an account's report. It holds
// a '/', which no job ID of the last-accessed jobs (jobIDType: 36 of
// [\w-]) can, so that API never reads it.
func credentialReportJob(account string) string { return "credential-report/" + account }

func loadCredentialReport(c *api.Call) (credentialReport, bool, *query.Error) {
	data, ok, err := c.State.LoadJob(c.Ctx, credentialReportJob(c.Account()))
	if err != nil {
		return credentialReport{}, false, awserr.Lower(err, "reading the credential report: %v", err)
	}
	var r credentialReport
	if !ok || json.Unmarshal(data, &r) != nil {
		return credentialReport{}, false, nil
	}
	return r, true, nil
}

// GenerateCredentialReport makes the account's credential report (the IAM
// API Reference, GenerateCredentialReport; iam:GenerateCredentialReport on
// "*"). A report younger than four hours is kept and the answer is
// COMPLETE; otherwise iamgate builds the report at once and answers
// STARTED, with the description real IAM gives ("No report exists.
// Starting a new report generation task", quoted in
// prowler-cloud/prowler#272).
func GenerateCredentialReport(c *api.Call, _ *noInput) (*iamshape.GenerateCredentialReportResponse, *query.Error) {
	if e := c.Authorize("iam:GenerateCredentialReport", "*", nil); e != nil {
		return nil, e
	}
	if r, ok, e := loadCredentialReport(c); e != nil {
		return nil, e
	} else if ok && c.Now.Sub(r.Generated) < credentialReportAge {
		return &iamshape.GenerateCredentialReportResponse{State: "COMPLETE"}, nil
	}
	content, e := buildCredentialReport(c)
	if e != nil {
		return nil, e
	}
	data, _ := json.Marshal(credentialReport{Generated: c.Now.UTC().Truncate(time.Second), Content: content})
	if err := c.State.SaveJob(c.Ctx, credentialReportJob(c.Account()), data); err != nil {
		return nil, awserr.Lower(err, "saving the credential report: %v", err)
	}
	return &iamshape.GenerateCredentialReportResponse{State: "STARTED", Description: "No report exists. Starting a new report generation task"}, nil
}

// GetCredentialReport returns the account's report (the IAM API Reference,
// GetCredentialReport; iam:GetCredentialReport on "*"): the CSV, base64
// encoded, text/csv, and when it was generated. Without a report,
// ReportNotPresent (410) with real IAM's message "Unknown"
// (prowler-cloud/prowler#272); a report past four hours, ReportExpired
// (410). iamgate builds reports at once, so never ReportInProgress.
func GetCredentialReport(c *api.Call, _ *noInput) (*iamshape.GetCredentialReportResponse, *query.Error) {
	if e := c.Authorize("iam:GetCredentialReport", "*", nil); e != nil {
		return nil, e
	}
	r, ok, e := loadCredentialReport(c)
	if e != nil {
		return nil, e
	}
	if !ok {
		return nil, iamerr.ReportNotPresent("Unknown")
	}
	if c.Now.Sub(r.Generated) >= credentialReportAge {
		return nil, iamerr.ReportExpired("The most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.")
	}
	return &iamshape.GetCredentialReportResponse{Content: r.Content, ReportFormat: "text/csv", GeneratedTime: shape.At(r.Generated)}, nil
}

// reportTime is a credential report's time: ISO 8601 with the UTC offset
// written +00:00, as real reports have it.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "+00:00" }

func reportBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// buildCredentialReport writes the caller's account's report: the root
// user first, as <root_account>, then every user by name, with the values
// the IAM User Guide, "Understanding the report format", gives: N/A for
// what does not apply, not_supported for the root user's password fields,
// no_information for a password whose last use is not known.
func buildCredentialReport(c *api.Call) ([]byte, *query.Error) {
	acct := c.Account()
	var fa *world.FileAccount
	fw := c.State.File()
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == acct {
			fa = &fw.Accounts[i]
		}
	}
	if fa == nil {
		return nil, iamerr.ServiceFailure("the account %s is not in the world", acct)
	}
	keys, err := c.State.Keys().ListAccessKeys(c.Ctx, acct, "")
	if err != nil {
		return nil, awserr.Lower(err, "listing access keys: %v", err)
	}
	byUser := map[string][]api.AccessKey{}
	for _, k := range keys {
		byUser[k.User] = append(byUser[k.User], k)
	}
	policy, hasPolicy, err := c.State.Credentials().PasswordPolicy(c.Ctx, acct)
	if err != nil {
		return nil, awserr.Lower(err, "reading the password policy: %v", err)
	}

	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(credentialReportColumns)
	// The root user: iamgate holds no root password, MFA device, access key
	// or certificate. Its creation time is when the account joined the
	// organization, when known (else the Unix epoch, as for other unknown
	// dates).
	var created time.Time
	if fw.Organization != nil {
		created = fw.Organization.Joined[acct]
	}
	root := []string{"<root_account>", "arn:aws:iam::" + acct + ":root", reportTime(created), "not_supported", "no_information",
		"not_supported", "not_supported", "false"}
	root = append(root, keyColumns(nil)...)
	root = append(root, certColumns(nil)...)
	w.Write(root)

	users := make([]*world.FileUser, 0, len(fa.Users))
	for i := range fa.Users {
		users = append(users, &fa.Users[i])
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	for _, u := range users {
		row := []string{u.Name, iamARN(acct, "user", u.Path, u.Name), reportTime(u.Created)}
		lp, hasPassword, err := c.State.Credentials().LoginProfile(c.Ctx, acct, u.Name)
		if err != nil {
			return nil, awserr.Lower(err, "reading the login profile: %v", err)
		}
		if hasPassword {
			changed := lp.Changed
			if changed.IsZero() {
				changed = lp.Created
			}
			next := "N/A"
			if hasPolicy && policy.MaxPasswordAge > 0 {
				next = reportTime(changed.AddDate(0, 0, policy.MaxPasswordAge))
			}
			// iamgate records no console sign-in, so a password's last use
			// is never known.
			row = append(row, "true", "no_information", reportTime(changed), next)
		} else {
			row = append(row, "false", "N/A", "N/A", "N/A")
		}
		row = append(row, reportBool(len(u.MFADevices) > 0))
		row = append(row, keyColumns(byUser[u.Name])...)
		row = append(row, certColumns(u.SigningCertificates)...)
		w.Write(row)
	}
	w.Flush()
	return b.Bytes(), nil
}

// keyColumns are the access_key_1_* and access_key_2_* columns of a user's
// keys, oldest first. last_rotated is N/A for a key that is not active;
// the last use fields are N/A for a key never used.
func keyColumns(keys []api.AccessKey) []string {
	// Oldest first; keys created in the same second (creation times are
	// kept to the second) by ID, iamgate's choice.
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].Created.Equal(keys[j].Created) {
			return keys[i].Created.Before(keys[j].Created)
		}
		return keys[i].ID < keys[j].ID
	})
	var out []string
	for i := 0; i < 2; i++ {
		if i >= len(keys) {
			out = append(out, "false", "N/A", "N/A", "N/A", "N/A")
			continue
		}
		k := keys[i]
		active := k.Status == "Active"
		rotated := "N/A"
		if active {
			rotated = reportTime(k.Created)
		}
		used, region, service := "N/A", "N/A", "N/A"
		if !k.LastUsed.IsZero() {
			used = reportTime(k.LastUsed)
			if k.LastRegion != "" {
				region = k.LastRegion
			}
			if k.LastService != "" {
				service = k.LastService
			}
		}
		out = append(out, reportBool(active), rotated, used, region, service)
	}
	return out
}

// certColumns are the cert_1_* and cert_2_* columns, oldest first;
// last_rotated is N/A for a certificate that is not active.
func certColumns(certs []world.SigningCertificate) []string {
	certs = append([]world.SigningCertificate(nil), certs...)
	sort.Slice(certs, func(i, j int) bool { return certs[i].Uploaded.Before(certs[j].Uploaded) })
	var out []string
	for i := 0; i < 2; i++ {
		if i >= len(certs) || !strings.EqualFold(certs[i].Status, "Active") {
			out = append(out, reportBool(false), "N/A")
			continue
		}
		out = append(out, "true", reportTime(certs[i].Uploaded))
	}
	return out
}
