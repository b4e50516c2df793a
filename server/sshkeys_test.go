package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/crypto/ssh"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// rsaSSHKey makes an RSA key of bits and returns its public half in
// OpenSSH form with a comment, and the key.
func rsaSSHKey(t *testing.T, bits int) (string, *rsa.PublicKey) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " dev@example", &k.PublicKey
}

func md5Colon(b []byte) string {
	sum := md5.Sum(b)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

func newUser(t *testing.T, e *env, name string) {
	t.Helper()
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)}))
}

// userCreds gives a user an access key and returns it.
func userCreds(t *testing.T, e *env, name string) aws.Credentials {
	t.Helper()
	k := must[*iam.CreateAccessKeyOutput](t)(e.iam(e.admin).CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

// The five SSH public key operations through the real server. Sources: the
// iam model (botocore iam/2010-05-08 service-2.json: shapes SSHPublicKey,
// publicKeyIdType, encodingType, the errors of UploadSSHPublicKey and their
// HTTP statuses), the UploadSSHPublicKey API reference (ssh-rsa or PEM, at
// least 2048 bits) and "IAM and AWS STS quotas" (5 SSH public keys per user).
func TestSSHPublicKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	newUser(t, e, "dev")
	body, rk := rsaSSHKey(t, 2048)

	up := must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)}))
	k := up.SSHPublicKey
	pub, _ := ssh.NewPublicKey(rk)
	if !strings.HasPrefix(*k.SSHPublicKeyId, "APKA") || len(*k.SSHPublicKeyId) != 21 || k.Status != iamtypes.StatusTypeActive || *k.UserName != "dev" || k.UploadDate == nil {
		t.Fatalf("uploaded: %+v", k)
	}
	if *k.Fingerprint != md5Colon(pub.Marshal()) {
		t.Fatalf("fingerprint %s, want MD5 of the key %s", *k.Fingerprint, md5Colon(pub.Marshal()))
	}
	if want := strings.TrimSuffix(body, " dev@example"); *k.SSHPublicKeyBody != want {
		t.Fatalf("body %q", *k.SSHPublicKeyBody)
	}

	// SSH and PEM encodings.
	g := must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh}))
	if *g.SSHPublicKey.SSHPublicKeyBody != *k.SSHPublicKeyBody || *g.SSHPublicKey.Fingerprint != *k.Fingerprint {
		t.Fatalf("get SSH: %+v", g.SSHPublicKey)
	}
	g = must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypePem}))
	blk, _ := pem.Decode([]byte(*g.SSHPublicKey.SSHPublicKeyBody))
	if blk == nil || blk.Type != "PUBLIC KEY" {
		t.Fatalf("get PEM: %q", *g.SSHPublicKey.SSHPublicKeyBody)
	}
	if got, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil || !got.(*rsa.PublicKey).Equal(rk) {
		t.Fatalf("PEM body is not the key: %v", err)
	}

	// The same key again, also in PEM form: DuplicateSSHPublicKey (400).
	wantError(t, second(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)})), "DuplicateSSHPublicKey", 400)
	der, _ := x509.MarshalPKIXPublicKey(rk)
	pemBody := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	wantError(t, second(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(pemBody)})), "DuplicateSSHPublicKey", 400)

	// Bad keys.
	small, _ := rsaSSHKey(t, 1024)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ed, _ := ssh.NewPublicKey(edPub)
	for _, tc := range []struct{ body, code string }{
		{small, "InvalidPublicKey"},
		{"ssh-rsa AAAA!!!notbase64", "InvalidPublicKey"},
		{"-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n", "InvalidPublicKey"},
		{string(ssh.MarshalAuthorizedKey(ed)), "UnrecognizedPublicKeyEncoding"},
		{"not a key at all", "UnrecognizedPublicKeyEncoding"},
	} {
		err := second(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(tc.body)}))
		wantError(t, err, tc.code, 400)
	}

	// Quota: five keys per user, the sixth LimitExceeded (409).
	for range 4 {
		b, _ := rsaSSHKey(t, 2048)
		must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(b)}))
	}
	b6, _ := rsaSSHKey(t, 2048)
	if msg := wantError(t, second(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(b6)})), "LimitExceeded", 409); msg != "Cannot exceed quota for SSHPublicKeysPerUser: 5" {
		t.Fatalf("quota message %q", msg)
	}

	// List pages by Marker, without bodies.
	l := must[*iam.ListSSHPublicKeysOutput](t)(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("dev"), MaxItems: aws.Int32(3)}))
	if len(l.SSHPublicKeys) != 3 || !l.IsTruncated {
		t.Fatalf("first page: %+v", l)
	}
	l2 := must[*iam.ListSSHPublicKeysOutput](t)(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("dev"), Marker: l.Marker}))
	if len(l2.SSHPublicKeys) != 2 || l2.IsTruncated {
		t.Fatalf("second page: %+v", l2)
	}

	// Update and Delete; a missing key is NoSuchEntity (404).
	must[*iam.UpdateSSHPublicKeyOutput](t)(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Status: iamtypes.StatusTypeInactive}))
	g = must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh}))
	if g.SSHPublicKey.Status != iamtypes.StatusTypeInactive {
		t.Fatalf("status after update: %s", g.SSHPublicKey.Status)
	}
	missing := "APKAAAAAAAAAAAAAAAAAA"
	if msg := wantError(t, second(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: aws.String(missing), Encoding: iamtypes.EncodingTypeSsh})), "NoSuchEntity", 404); msg != "The Public Key with id "+missing+" cannot be found." {
		t.Fatalf("missing key message %q", msg)
	}
	wantError(t, second(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: aws.String(missing), Status: iamtypes.StatusTypeActive})), "NoSuchEntity", 404)
	wantError(t, second(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: aws.String(missing)})), "NoSuchEntity", 404)
	wantError(t, second(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("ghost"), SSHPublicKeyBody: aws.String(b6)})), "NoSuchEntity", 404)
	// Expired is in the model's enum but not settable.
	wantError(t, second(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Status: iamtypes.StatusTypeExpired})), "ValidationError", 400)

	// A user with keys is not deleted (DeleteConflict, 409).
	if msg := wantError(t, second(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dev")})), "DeleteConflict", 409); msg != "Cannot delete entity, must delete SSH public keys first." {
		t.Fatalf("delete conflict %q", msg)
	}
	all := must[*iam.ListSSHPublicKeysOutput](t)(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("dev")}))
	for _, m := range all.SSHPublicKeys {
		must[*iam.DeleteSSHPublicKeyOutput](t)(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: m.SSHPublicKeyId}))
	}
	wantError(t, second(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh})), "NoSuchEntity", 404)
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dev")}))
}

func second[T any](_ T, err error) error { return err }

// A user may list its own keys without UserName; a caller without the
// permission is denied before it learns whether the user or the key exists;
// another account's caller does not see this account's user.
func TestSSHPublicKeysAuthorization(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	newUser(t, e, "dev")
	newUser(t, e, "nobody")
	body, _ := rsaSSHKey(t, 2048)
	k := must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)})).SSHPublicKey
	id := *k.SSHPublicKeyId

	// nobody has no policy: every operation, on an existing user and key or
	// not, is AccessDenied (403), and nothing changes.
	nobody := userCreds(t, e, "nobody")
	for _, user := range []string{"dev", "ghost"} {
		for _, op := range []struct {
			action string
			params url.Values
		}{
			{"UploadSSHPublicKey", url.Values{"UserName": {user}, "SSHPublicKeyBody": {body}}},
			{"GetSSHPublicKey", url.Values{"UserName": {user}, "SSHPublicKeyId": {id}, "Encoding": {"SSH"}}},
			{"ListSSHPublicKeys", url.Values{"UserName": {user}}},
			{"UpdateSSHPublicKey", url.Values{"UserName": {user}, "SSHPublicKeyId": {id}, "Status": {"Inactive"}}},
			{"DeleteSSHPublicKey", url.Values{"UserName": {user}, "SSHPublicKeyId": {id}}},
		} {
			status, code, msg := iamQuery(t, e, nobody, op.action, op.params)
			if status != 403 || code != "AccessDenied" {
				t.Fatalf("%s on %s without permission: %d %s %s", op.action, user, status, code, msg)
			}
			if strings.Contains(msg, id) || strings.Contains(msg, "cannot be found") {
				t.Fatalf("%s denial reveals: %s", op.action, msg)
			}
		}
	}
	g := must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id, Encoding: iamtypes.EncodingTypeSsh}))
	if g.SSHPublicKey.Status != iamtypes.StatusTypeActive {
		t.Fatal("a denied update changed the key")
	}

	// A policy that allows ListSSHPublicKeys on the user's own ARN only.
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListSSHPublicKeys","Resource":"arn:aws:iam::123456789012:user/nobody"}]}`)}))
	own := must[*iam.ListSSHPublicKeysOutput](t)(e.iam(nobody).ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{}))
	if len(own.SSHPublicKeys) != 0 {
		t.Fatalf("own keys: %+v", own)
	}
	wantError(t, second(e.iam(nobody).ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("dev")})), "AccessDenied", 403)

	// Account B's administrator names A's user and key: B has no such user.
	b := e.iam(adminB)
	wantError(t, second(b.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id, Encoding: iamtypes.EncodingTypeSsh})), "NoSuchEntity", 404)
	wantError(t, second(b.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id})), "NoSuchEntity", 404)
	// B's own user of the same name does not have A's key.
	must[*iam.CreateUserOutput](t)(b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}))
	wantError(t, second(b.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id, Status: iamtypes.StatusTypeInactive})), "NoSuchEntity", 404)
	wantError(t, second(b.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id})), "NoSuchEntity", 404)
	must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: &id, Encoding: iamtypes.EncodingTypeSsh}))
}

// Uploaded keys outlive a restart on both stores.
func TestSSHPublicKeysSurviveRestart(t *testing.T) {
	opens := map[string]func(t *testing.T) func() store.Store{
		"sqlite": func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "iamgate.db")
			return func() store.Store {
				st, err := sqlite.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		"postgres": func(t *testing.T) func() store.Store {
			dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
			return func() store.Store {
				st, err := postgres.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
	}
	for name, mk := range opens {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			open := mk(t)
			st := open()
			e := startEnv(t, st)
			admin := e.admin
			newUser(t, e, "dev")
			body, _ := rsaSSHKey(t, 2048)
			k := must[*iam.UploadSSHPublicKeyOutput](t)(e.iam(admin).UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)})).SSHPublicKey
			e.ts.Close()
			st.Close()
			st = open()
			defer st.Close()
			e = startEnv(t, st)
			g := must[*iam.GetSSHPublicKeyOutput](t)(e.iam(admin).GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh}))
			if *g.SSHPublicKey.SSHPublicKeyBody != *k.SSHPublicKeyBody || *g.SSHPublicKey.Fingerprint != *k.Fingerprint {
				t.Fatalf("after restart: %+v", g.SSHPublicKey)
			}
		})
	}
}
