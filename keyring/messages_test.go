package keyring_test

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/keyring"
)

// No encoded authorization message begins with '-' (so that the aws CLI
// never reads one as an option; the STS API Reference,
// DecodeAuthorizationMessage, takes the message as text), whatever its
// random nonce: of 4000 messages none contains '-' at all, each decodes,
// and so does the unpadded URL-safe form of messages issued before.
func TestEncodedAuthorizationMessagesNeverBeginWithDash(t *testing.T) {
	k := keyring.NewKeys(nil, keyring.MasterKey{1, 2, 3})
	starts := map[byte]bool{}
	for i := range 4000 {
		plain := []byte(`{"n":` + strconv.Itoa(i) + `}`)
		enc := k.EncodeMessage(plain)
		starts[enc[0]] = true
		if strings.Contains(enc, "-") {
			t.Fatalf("message %d contains '-': %s", i, enc)
		}
		for _, form := range []string{enc, base64.RawURLEncoding.EncodeToString(decoded(t, enc))} {
			got, err := k.DecodeMessage(form)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("message %d (%s): %q %v", i, form, got, err)
			}
		}
	}
	if !starts['+'] || !starts['/'] {
		t.Fatalf("the nonce should make every first character appear: %d seen", len(starts))
	}
	if _, err := k.DecodeMessage("-" + k.EncodeMessage([]byte("x"))[1:]); err == nil {
		t.Fatal("a tampered message decoded")
	}
}

func decoded(t *testing.T, enc string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
