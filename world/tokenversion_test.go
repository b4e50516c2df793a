package world_test

import (
	"strings"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// An account's tokenVersion (IAM SetSecurityTokenServicePreferences:
// v1Token or v2Token, the model's globalEndpointTokenVersion) is kept
// through a build and back to the file form; any other value is an error
// of the file.
func TestTokenVersion(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte("accounts:\n  - id: \"111111111111\"\n    tokenVersion: v2Token\n  - id: \"222222222222\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Accounts.Get("111111111111").TokenVersion; got != "v2Token" {
		t.Fatalf("built: %q", got)
	}
	fw := w.ToFile()
	for _, a := range fw.Accounts {
		want := map[string]string{"111111111111": "v2Token", "222222222222": ""}[a.ID]
		if a.TokenVersion != want {
			t.Errorf("%s: file form %q, want %q", a.ID, a.TokenVersion, want)
		}
		if c := world.CloneAccount(a); c.TokenVersion != a.TokenVersion {
			t.Errorf("%s: clone %q", a.ID, c.TokenVersion)
		}
	}
	_, err = world.Parse("w.yaml", []byte("accounts:\n  - id: \"111111111111\"\n    tokenVersion: v3Token\n"))
	if err == nil || !strings.Contains(err.Error(), `tokenVersion "v3Token"`) {
		t.Fatalf("a bad tokenVersion: %v", err)
	}
}
