package credential

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"image/png"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// Step is the TOTP time step (RFC 6238's default, what authenticator
// applications use).
const Step = 30 * time.Second

// seedBytes is the length of a new seed: 40 bytes, 64 characters of
// base32, the length of the Base32StringSeed IAM returns.
const seedBytes = 40

// NewSeed returns a new random TOTP seed in base32 without padding.
func NewSeed() (string, error) {
	b := make([]byte, seedBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// Counter is the TOTP counter of a time.
func Counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// Code is the six-digit code of a seed at a counter.
func Code(seed string, counter int64) (string, error) {
	if counter < 0 {
		counter = 0
	}
	return hotp.GenerateCodeCustom(seed, uint64(counter), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// codeIs compares in constant time. No code opens an empty seed (a FIDO
// security key's, which has none).
func codeIs(seed string, counter int64, code string) bool {
	if seed == "" {
		return false
	}
	c, err := Code(seed, counter)
	return err == nil && len(code) == len(c) && subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1
}

// Skew is how many steps either side of the expected one a code may be
// from: one, so a code is good for 60 to 90 seconds. AWS documents no
// figure; this is RFC 6238's recommendation (section 5.2, "at most one
// time step").
const Skew = 1

// PairWindow is how far, in steps either side, EnableMFADevice and
// ResyncMFADevice look for two consecutive codes: ten minutes, for a
// device whose clock has drifted (resync's purpose).
const PairWindow = 20

// Verify checks a code against a seed at now, shifted by the device's
// drift (in steps), accepting Skew steps either side. A code at or before
// last (the counter of the last code accepted) is refused, so that a code
// cannot be used twice. It returns the counter of the code.
func Verify(seed, code string, now time.Time, drift, last int64) (int64, bool) {
	n := Counter(now) + drift
	for c := n - Skew; c <= n+Skew; c++ {
		if c > last && codeIs(seed, c, code) {
			return c, true
		}
	}
	return 0, false
}

// VerifyPair checks two consecutive codes (EnableMFADevice and
// ResyncMFADevice: "a subsequent authentication code") within PairWindow
// steps of now. It returns the counter of the second code and the drift
// (its distance from now, in steps).
func VerifyPair(seed, code1, code2 string, now time.Time) (counter, drift int64, ok bool) {
	n := Counter(now)
	for d := int64(0); d <= PairWindow; d++ {
		for _, c := range []int64{n - d, n + d} {
			if codeIs(seed, c-1, code1) && codeIs(seed, c, code2) {
				return c, c - n, true
			}
			if d == 0 {
				break
			}
		}
	}
	return 0, 0, false
}

// QRCodePNG is a QR code of the otpauth URI of a seed, as authenticator
// applications scan it: otpauth://totp/ISSUER:LABEL?secret=SEED&issuer=ISSUER
// (the Key URI Format of Google Authenticator, which IAM's QR codes
// follow).
func QRCodePNG(issuer, label, seed string) ([]byte, error) {
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + label,
		RawQuery: url.Values{"secret": {seed}, "issuer": {issuer}}.Encode()}
	k, err := otp.NewKeyFromURL(u.String())
	if err != nil {
		return nil, err
	}
	img, err := k.Image(256, 256)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
