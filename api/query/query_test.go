package query_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
)

// validate is the edge's check of a form against an operation's input
// shape (the IAM or STS model), as the message AWS would answer ("" when
// none).
func validate(t testing.TB, svc *model.Service, op string, p query.Params) string {
	t.Helper()
	vs, err := svc.ValidateQuery(op, p.Values)
	if err != nil {
		t.Fatal(err)
	}
	return model.Message(vs)
}

func form(t testing.TB, body string) query.Params {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	p, e := query.ParseParams(r, []byte(body))
	if e != nil {
		t.Fatalf("ParseParams(%q): %v", body, e)
	}
	return p
}

func tagForm(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		n := strconv.Itoa(i/2 + 1)
		v.Set("Tags.member."+n+".Key", pairs[i])
		v.Set("Tags.member."+n+".Value", pairs[i+1])
	}
	return v.Encode()
}

// The IAM model's tag rules (botocore iam/2010-05-08: tagKeyType 1-128
// characters of [\p{L}\p{Z}\p{N}_.:/=+\-@]+, tagValueType 0-256 of the same
// characters, tagListType at most 50), with AWS's ValidationError wording;
// the first two messages are the real IAM's, quoted in
// github.com/ministryofjustice/cloud-platform-environments/pull/22667 and
// github.com/SWO-GS/auto-tag/issues/90.
func TestTagsFollowIAMModelTagKeyTypeAndTagValueType(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	for _, tc := range []struct {
		name, body, want string
	}{
		{"value with &", tagForm("Team", "MOJ D&T Cybersecurity"),
			`1 validation error detected: Value 'MOJ D&T Cybersecurity' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		{"value with comma", tagForm("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "Src", "SourceIP: 1.2.3.4, UserAgent: aws-cli/2.1.17"),
			`1 validation error detected: Value 'SourceIP: 1.2.3.4, UserAgent: aws-cli/2.1.17' at 'tags.6.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		{"key with *", tagForm("a*", "v"),
			`1 validation error detected: Value 'a*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"empty key", tagForm("", "v"),
			`2 validation errors detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"key of 129 characters", tagForm(long(129), "v"),
			`1 validation error detected: Value '` + long(129) + `' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`},
		{"value of 257 characters", tagForm("k", long(257)),
			`1 validation error detected: Value '` + long(257) + `' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`},
		{"emoji key", tagForm("😀", "v"), `at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern`},
		{"tab in value", tagForm("k", "a\tb"), `at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern`},
		{"newline in key", tagForm("a\nb", "v"), `at 'tags.1.member.key' failed to satisfy constraint`},
		{"missing value", "Tags.member.1.Key=k", `1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null`},
		{"missing key", "Tags.member.1.Value=v", `1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := validate(t, model.IAM, "TagUser", form(t, "UserName=u&"+tc.body))
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("got %q\nwant one containing %q", msg, tc.want)
			}
		})
	}
	for _, ok := range [][2]string{
		{"Cost Center", "Human Resources"}, {"a:b/c=d+e-f@g_h.i", ""}, {"Überprüfung", "日本語"}, {"٣", "\u00a0"},
		{long(128), long(256)}, {"aws", "aws:value"},
	} {
		p := form(t, "UserName=u&"+tagForm(ok[0], ok[1]))
		if msg, tags := validate(t, model.IAM, "TagUser", p), p.Tags("Tags"); msg != "" || len(tags) != 1 || tags[0] != ok {
			t.Errorf("%q=%q: %v %s", ok[0], ok[1], tags, msg)
		}
	}
}

// tagListType and tagKeyListType: at most 50 members (botocore
// iam/2010-05-08 and sts/2011-06-15).
func TestTagListTypeHasAtMost50Members(t *testing.T) {
	var pairs []string
	v := url.Values{"UserName": {"u"}}
	for i := 1; i <= 51; i++ {
		pairs = append(pairs, "k"+strconv.Itoa(i), "v")
		v.Set("TagKeys.member."+strconv.Itoa(i), "k"+strconv.Itoa(i))
	}
	if msg := validate(t, model.IAM, "TagUser", form(t, "UserName=u&"+tagForm(pairs[:100]...))); msg != "" {
		t.Fatalf("50 tags: %s", msg)
	}
	if msg := validate(t, model.IAM, "TagUser", form(t, "UserName=u&"+tagForm(pairs...))); msg != "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50" {
		t.Fatalf("51 tags: %s", msg)
	}
	if msg := validate(t, model.IAM, "UntagUser", form(t, v.Encode())); msg != "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50" {
		t.Fatalf("51 tag keys: %s", msg)
	}
	if n := len(form(t, tagForm(pairs...)).Tags("Tags")); n != 51 {
		t.Fatalf("Tags read %d", n)
	}
}

// Tag keys in a list (UntagUser's TagKeys, AssumeRole's TransitiveTagKeys)
// are tagKeyType too.
func TestTagKeyListMembersAreTagKeyType(t *testing.T) {
	p := form(t, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s1&TransitiveTagKeys.member.1=ok&TransitiveTagKeys.member.2=no%2Ckey")
	want := `1 validation error detected: Value 'no,key' at 'transitiveTagKeys.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	if msg := validate(t, model.STS, "AssumeRole", p); msg != want {
		t.Fatalf("got %s, want %s", msg, want)
	}
	p = form(t, "UserName=u&TagKeys.member.1=a&TagKeys.member.2=b%20c")
	if msg, keys := validate(t, model.IAM, "UntagUser", p), p.List("TagKeys"); msg != "" || len(keys) != 2 || keys[1] != "b c" {
		t.Fatalf("%v %s", keys, msg)
	}
}

// The aws: prefix is reserved in any case (the IAM User Guide, "Tagging IAM
// resources"; Organizations' INVALID_SYSTEM_TAGS_PARAMETER), including
// spellings that fold to it.
func TestAWSPrefixIsReservedForTagKeys(t *testing.T) {
	for k, want := range map[string]bool{
		"aws:x": true, "AWS:x": true, "Aws:": true, "aw\u017f:x": true, // U+017F folds to s
		"aws": false, "awsx": false, "x:aws:": false, "": false, "aw": false, "é": false,
	} {
		if got := query.ReservedTagKey(k); got != want {
			t.Errorf("ReservedTagKey(%q) = %v", k, got)
		}
	}
}

// Invalid UTF-8 in any parameter name or value, in the body or the URL
// query, is a ValidationError before any handler sees it. AWS documents no
// code for it (the IAM and STS API References, "Common Errors"); the Query
// protocol's ValidationError is the one iamgate answers.
func TestParseParamsRefusesInvalidUTF8(t *testing.T) {
	for _, tc := range []struct{ name, query, body string }{
		{"FF key", "", "Action=TagUser&Tags.member.1.Key=%FF&Tags.member.1.Value=v"},
		{"FE value", "", "Action=TagUser&Tags.member.1.Key=k&Tags.member.1.Value=%FE"},
		{"raw byte", "", "Action=TagUser&UserName=a\xffb"},
		{"overlong NUL", "", "UserName=%C0%80"},
		{"surrogate", "", "UserName=%ED%A0%80"},
		{"truncated", "", "UserName=%E2%82"},
		{"in a name", "", "Tags.member.1.K%FFey=k"},
		{"in the URL query", "Action=ListUsers&Marker=%FF", ""},
		{"name in the URL query", "%FE=1", "Action=ListUsers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/?"+tc.query, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			p, e := query.ParseParams(r, []byte(tc.body))
			if e == nil {
				t.Fatalf("accepted: %v", p.Values)
			}
			if e.Code != "ValidationError" || e.Status != 400 || !utf8.ValidString(e.Message) || !strings.Contains(e.Message, "valid UTF-8") {
				t.Fatalf("got %s (%d) %q", e.Code, e.Status, e.Message)
			}
		})
	}
	p := form(t, "UserName=%C3%A9&Tags.member.1.Key=%E6%97%A5")
	if p.Get("UserName") != "é" {
		t.Fatal(p.Values)
	}
}

// A malformed URL query is refused like a malformed body, not dropped.
func TestParseParamsRefusesMalformedURLQuery(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/?Action=ListUsers&Marker=%zz", nil)
	if _, e := query.ParseParams(r, nil); e == nil || e.Code != "MalformedQueryString" {
		t.Fatalf("got %v", e)
	}
}

// Go's encoding/json turns invalid UTF-8 and lone surrogate escapes into
// U+FFFD without an error; ValidJSONText finds both in the raw body.
func TestValidJSONTextFindsWhatJSONDecodingWouldReplace(t *testing.T) {
	for body, want := range map[string]bool{
		`{"Key":"team"}`:              true,
		`{"Key":"日本"}`:                true,
		`{"Key":"\ud83d\ude00"}`:      true,
		`{"Key":"\\ud800"}`:           true, // an escaped backslash, then text
		`{"Key":"\u00e9\uFFFD"}`:      true,
		"{\"Key\":\"\xff\"}":          false,
		"{\"Key\":\"\xfe\"}":          false,
		`{"Key":"\ud800"}`:            false,
		`{"Key":"\uDBFF x"}`:          false,
		`{"Key":"\udc00"}`:            false,
		`{"Key":"\ud83d\u0041"}`:      false,
		`{"Key":"\ud83d"}`:            false,
		`{"Tags":[{"Key":"\udfff"}]}`: false,
	} {
		if got := query.ValidJSONText([]byte(body)); got != want {
			t.Errorf("ValidJSONText(%q) = %v", body, got)
		}
		if want {
			continue
		}
		// The premise: the decoder really would have accepted it.
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("%q does not even decode: %v", body, err)
		}
	}
}

// FuzzParseParams: whatever the body and URL query, ParseParams never
// panics, and every parameter it hands on is UTF-8 (no invalid bytes reach
// a handler); tag parsing never panics either.
func FuzzParseParams(f *testing.F) {
	for _, s := range [][2]string{
		{"", "Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=%FF&Tags.member.1.Value=v"},
		{"", "Action=TagUser&Tags.member.1.Key=%FE&Tags.member.1.Value=%FF&Tags.member.2.Key=k"},
		{"Action=ListUsers&Marker=%C0%80", ""},
		{"", "TagKeys.member.1=a&TagKeys.member.2=%ED%A0%80"},
		{"", "UserName=%E6%97%A5%E6%9C%AC&Tags.member.1.Key=a%3Ab&Tags.member.1.Value="},
		{"%zz", "a=%"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rawQuery, body string) {
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
		p, e := query.ParseParams(r, []byte(body))
		if e != nil {
			if !utf8.ValidString(e.Message) {
				t.Fatalf("error message is not text: %q", e.Message)
			}
			return
		}
		for k, vs := range p.Values {
			if !utf8.ValidString(k) {
				t.Fatalf("name %q is not UTF-8", k)
			}
			for _, v := range vs {
				if !utf8.ValidString(v) {
					t.Fatalf("%s=%q is not UTF-8", k, v)
				}
			}
		}
		// Whatever passes the model's check of TagUser has tags of the
		// model's pattern and length.
		if vs, err := model.IAM.ValidateQuery("TagUser", p.Values); err == nil && len(vs) == 0 {
			for _, tg := range p.Tags("Tags") {
				k, _ := model.Matches(`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, tg[0])
				v, _ := model.Matches(`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, tg[1])
				if !k || !v || utf8.RuneCountInString(tg[0]) > 128 || utf8.RuneCountInString(tg[1]) > 256 {
					t.Fatalf("tag %q=%q passed", tg[0], tg[1])
				}
			}
		}
	})
}
