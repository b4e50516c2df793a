package vars_test

import (
	"strings"
	"testing"

	"github.com/iamgate/iamgate/policy/vars"
	"github.com/iamgate/iamgate/wildcard"
)

type ctx map[string][]string

func (c ctx) Lookup(k string) ([]string, bool) { v, ok := c[k]; return v, ok }

// The IAM User Guide, "IAM policy elements: Variables and tags": variables,
// defaults, the special characters ${*} ${?} ${$}, and unresolvable keys.
func TestTemplate(t *testing.T) {
	c := ctx{
		"aws:username":                {"alice"},
		"aws:principaltag/costcenter": {"0735"},
		"aws:tagkeys":                 {"a", "b"},
	}
	cases := []struct {
		name, tmpl, s  string
		vars, like     bool
		want, resolved bool
	}{
		{"plain literal", "abc", "abc", true, false, true, true},
		{"variable", "home/${aws:username}", "home/alice", true, false, true, true},
		{"variable key case-insensitive", "home/${AWS:UserName}", "home/alice", true, false, true, true},
		{"variable mismatch", "home/${aws:username}", "home/bob", true, false, false, true},
		{"tag variable", "${aws:PrincipalTag/CostCenter}", "0735", true, false, true, true},
		{"default used", "${aws:userid, 'nobody'}", "nobody", true, false, true, true},
		{"default ignored when present", "${aws:username, 'nobody'}", "alice", true, false, true, true},
		{"default with quote", "${aws:nope, 'it''s'}", "it's", true, false, true, true},
		{"missing unresolved", "${aws:userid}", "x", true, false, false, false},
		{"multi-valued unresolved", "${aws:TagKeys}", "a", true, false, false, false},
		{"literal star in Equals", "a*", "a*", true, false, true, true},
		{"literal star not wildcard in Equals", "a*", "abc", true, false, false, true},
		{"escaped star in Like is literal", "a${*}", "a*", true, true, true, true},
		{"escaped star in Like does not glob", "a${*}", "abc", true, true, false, true},
		{"escaped ? and $", "${?}${$}", "?$", true, false, true, true},
		{"Like with variable", "home/${aws:username}/*", "home/alice/x/y", true, true, true, true},
		{"Like with variable mismatch", "home/${aws:username}/*", "home/bob/x", true, true, false, true},
		{"2008-10-17: no variables", "home/${aws:username}", "home/${aws:username}", false, false, true, true},
		{"unterminated is literal", "a${b", "a${b", true, false, true, true},
	}
	for _, tc := range cases {
		tp := vars.Compile(tc.tmpl, tc.vars)
		var got, res bool
		if tc.like {
			got, res = tp.Like(tc.s, c, false)
		} else {
			got, res = tp.Equal(tc.s, c, false)
		}
		if got != tc.want || res != tc.resolved {
			t.Errorf("%s: %q vs %q = (%v,%v), want (%v,%v)", tc.name, tc.tmpl, tc.s, got, res, tc.want, tc.resolved)
		}
	}
}

func TestARNPattern(t *testing.T) {
	c := ctx{"aws:username": {"alice"}}
	p := vars.CompileARN("arn:aws:s3:::bucket/home/${aws:username}/*", true)
	if ok, _ := p.MatchString("arn:aws:s3:::bucket/home/alice/f", c); !ok {
		t.Error("alice should match")
	}
	if ok, _ := p.MatchString("arn:aws:s3:::bucket/home/bob/f", c); ok {
		t.Error("bob should not match")
	}
	if ok, res := p.MatchString("arn:aws:s3:::bucket/home/x/f", ctx{}); ok || res {
		t.Error("unresolved should not match")
	}
	q := vars.CompileARN("arn:aws:iam::${aws:PrincipalAccount, '1'}:role/*", true)
	if !q.Valid() {
		t.Fatal("colon inside a default must not split components")
	}
}

func TestVariables(t *testing.T) {
	vs := vars.Variables("${aws:username}/${*}/${aws:PrincipalTag/x, 'd'}")
	if len(vs) != 2 || vs[0].Key != "aws:username" || vs[1].Default != "d" {
		t.Fatalf("got %+v", vs)
	}
}

func FuzzTemplate(f *testing.F) {
	f.Add("home/${aws:username}/*", "home/alice/x")
	f.Add("${a, 'b''c'}${*}?", "x")
	f.Fuzz(func(t *testing.T, tmpl, s string) {
		tp := vars.Compile(tmpl, true)
		tp.Like(s, ctx{"aws:username": {"alice"}}, true)
		tp.Equal(s, ctx{}, false)
		if !strings.Contains(tmpl, "$") {
			if ok, _ := tp.Equal(s, nil, false); ok != (tmpl == s) {
				t.Fatalf("literal %q vs %q", tmpl, s)
			}
			// Differential: without variables both glob matchers agree.
			for _, fold := range []bool{false, true} {
				want := wildcard.Match(tmpl, s)
				if fold {
					want = wildcard.MatchFold(tmpl, s)
				}
				if ok, _ := tp.Like(s, nil, fold); ok != want {
					t.Fatalf("Like(%q, %q, fold=%v) = %v, wildcard says %v", tmpl, s, fold, ok, want)
				}
			}
		}
		ap := vars.CompileARN(tmpl, true)
		ap.MatchString(s, nil)
	})
}

func BenchmarkLikeWithVariable(b *testing.B) {
	c := ctx{"aws:username": {"alice"}}
	tp := vars.Compile("home/${aws:username}/*", true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tp.Like("home/alice/docs/file.txt", c, false)
	}
}

func TestGlobBacktrackAtEnd(t *testing.T) {
	tp := vars.Compile("*b?c", true)
	if ok, _ := tp.Like("B\xf2b0c", nil, true); !ok {
		t.Fatal("want a match")
	}
	tv := vars.Compile("*${aws:username}", true)
	if ok, _ := tv.Like("alicealice", ctx{"aws:username": {"alice"}}, false); !ok {
		t.Fatal("star then variable")
	}
}

// StringLike's '?' is one character, also right after a '*' (IAM User
// Guide, "IAM JSON policy elements: Condition operators", String condition
// operators): "*??" does not match the one character "€".
func TestLikeQuestionMarkAfterStarIsOneCharacter(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*??", "€", false},
		{"*??", "é€", true},
		{"x*?y", "x€y", true},
		{"x*??y", "x€y", false},
	} {
		tp := vars.Compile(c.p, false)
		if ok, _ := tp.Like(c.s, nil, false); ok != c.want {
			t.Errorf("Like(%q, %q) = %v, want %v", c.p, c.s, ok, c.want)
		}
	}
}
