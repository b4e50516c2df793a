package model

import (
	"encoding/base64"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Every pattern of the four models is translated, and the translation
// compiles (pattern panics otherwise).
func TestEveryModelPatternIsTranslated(t *testing.T) {
	for _, s := range Services() {
		for _, sh := range s.Shapes {
			if sh.Pattern == "" {
				continue
			}
			if _, ok := Matches(sh.Pattern, ""); !ok {
				t.Errorf("%s %s: pattern %q has no translation", s.Name, sh.Name, sh.Pattern)
			}
		}
	}
}

// Readings of Java's syntax where RE2's differs (java.util.regex.Pattern:
// \uXXXX is exactly four hex digits, "." is not a line terminator, \s holds
// \x0B, matches() is the whole value), and the hand translation of IAM's
// account alias pattern.
func TestPatternReadings(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		want           bool
	}{
		{`[\w+=,.@-]+`, "a/b", false},
		{`[\w+=,.@-]+`, "alice", true},
		{`[\w+=,.@-]+`, "", false},
		{`[\w+=,.@-]+`, "é", false}, // \w is ASCII
		// STS: "\u10000-\u10FFFF" is U+1000, then '0' to U+10FF, then F F.
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, "😀", false},
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, "日本", true},
		{`[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:analyzer/.{1,255}`, "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/a\u2028", false},
		{`[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:analyzer/.{1,255}`, "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/a", true},
		{`[^\s@]+@[^\s@]+\.[^\s@]+`, "a\x0Bb@example.com", false},
		{`[^\s@]+@[^\s@]+\.[^\s@]+`, "ab@example.com", true},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "my-alias", true},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "my--alias", false},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "-alias", false},
		{`^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`, "r-ab12", true},
		{`^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`, "r-ab12x\n", false},
	} {
		got, ok := Matches(tc.pattern, tc.value)
		if !ok || got != tc.want {
			t.Errorf("%q ~ %q: %v (known %v), want %v", tc.pattern, tc.value, got, ok, tc.want)
		}
	}
}

// The Go translation of every model pattern decides as Java does
// (java.util.regex.Pattern.matches, what AWS's validation runs), on values
// built from each pattern's own characters and the characters where Java
// and RE2 differ, and on near misses of realistic values. It needs java.
func TestPatternsAgreeWithJava(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not installed")
	}
	var javas []string
	for j := range patterns {
		javas = append(javas, j)
	}
	sort.Strings(javas)
	rng := rand.New(rand.NewSource(17))
	n := 400
	if os.Getenv("IAMGATE_LONG") != "" {
		n = 20000
	}
	type pair struct{ pattern, value string }
	var pairs []pair
	for _, j := range javas {
		alphabet := append([]rune(nil), edgeRunes...)
		for _, r := range j {
			alphabet = append(alphabet, r, r+1, r-1)
		}
		seen := map[string]bool{}
		add := func(v string) {
			if !seen[v] {
				seen[v] = true
				pairs = append(pairs, pair{j, v})
			}
		}
		for _, s := range seeds {
			add(s)
			for k := 0; k < 8; k++ {
				add(mutate(rng, s, alphabet))
			}
		}
		for k := 0; k < n; k++ {
			l := rng.Intn(12)
			var b strings.Builder
			for range l {
				b.WriteRune(alphabet[rng.Intn(len(alphabet))])
			}
			add(b.String())
		}
	}
	var in strings.Builder
	for _, p := range pairs {
		in.WriteString(base64.StdEncoding.EncodeToString([]byte(p.pattern)) + "\t" + base64.StdEncoding.EncodeToString([]byte(p.value)) + "\n")
	}
	file := filepath.Join(t.TempDir(), "pairs")
	if err := os.WriteFile(file, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(java, filepath.Join("testdata", "JavaMatches.java"), file).Output()
	if err != nil {
		t.Fatalf("java: %v", err)
	}
	answers := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(answers) != len(pairs) {
		t.Fatalf("%d answers for %d pairs", len(answers), len(pairs))
	}
	matched := 0
	for i, p := range pairs {
		want := answers[i] == "1"
		got, _ := Matches(p.pattern, p.value)
		if got != want {
			t.Errorf("%q ~ %q: Go %v, Java %v", p.pattern, p.value, got, want)
		}
		if want {
			matched++
		}
	}
	t.Logf("%d values, %d of them matching, agree with Java", len(pairs), matched)
}

// edgeRunes are where Java's and RE2's readings could differ: line
// terminators, \x0B, the edges of the ranges the models use, letters
// outside ASCII and outside the BMP.
var edgeRunes = []rune{'a', 'Z', '0', '9', '_', '-', '/', ':', '.', '@', ' ', '\t', '\n', '\r', '\x0B', '\f', 0, 0x7F,
	0x85, 0xA0, 0xA1, 0xFF, 0x100, 0x1000, 0x10FF, 0x1100, 0x2028, 0x2029, 0x3000, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE,
	0x10000, 0x1F600, 0x10FFFF, 'é', '日', '٣'}

// seeds are realistic values of the models' patterns.
var seeds = []string{
	"alice", "my-alias", "/", "/division/team/", "AKIAIOSFODNN7EXAMPLE", "123456789012", "v1", "v12.beta",
	"arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:user/u", "arn:aws:s3:::bucket/key",
	"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a", "arn:aws:cloudtrail:us-east-1:123456789012:trail/t",
	"arn:aws:s3:us-east-1:123456789012:accesspoint/ap", "vpc-0123abcd", "vpc-0123abcd456789abc",
	"o-abcdefghij", "r-ab12", "ou-ab12-abcdefgh", "p-abcdefgh12", "h-abcdefgh", "car-abcdefgh", "rp-ab12", "rt-abcdefgh",
	"arn:aws:organizations::123456789012:organization/o-abcdefghij", "arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-abcdefgh",
	"arn:aws:organizations::123456789012:account/o-abcdefghij/123456789012", "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
	"arn:aws:organizations::123456789012:policy/o-abcdefghij/service_control_policy/p-abcdefgh12",
	"arn:aws:organizations::123456789012:handshake/o-abcdefghij/invite/h-abcdefgh",
	"o-abcdefghij/r-ab12/ou-ab12-abcdefgh/", "a@example.com", "https://example.com/a?b=c#d", "Équipe Nord", "12345678-1234-1234-1234-123456789abc",
}

func mutate(rng *rand.Rand, s string, alphabet []rune) string {
	rs := []rune(s)
	i := rng.Intn(len(rs) + 1)
	switch rng.Intn(3) {
	case 0: // insert
		rs = append(rs[:i], append([]rune{alphabet[rng.Intn(len(alphabet))]}, rs[i:]...)...)
	case 1: // delete
		if i < len(rs) {
			rs = append(rs[:i], rs[i+1:]...)
		}
	default: // replace
		if i < len(rs) {
			rs[i] = alphabet[rng.Intn(len(alphabet))]
		}
	}
	return string(rs)
}
