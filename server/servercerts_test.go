package server_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamgate/iamgate/server"
)

// issued is a certificate made for a test, with its key.
type issued struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM string
	keyPEM  string
}

// issue makes a certificate valid for a day, signed by parent (self-signed
// when parent is nil); ca makes it a CA.
func issue(t *testing.T, cn string, parent *issued, ca bool) *issued {
	t.Helper()
	now := time.Now()
	return issueValid(t, cn, parent, ca, now.Add(-time.Hour), now.Add(24*time.Hour).Truncate(time.Second))
}

// issueValid makes a certificate valid from nb to na. The key is EC P-256,
// in PKCS #8.
func issueValid(t *testing.T, cn string, parent *issued, ca bool, nb, na time.Time) *issued {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: nb, NotAfter: na, IsCA: ca, BasicConstraintsValid: ca}
	if ca {
		tpl.KeyUsage = x509.KeyUsageCertSign
	}
	signer, signerKey := tpl, crypto.Signer(k)
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, signer, &k.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: cert, key: k, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))}
}

// The eight server certificate operations through the real server. Sources:
// the iam model (botocore iam/2010-05-08 service-2.json: ServerCertificate,
// ServerCertificateMetadata, the errors of UploadServerCertificate with
// their statuses: MalformedCertificate 400, KeyPairMismatch 400,
// EntityAlreadyExists 409, LimitExceeded 409), "IAM and AWS STS quotas"
// (20 server certificates per account), and real AWS messages quoted in
// public issues: "The Server Certificate with name N cannot be found."
// (convox/rack#783), "The Server Certificate with name N already exists."
// (dlapiduz/certbot-s3front#17), "Unable to parse certificate. Please
// ensure the certificate is in PEM format." (openshift/openshift-ansible
// #11214), the chain message (go-acme/lego#304).
func TestServerCertificates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	s := aws.String
	root := issue(t, "root", nil, true)
	mid := issue(t, "intermediate", root, true)
	leaf := issue(t, "www.example.test", mid, false)
	chain := mid.certPEM + root.certPEM

	up := must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("www"),
		Path: s("/cloudfront/"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM), CertificateChain: s(chain),
		Tags: []iamtypes.Tag{{Key: s("team"), Value: s("web")}}}))
	m := up.ServerCertificateMetadata
	if !strings.HasPrefix(*m.ServerCertificateId, "ASCA") || len(*m.ServerCertificateId) != 21 || *m.Path != "/cloudfront/" ||
		*m.Arn != "arn:aws:iam::"+accountA+":server-certificate/cloudfront/www" || !m.Expiration.Equal(leaf.cert.NotAfter) || m.UploadDate == nil ||
		len(up.Tags) != 1 || *up.Tags[0].Key != "team" {
		t.Fatalf("uploaded: %+v %+v", m, up.Tags)
	}
	got := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("www")})).ServerCertificate
	if *got.CertificateBody != leaf.certPEM || *got.CertificateChain != chain || *got.ServerCertificateMetadata.ServerCertificateId != *m.ServerCertificateId || len(got.Tags) != 1 {
		t.Fatalf("got: %+v", got)
	}
	// The private key is sealed in the store: its bytes are nowhere in
	// the stored item.
	items, _, err := e.st.List(ctx, server.KindServerCertificate, accountA, "", 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("stored: %v %v", items, err)
	}
	blk, _ := pem.Decode([]byte(leaf.keyPEM))
	if bytes.Contains(items[0].Data, []byte(strings.Split(leaf.keyPEM, "\n")[1])) || bytes.Contains(items[0].Data, blk.Bytes) {
		t.Fatal("the private key is stored in the clear")
	}

	// Bad input changes nothing.
	other := issue(t, "other", nil, false)
	ec, _ := x509.MarshalECPrivateKey(other.key.(*ecdsa.PrivateKey))
	sec1 := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ec}))
	for _, bad := range []struct {
		name, body, key, chain, code, msg string
	}{
		{"dup", leaf.certPEM, leaf.keyPEM, "", "EntityAlreadyExists", "The Server Certificate with name dup already exists."},
		{"WWW", leaf.certPEM, leaf.keyPEM, "", "EntityAlreadyExists", "The Server Certificate with name WWW already exists."},
		{"a", "not a certificate", leaf.keyPEM, "", "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format."},
		{"b", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", leaf.keyPEM, "", "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format."},
		{"c", leaf.certPEM, "not a key", "", "MalformedCertificate", ""},
		{"d", leaf.certPEM, other.keyPEM, "", "KeyPairMismatch", "The public key certificate and the private key do not match."},
		{"e", leaf.certPEM, sec1, "", "KeyPairMismatch", ""},
		{"f", leaf.certPEM, leaf.keyPEM, root.certPEM + mid.certPEM, "MalformedCertificate", "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: -1"},
		{"g", leaf.certPEM, leaf.keyPEM, mid.certPEM + other.certPEM, "MalformedCertificate", ""},
		{"h", leaf.certPEM, leaf.keyPEM, mid.certPEM + "garbage", "MalformedCertificate", ""},
	} {
		name := bad.name
		if bad.code == "EntityAlreadyExists" {
			must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("dup"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM)}))
		}
		status := 400
		if bad.code == "EntityAlreadyExists" {
			status = 409
		}
		msg := wantError(t, second(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s(name),
			CertificateBody: s(bad.body), PrivateKey: s(bad.key), CertificateChain: optional(bad.chain)})), bad.code, status)
		if bad.msg != "" && msg != bad.msg {
			t.Errorf("%s: %q, want %q", name, msg, bad.msg)
		}
		if bad.code == "EntityAlreadyExists" {
			must[*iam.DeleteServerCertificateOutput](t)(c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("dup")}))
		}
	}
	if l := must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})); len(l.ServerCertificateMetadataList) != 1 {
		t.Fatalf("after refusals: %+v", l.ServerCertificateMetadataList)
	}

	// Listing: by path prefix, in pages.
	must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("api"), CertificateBody: s(other.certPEM), PrivateKey: s(sec1)}))
	if l := must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{PathPrefix: s("/cloudfront/")})); len(l.ServerCertificateMetadataList) != 1 || *l.ServerCertificateMetadataList[0].ServerCertificateName != "www" {
		t.Fatalf("by prefix: %+v", l.ServerCertificateMetadataList)
	}
	p1 := must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(1)}))
	if len(p1.ServerCertificateMetadataList) != 1 || !p1.IsTruncated || *p1.ServerCertificateMetadataList[0].ServerCertificateName != "api" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(1), Marker: p1.Marker}))
	if len(p2.ServerCertificateMetadataList) != 1 || p2.IsTruncated || *p2.ServerCertificateMetadataList[0].ServerCertificateName != "www" {
		t.Fatalf("page 2: %+v", p2)
	}

	// Renaming and moving.
	if msg := wantError(t, second(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("www"), NewServerCertificateName: s("api")})), "EntityAlreadyExists", 409); msg != "The Server Certificate with name api already exists." {
		t.Fatalf("rename onto another: %q", msg)
	}
	must[*iam.UpdateServerCertificateOutput](t)(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("www"), NewServerCertificateName: s("web"), NewPath: s("/elb/")}))
	if msg := wantError(t, second(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("www")})), "NoSuchEntity", 404); msg != "The Server Certificate with name www cannot be found." {
		t.Fatalf("old name: %q", msg)
	}
	moved := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("web")})).ServerCertificate.ServerCertificateMetadata
	if *moved.Arn != "arn:aws:iam::"+accountA+":server-certificate/elb/web" || *moved.ServerCertificateId != *m.ServerCertificateId {
		t.Fatalf("moved: %+v", moved)
	}
	wantError(t, second(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("ghost"), NewServerCertificateName: s("g2")})), "NoSuchEntity", 404)

	// Tags.
	must[*iam.TagServerCertificateOutput](t)(c.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("web"), Tags: []iamtypes.Tag{{Key: s("env"), Value: s("prod")}}}))
	must[*iam.UntagServerCertificateOutput](t)(c.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: s("web"), TagKeys: []string{"team"}}))
	tags := must[*iam.ListServerCertificateTagsOutput](t)(c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: s("web")})).Tags
	if len(tags) != 1 || *tags[0].Key != "env" || *tags[0].Value != "prod" {
		t.Fatalf("tags: %+v", tags)
	}
	wantError(t, second(c.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("ghost"), Tags: []iamtypes.Tag{{Key: s("k"), Value: s("v")}}})), "NoSuchEntity", 404)
	wantError(t, second(c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: s("ghost")})), "NoSuchEntity", 404)

	// Quota: 20 in the account.
	for i := 2; i < 20; i++ {
		must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("n" + string(rune('a'+i))), CertificateBody: s(other.certPEM), PrivateKey: s(other.keyPEM)}))
	}
	if msg := wantError(t, second(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("one-more"), CertificateBody: s(other.certPEM), PrivateKey: s(other.keyPEM)})), "LimitExceeded", 409); msg != "Cannot exceed quota for ServerCertificatesPerAccount: 20" {
		t.Fatalf("quota: %q", msg)
	}

	must[*iam.DeleteServerCertificateOutput](t)(c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("web")}))
	wantError(t, second(c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("web")})), "NoSuchEntity", 404)
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// Authorization on the certificate's ARN, with aws:RequestTag and
// aws:TagKeys for the tag operations (the Service Authorization Reference:
// UploadServerCertificate and TagServerCertificate take aws:RequestTag/$
// {TagKey} and aws:TagKeys; every operation but ListServerCertificates acts
// on the server-certificate resource type). Without permission, the
// answer is the same AccessDenied for what exists and what does not.
func TestServerCertificatesAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	s := aws.String
	leaf := issue(t, "leaf", nil, false)
	must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("theirs"), Path: s("/other/"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM)}))

	nobody := e.newUser("nobody", "")
	for _, name := range []string{"theirs", "ghost"} {
		for _, op := range []struct {
			action string
			params url.Values
		}{
			{"UploadServerCertificate", url.Values{"ServerCertificateName": {name}, "CertificateBody": {leaf.certPEM}, "PrivateKey": {leaf.keyPEM}}},
			{"GetServerCertificate", url.Values{"ServerCertificateName": {name}}},
			{"UpdateServerCertificate", url.Values{"ServerCertificateName": {name}, "NewServerCertificateName": {"x"}}},
			{"DeleteServerCertificate", url.Values{"ServerCertificateName": {name}}},
			{"TagServerCertificate", url.Values{"ServerCertificateName": {name}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}},
			{"UntagServerCertificate", url.Values{"ServerCertificateName": {name}, "TagKeys.member.1": {"k"}}},
			{"ListServerCertificateTags", url.Values{"ServerCertificateName": {name}}},
			{"ListServerCertificates", url.Values{}},
		} {
			if status, code, msg := iamQuery(t, e, nobody, op.action, op.params); status != 403 || code != "AccessDenied" {
				t.Fatalf("%s on %s without permission: %d %s %s", op.action, name, status, code, msg)
			}
		}
	}

	// Limited to its own path, and to tagging with team=blue, never
	// removing "owner".
	limited := e.newUser("limited", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetServerCertificate","iam:UpdateServerCertificate","iam:DeleteServerCertificate","iam:ListServerCertificateTags","iam:UntagServerCertificate"],"Resource":"arn:aws:iam::`+accountA+`:server-certificate/mine/*"},
		{"Effect":"Allow","Action":["iam:UploadServerCertificate","iam:TagServerCertificate"],"Resource":"arn:aws:iam::`+accountA+`:server-certificate/mine/*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}},
		{"Effect":"Deny","Action":"iam:UntagServerCertificate","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"owner"}}}]}`)
	l := e.iam(limited)
	blue := []iamtypes.Tag{{Key: s("team"), Value: s("blue")}}
	must[*iam.UploadServerCertificateOutput](t)(l.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("own"), Path: s("/mine/"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM), Tags: blue}))
	wantError(t, second(l.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("red"), Path: s("/mine/"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM), Tags: []iamtypes.Tag{{Key: s("team"), Value: s("red")}}})), "AccessDenied", 403)
	wantError(t, second(l.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("out"), Path: s("/other/"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM), Tags: blue})), "AccessDenied", 403)
	must[*iam.GetServerCertificateOutput](t)(l.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("own")}))
	wantError(t, second(l.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("theirs")})), "AccessDenied", 403)
	wantError(t, second(l.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("theirs")})), "AccessDenied", 403)
	wantError(t, second(l.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})), "AccessDenied", 403)
	// Moving out of its path needs the permission on the new ARN too.
	wantError(t, second(l.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("own"), NewPath: s("/other/")})), "AccessDenied", 403)
	must[*iam.UpdateServerCertificateOutput](t)(l.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("own"), NewServerCertificateName: s("own2")}))
	// Tags.
	must[*iam.TagServerCertificateOutput](t)(l.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("own2"), Tags: []iamtypes.Tag{{Key: s("owner"), Value: s("me")}, {Key: s("team"), Value: s("blue")}}}))
	wantError(t, second(l.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("own2"), Tags: []iamtypes.Tag{{Key: s("team"), Value: s("red")}}})), "AccessDenied", 403)
	wantError(t, second(l.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: s("own2"), TagKeys: []string{"owner"}})), "AccessDenied", 403)
	must[*iam.UntagServerCertificateOutput](t)(l.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: s("own2"), TagKeys: []string{"team"}}))
	tags := must[*iam.ListServerCertificateTagsOutput](t)(l.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: s("own2")})).Tags
	if len(tags) != 1 || *tags[0].Key != "owner" {
		t.Fatalf("tags: %+v", tags)
	}
	must[*iam.DeleteServerCertificateOutput](t)(l.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("own2")}))
	// Nothing of the other certificate changed.
	got := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("theirs")})).ServerCertificate
	if *got.ServerCertificateMetadata.Path != "/other/" || len(got.Tags) != 0 {
		t.Fatalf("theirs: %+v", got)
	}
}

// Another account's certificates are invisible: a name is looked up in the
// caller's account only, where it does not exist (NoSuchEntity), and each
// account has its own names.
func TestServerCertificatesOtherAccount(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	s := aws.String
	leaf := issue(t, "leaf", nil, false)
	a := e.iam(e.admin)
	must[*iam.UploadServerCertificateOutput](t)(a.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("shared"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM)}))
	b := e.iam(adminB)
	wantError(t, second(b.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("shared")})), "NoSuchEntity", 404)
	wantError(t, second(b.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("shared")})), "NoSuchEntity", 404)
	wantError(t, second(b.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("shared"), NewPath: s("/b/")})), "NoSuchEntity", 404)
	wantError(t, second(b.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("shared"), Tags: []iamtypes.Tag{{Key: s("k"), Value: s("v")}}})), "NoSuchEntity", 404)
	if l := must[*iam.ListServerCertificatesOutput](t)(b.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})); len(l.ServerCertificateMetadataList) != 0 {
		t.Fatalf("B lists: %+v", l.ServerCertificateMetadataList)
	}
	mb := must[*iam.UploadServerCertificateOutput](t)(b.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("shared"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM)})).ServerCertificateMetadata
	if strings.Contains(*mb.Arn, accountA) {
		t.Fatalf("B's certificate: %s", *mb.Arn)
	}
	got := must[*iam.GetServerCertificateOutput](t)(a.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("shared")})).ServerCertificate
	if *got.ServerCertificateMetadata.Path != "/" || len(got.Tags) != 0 || *got.ServerCertificateMetadata.ServerCertificateId == *mb.ServerCertificateId {
		t.Fatalf("A's certificate after B's attempts: %+v", got.ServerCertificateMetadata)
	}
}

// The private key goes in and never comes out: no response of any server
// certificate operation carries it (UploadServerCertificate's API
// reference returns metadata only; GetServerCertificate's ServerCertificate
// has no key member in the model).
func TestServerCertificatePrivateKeyNeverReturned(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := aws.String
	rec := &recording{t: t, got: map[string][]byte{}}
	c := iam.New(iam.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: rec}})
	leaf := issue(t, "leaf", nil, false)
	must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("www"), CertificateBody: s(leaf.certPEM), PrivateKey: s(leaf.keyPEM)}))
	must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("www")}))
	must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{}))
	must[*iam.UpdateServerCertificateOutput](t)(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("www"), NewServerCertificateName: s("web")}))
	must[*iam.ListServerCertificateTagsOutput](t)(c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: s("web")}))
	line := strings.Split(leaf.keyPEM, "\n")[1]
	if len(rec.seen) != 5 {
		t.Fatalf("recorded %v", rec.seen)
	}
	for _, action := range rec.seen {
		if body := rec.got[action]; bytes.Contains(body, []byte(line)) || bytes.Contains(body, []byte("PRIVATE KEY")) {
			t.Errorf("%s returns the private key: %s", action, body)
		}
	}
}
