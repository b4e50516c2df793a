package server_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// selfSigned makes a PEM self-signed certificate valid from nb to na.
func selfSigned(t *testing.T, nb, na time.Time) string {
	t.Helper()
	return issueValid(t, "dev", nil, false, nb, na).certPEM
}

// The four signing certificate operations through the real server. Sources:
// the iam model (botocore iam/2010-05-08 service-2.json: SigningCertificate,
// certificateIdType, the errors MalformedCertificate 400 and
// DuplicateCertificate 409 "associated with an IAM user in the account")
// and "IAM and AWS STS quotas" (2 signing certificates per user).
func TestSigningCertificates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	newUser(t, e, "dev")
	newUser(t, e, "other")
	now := time.Now()
	body := selfSigned(t, now.Add(-time.Hour), now.Add(24*time.Hour))

	up := must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(body)}))
	cert := up.Certificate
	if len(*cert.CertificateId) != 32 || cert.Status != iamtypes.StatusTypeActive || *cert.CertificateBody != body || *cert.UserName != "dev" {
		t.Fatalf("uploaded: %+v", cert)
	}
	// Once in the account: again for dev, or for another user.
	wantError(t, second(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(body)})), "DuplicateCertificate", 409)
	wantError(t, second(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("other"), CertificateBody: aws.String(body)})), "DuplicateCertificate", 409)
	// Malformed and expired.
	for _, bad := range []string{"not a certificate", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
		selfSigned(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour)), selfSigned(t, now.Add(24*time.Hour), now.Add(48*time.Hour))} {
		wantError(t, second(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(bad)})), "MalformedCertificate", 400)
	}
	// Quota: two, refused in IAM's words "Cannot exceed quota for
	// CertificatesPerUser: 2" (real output asserted by moto's AWS-verified
	// test, tests/test_iam/test_iam_signing_certificates.py
	// test_create_too_many_certificates).
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour)))}))
	if msg := wantError(t, second(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour)))})), "LimitExceeded", 409); msg != "Cannot exceed quota for CertificatesPerUser: 2" {
		t.Fatalf("quota message %q", msg)
	}
	l := must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev")}))
	if len(l.Certificates) != 2 || l.IsTruncated {
		t.Fatalf("list: %+v", l)
	}
	must[*iam.UpdateSigningCertificateOutput](t)(c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("dev"), CertificateId: cert.CertificateId, Status: iamtypes.StatusTypeInactive}))
	l = must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev"), MaxItems: aws.Int32(1)}))
	if len(l.Certificates) != 1 || !l.IsTruncated {
		t.Fatalf("page: %+v", l)
	}
	missing := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if msg := wantError(t, second(c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("dev"), CertificateId: aws.String(missing), Status: iamtypes.StatusTypeActive})), "NoSuchEntity", 404); msg != "The Certificate with id "+missing+" cannot be found." {
		t.Fatalf("missing: %q", msg)
	}
	// Another user's certificate is not this user's.
	wantError(t, second(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("other"), CertificateId: cert.CertificateId})), "NoSuchEntity", 404)
	if msg := wantError(t, second(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dev")})), "DeleteConflict", 409); msg != "Cannot delete entity, must delete signing certificates first." {
		t.Fatalf("conflict: %q", msg)
	}

	// Without permission: denied whether or not the user or certificate
	// exists; account B does not see A's user.
	nobody := userCreds(t, e, "other")
	for _, user := range []string{"dev", "ghost"} {
		for _, op := range []struct {
			action string
			params url.Values
		}{
			{"UploadSigningCertificate", url.Values{"UserName": {user}, "CertificateBody": {body}}},
			{"ListSigningCertificates", url.Values{"UserName": {user}}},
			{"UpdateSigningCertificate", url.Values{"UserName": {user}, "CertificateId": {*cert.CertificateId}, "Status": {"Active"}}},
			{"DeleteSigningCertificate", url.Values{"UserName": {user}, "CertificateId": {*cert.CertificateId}}},
		} {
			if status, code, msg := iamQuery(t, e, nobody, op.action, op.params); status != 403 || code != "AccessDenied" {
				t.Fatalf("%s on %s without permission: %d %s %s", op.action, user, status, code, msg)
			}
		}
	}
	for _, m := range must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev")})).Certificates {
		must[*iam.DeleteSigningCertificateOutput](t)(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: m.CertificateId}))
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dev")}))
}

func TestSigningCertificatesOtherAccount(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	newUser(t, e, "dev")
	now := time.Now()
	cert := must[*iam.UploadSigningCertificateOutput](t)(e.iam(e.admin).UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"),
		CertificateBody: aws.String(selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour)))})).Certificate
	b := e.iam(adminB)
	wantError(t, second(b.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev")})), "NoSuchEntity", 404)
	wantError(t, second(b.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: cert.CertificateId})), "NoSuchEntity", 404)
	must[*iam.CreateUserOutput](t)(b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}))
	wantError(t, second(b.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: cert.CertificateId})), "NoSuchEntity", 404)
	if l := must[*iam.ListSigningCertificatesOutput](t)(e.iam(e.admin).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev")})); len(l.Certificates) != 1 {
		t.Fatalf("A's certificate after B's attempts: %+v", l)
	}
}
