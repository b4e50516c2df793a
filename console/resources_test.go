package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// addResources puts resources in an account of the world.
func (e *env) addResources(acct string, rs ...world.FileResource) {
	e.t.Helper()
	if qe := e.srv.State().UpdateAccount(context.Background(), acct, func(a *world.FileAccount) *query.Error {
		a.Resources = append(a.Resources, rs...)
		return nil
	}); qe != nil {
		e.t.Fatal(qe)
	}
}

// resourcesWorld gives the account a bucket with a bucket policy, a KMS
// key with a key policy, and another account a bucket of its own.
func resourcesWorld(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.addResources(account,
		world.FileResource{ARN: "arn:aws:s3:::team-data", Policy: world.NewPolicySource([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"PartnerRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::team-data/*"}]}`))},
		world.FileResource{ARN: "arn:aws:kms:us-east-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab", Policy: world.NewPolicySource([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"KeyAdmins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`))})
	e.addResources("210987654321",
		world.FileResource{ARN: "arn:aws:s3:::partner-bucket", Policy: world.NewPolicySource([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"PartnerOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"s3:*","Resource":"*"}]}`))})
	return e
}

// TestAccountResources: the account page lists the account's resources
// with their resource policies, each read as its service's policy read
// action on its ARN (s3:GetBucketPolicy: the S3 API Reference,
// GetBucketPolicy; kms:GetKeyPolicy: the KMS API Reference,
// GetKeyPolicy), as the signed-in user: an administrator sees both; a user
// who may read IAM but no resource policy sees neither; a user allowed
// s3:GetBucketPolicy on the one bucket sees it and not the key; a user
// allowed only s3:GetBucketPolicy sees the bucket, the lists denied in
// place; another account's bucket is never shown.
func TestAccountResources(t *testing.T) {
	e := resourcesWorld(t)
	e.user("root2", "Root2-Passw0rd12", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, false)
	e.user("reader", "Reader-Passw0rd12", readOnly, false)
	e.user("s3reader", "S3reader-Passw0rd12", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*"],"Resource":"*"},{"Effect":"Allow","Action":"s3:GetBucketPolicy","Resource":"arn:aws:s3:::team-data"}]}`, false)
	e.user("s3only", "S3only-Passw0rd12", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetBucketPolicy","Resource":"*"}]}`, false)
	bucket, key := "arn:aws:s3:::team-data", "arn:aws:kms:us-east-1:"+account+":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, c := range []struct {
		user, password string
		see, hide      []string
	}{
		{"root2", "Root2-Passw0rd12", []string{bucket, "PartnerRead", "s3:GetBucketPolicy", key, "KeyAdmins", "kms:GetKeyPolicy"}, []string{"partner-bucket", "PartnerOnly"}},
		{"reader", "Reader-Passw0rd12", []string{"None that you may read."}, []string{bucket, "PartnerRead", key, "KeyAdmins", "partner-bucket"}},
		{"s3reader", "S3reader-Passw0rd12", []string{bucket, "PartnerRead"}, []string{key, "KeyAdmins", "partner-bucket"}},
		{"s3only", "S3only-Passw0rd12", []string{bucket, "PartnerRead", "AccessDenied", "iam:ListUsers"}, []string{key, "KeyAdmins", "partner-bucket"}},
	} {
		t.Run(c.user, func(t *testing.T) {
			b := e.browser()
			b.signedIn(e, c.user, c.password, "")
			r := b.get("/console/iam")
			if r.status != http.StatusOK || !strings.Contains(r.body, `id="resources-h">Resources`) {
				t.Fatalf("account page: %d %s", r.status, r.body)
			}
			for _, w := range c.see {
				if !strings.Contains(r.body, w) {
					t.Errorf("%s does not see %q", c.user, w)
				}
			}
			for _, w := range c.hide {
				if strings.Contains(r.body, w) {
					t.Errorf("%s sees %q", c.user, w)
				}
			}
		})
	}
}
