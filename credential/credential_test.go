package credential_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/credential"
)

// rfcSeed is RFC 6238 Appendix B's SHA-1 key "12345678901234567890" in
// base32.
const rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// TestCodeRFC6238: the SHA-1 test vectors of RFC 6238, Appendix B, cut to
// six digits (RFC 4226 section 5.3: the code is the value mod 10^6).
func TestCodeRFC6238(t *testing.T) {
	for _, v := range []struct {
		unix int64
		want string // the RFC's eight digits
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}} {
		got, err := credential.Code(rfcSeed, credential.Counter(time.Unix(v.unix, 0)))
		if err != nil || got != v.want[2:] {
			t.Errorf("T=%d: %q %v, want %q", v.unix, got, err, v.want[2:])
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1234567890, 0)
	n := credential.Counter(now)
	code := func(c int64) string {
		s, err := credential.Code(rfcSeed, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, d := range []int64{-1, 0, 1} {
		if c, ok := credential.Verify(rfcSeed, code(n+d), now, 0, 0); !ok || c != n+d {
			t.Errorf("step %+d refused", d)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		if _, ok := credential.Verify(rfcSeed, code(n+d), now, 0, 0); ok {
			t.Errorf("step %+d taken", d)
		}
	}
	// A code once taken is not taken again, nor an older one.
	if _, ok := credential.Verify(rfcSeed, code(n), now, 0, n); ok {
		t.Error("the last code taken was taken again")
	}
	if _, ok := credential.Verify(rfcSeed, code(n-1), now, 0, n); ok {
		t.Error("a code older than the last taken was taken")
	}
	if _, ok := credential.Verify(rfcSeed, code(n+1), now, 0, n); !ok {
		t.Error("the next code was refused")
	}
	// Drift moves the window.
	if _, ok := credential.Verify(rfcSeed, code(n+10), now, 10, 0); !ok {
		t.Error("a drifted device's code was refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", code(n)[:5] + "x"} {
		if _, ok := credential.Verify(rfcSeed, bad, now, 0, 0); ok {
			t.Errorf("%q taken", bad)
		}
	}
	if _, ok := credential.Verify("not base32!", "123456", now, 0, 0); ok {
		t.Error("a bad seed matched")
	}
}

func TestVerifyPair(t *testing.T) {
	now := time.Unix(1700000000, 0)
	n := credential.Counter(now)
	code := func(c int64) string { s, _ := credential.Code(rfcSeed, c); return s }
	for _, d := range []int64{0, -1, 5, -20, 20} {
		c, drift, ok := credential.VerifyPair(rfcSeed, code(n+d-1), code(n+d), now)
		if !ok || c != n+d || drift != d {
			t.Errorf("offset %d: %d %d %v", d, c, drift, ok)
		}
	}
	if _, _, ok := credential.VerifyPair(rfcSeed, code(n), code(n), now); ok && code(n) != code(n+1) {
		t.Error("the same code twice was taken")
	}
	if _, _, ok := credential.VerifyPair(rfcSeed, code(n), code(n-1), now); ok {
		t.Error("codes in the wrong order were taken")
	}
	if _, _, ok := credential.VerifyPair(rfcSeed, code(n+21), code(n+22), now); ok {
		t.Error("codes outside the window were taken")
	}
}

// TestNoSeedNoCode: a device without a seed (a FIDO security key) takes
// no code, not even the one HOTP gives an empty key.
func TestNoSeedNoCode(t *testing.T) {
	now := time.Unix(1700000000, 0)
	n := credential.Counter(now)
	code := func(c int64) string { s, _ := credential.Code("", c); return s }
	if _, ok := credential.Verify("", code(n), now, 0, 0); ok {
		t.Error("Verify took a code of an empty seed")
	}
	if _, _, ok := credential.VerifyPair("", code(n-1), code(n), now); ok {
		t.Error("VerifyPair took codes of an empty seed")
	}
}

func TestSeedAndQR(t *testing.T) {
	a, err := credential.NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := credential.NewSeed()
	if len(a) != 64 || a == b || strings.ContainsAny(a, "=") {
		t.Fatalf("seeds %q %q", a, b)
	}
	if _, err := credential.Code(a, 1); err != nil {
		t.Fatal(err)
	}
	png, err := credential.QRCodePNG("Amazon Web Services", "alice@123456789012", a)
	if err != nil || len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("QR: %v %d", err, len(png))
	}
}

// TestPasswordPolicy: IAM's rules (IAM User Guide, "Set an account
// password policy for IAM users",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html),
// for a policy set and for the default one.
func TestPasswordPolicy(t *testing.T) {
	strict := &credential.PasswordPolicy{MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	for _, c := range []struct {
		p    *credential.PasswordPolicy
		pw   string
		ok   bool
		rule string
	}{
		{strict, "Abcdefgh1234!", true, ""},
		{strict, "Abcdefgh1!", false, "at least 12 characters"},
		{strict, "abcdefgh1234!", false, "uppercase"},
		{strict, "ABCDEFGH1234!", false, "lowercase"},
		{strict, "Abcdefghijkl!", false, "number"},
		{strict, "Abcdefgh12345", false, "symbol"},
		{strict, "Abcdefgh1234~", false, "symbol"}, // ~ is not one of IAM's symbols
		{&credential.PasswordPolicy{}, "abcdef", true, ""},
		{&credential.PasswordPolicy{}, "abcde", false, "at least 6"},
		{nil, "Abcdefg1", true, ""},
		{nil, "abcdefg1!", true, ""},
		{nil, "abcdefgh1", false, "three of"},
		{nil, "Abc1!", false, "at least 8"},
		{nil, "Prod-Account1", false, "account's name"},
		{nil, strings.Repeat("Aa1!", 33), false, "at most 128"},
	} {
		err := credential.Check(c.p, credential.DefaultPolicy{AccountName: "Prod-Account1", Email: "root@example.com"}, c.pw)
		var v *credential.PolicyViolation
		switch {
		case c.ok && err != nil:
			t.Errorf("%q: %v", c.pw, err)
		case !c.ok && (!errors.As(err, &v) || !strings.Contains(err.Error(), c.rule)):
			t.Errorf("%q: %v, want a violation of %q", c.pw, err, c.rule)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := credential.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := credential.HashPassword("correct horse")
	if h == h2 || !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hashes %q %q", h, h2)
	}
	if !credential.VerifyPassword(h, "correct horse") || !credential.VerifyPassword(h2, "correct horse") {
		t.Fatal("the password does not verify")
	}
	for _, bad := range []string{"correct hors", "correct horse ", "", "Correct horse"} {
		if credential.VerifyPassword(h, bad) {
			t.Errorf("%q verified", bad)
		}
	}
	// A hash that is not one matches nothing, and costs are bounded.
	for _, bad := range []string{"", "x", "$argon2id$v=19$m=1,t=1,p=1$$", strings.Replace(h, "m=19456", "m=99999999", 1), strings.Replace(h, "argon2id", "argon2i", 1)} {
		if credential.VerifyPassword(bad, "correct horse") {
			t.Errorf("hash %q verified", bad)
		}
	}
}

// TestPasswordExpiry: MaxPasswordAge is "the number of days that an IAM
// user password is valid" (botocore iam PasswordPolicy); 0 never expires.
func TestPasswordExpiry(t *testing.T) {
	set := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	p := credential.PasswordPolicy{MaxPasswordAge: 30}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{set.AddDate(0, 0, 29), false}, {set.AddDate(0, 0, 30).Add(-time.Second), false}, {set.AddDate(0, 0, 30), true}, {set.AddDate(1, 0, 0), true}} {
		if got := p.Expired(set, c.at); got != c.want {
			t.Errorf("at %s: expired %v, want %v", c.at, got, c.want)
		}
	}
	if (credential.PasswordPolicy{}).Expired(set, set.AddDate(10, 0, 0)) {
		t.Error("a policy without MaxPasswordAge expired a password")
	}
}

// TestRequirements: the words for people follow the rules Check applies.
func TestRequirements(t *testing.T) {
	strict := &credential.PasswordPolicy{MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: true, PasswordReusePrevention: 3}
	got := strings.Join(credential.Requirements(strict), "; ")
	for _, want := range []string{"at least 12 characters", "a number", "a symbol", "last 3 passwords"} {
		if !strings.Contains(got, want) {
			t.Errorf("requirements %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "uppercase") {
		t.Errorf("requirements %q name a rule the policy does not have", got)
	}
	if len(credential.Requirements(nil)) != 3 {
		t.Errorf("the default policy's requirements: %q", credential.Requirements(nil))
	}
}
