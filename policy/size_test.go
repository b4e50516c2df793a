package policy_test

import (
	"testing"

	"github.com/iamgate/iamgate/policy"
)

// Size counts characters, not bytes, and no whitespace anywhere (the IAM
// User Guide, "IAM and AWS STS quotas").
func TestSize(t *testing.T) {
	for doc, want := range map[string]int{
		``:                         0,
		`{"a": "b c"}`:             10,
		"{\n\t\"Sid\": \"é\"\r\n}": 11,
	} {
		if got := policy.Size([]byte(doc)); got != want {
			t.Errorf("Size(%q) = %d, want %d", doc, got, want)
		}
	}
}
