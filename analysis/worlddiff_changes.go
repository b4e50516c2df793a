package analysis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// The change set of a diff, read from what each world gathers: a request
// is decided from its principal's part (identity policies, groups,
// boundary, session, SCPs by level, the management account, the keys the
// world derives of the caller) and its resource's part (resource, key or
// trust policy and kind, owning account, RCPs by level, the resource's
// keys). A fingerprint writes each part as text, policies by content (not
// by position in a file); a principal or resource whose fingerprints
// differ is changed.

// fpResource is an ARN no world holds, gathered beside a principal so that
// only the principal's part varies.
const fpResource = "arn:aws:s3:::iamgate-diff-no-such-bucket/x"

// printer writes fingerprints. A policy is written once, as its content's
// number: the SCPs of a level, shared by every principal under it, and
// the same document in both worlds get one number.
type printer struct {
	byPtr  map[*engine.Policy]int
	byText map[string]int
	byID   map[int]*engine.Policy
}

func newPrinter() *printer {
	return &printer{byPtr: map[*engine.Policy]int{}, byText: map[string]int{}, byID: map[int]*engine.Policy{}}
}

func (pr *printer) id(p *engine.Policy) int {
	if p == nil {
		return 0
	}
	id, ok := pr.byPtr[p]
	if !ok {
		var t strings.Builder
		writePolicy(&t, p)
		text := t.String()
		if id, ok = pr.byText[text]; !ok {
			id = len(pr.byText) + 1
			pr.byText[text] = id
			pr.byID[id] = p
		}
		pr.byPtr[p] = id
	}
	return id
}

func (pr *printer) policy(b *strings.Builder, p *engine.Policy) {
	fmt.Fprintf(b, "p%d\n", pr.id(p))
}

// fingerprint is what a world gathers for a principal (or resource):
// the organization's policies that apply (SCPs, or RCPs), as content
// numbers by level (levels nil when none apply), and the rest as text.
type fingerprint struct {
	rest   string
	levels [][]int
}

func (pr *printer) levels(levels [][]*engine.Policy) [][]int {
	if levels == nil {
		return nil
	}
	out := make([][]int, len(levels))
	for i, l := range levels {
		out[i] = []int{}
		for _, p := range l {
			out[i] = append(out[i], pr.id(p))
		}
	}
	return out
}

// actionFilter limits the actions decided again for a principal (or
// resource) whose only change is in the organization's policies: an SCP
// (RCP) level decides an action from the statements that match it, so an
// action that no statement of a policy added to or removed from a level
// matches is decided as before. nil: every action.
type actionFilter struct {
	stmts []*policy.Statement
}

func (f *actionFilter) admits(action string) bool {
	if f == nil {
		return true
	}
	for _, s := range f.stmts {
		if statementMatchesAction(s, action) {
			return true
		}
	}
	return false
}

// compare reports whether two fingerprints differ, and the actions the
// difference can change.
func (pr *printer) compare(a, b fingerprint) (bool, *actionFilter) {
	if a.rest != b.rest {
		return true, nil
	}
	if (a.levels == nil) != (b.levels == nil) || len(a.levels) != len(b.levels) {
		return true, nil
	}
	f := &actionFilter{}
	for i := range a.levels {
		count := map[int]int{}
		for _, id := range a.levels[i] {
			count[id]++
		}
		for _, id := range b.levels[i] {
			count[id]--
		}
		for _, id := range sortedInts(count) {
			if count[id] != 0 && pr.byID[id] != nil && pr.byID[id].Source != nil {
				f.stmts = append(f.stmts, pr.byID[id].Source.Statements...)
			}
		}
	}
	if len(f.stmts) == 0 {
		for i := range a.levels {
			if len(a.levels[i]) != len(b.levels[i]) {
				// A policy without statements came or went: the
				// level's emptiness may differ.
				return true, nil
			}
		}
		return fmt.Sprint(a.levels) != fmt.Sprint(b.levels), nil
	}
	return true, f
}

func sortedInts(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func changedPrincipals(sides [2]*diffWorld, principals []string) ([]string, map[string]*actionFilter) {
	pr := newPrinter()
	var out []string
	filters := map[string]*actionFilter{}
	for _, p := range principals {
		if changed, f := pr.compare(pr.principal(sides[0], p), pr.principal(sides[1], p)); changed {
			out = append(out, p)
			filters[p] = f
		}
	}
	return out, filters
}

func changedResources(sides [2]*diffWorld, resources []string) ([]string, map[string]*actionFilter) {
	pr := newPrinter()
	var out []string
	filters := map[string]*actionFilter{}
	for _, r := range resources {
		if changed, f := pr.compare(pr.resource(sides[0], r), pr.resource(sides[1], r)); changed {
			out = append(out, r)
			filters[r] = f
		}
	}
	return out, filters
}

func (pr *printer) principal(dw *diffWorld, p string) fingerprint {
	c := dw.caller(p)
	if c == nil {
		return fingerprint{rest: "absent"}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %v %v\n", c.Principal, c.Kind, c.External)
	if c.Account != nil {
		b.WriteString("account " + c.Account.ID + "\n")
	}
	// kms: actions add kms:CallerAccount, the caller's account: written
	// above.
	req, err := dw.w.Gather(world.Request{Caller: c, Action: "s3:getobject", Resource: fpResource})
	if err != nil {
		return fingerprint{rest: "error " + err.Error()}
	}
	pol := req.Policies
	b.WriteString("identity\n")
	for _, ip := range pol.Identity {
		pr.policy(&b, ip)
	}
	b.WriteString("boundary\n")
	pr.policy(&b, pol.PermissionsBoundary)
	b.WriteString("session\n")
	for _, sp := range pol.Session {
		pr.policy(&b, sp)
	}
	fmt.Fprintf(&b, "management %q\n", req.ManagementAccount)
	writeContext(&b, req.Context)
	return fingerprint{rest: b.String(), levels: pr.levels(pol.SCP)}
}

func (pr *printer) resource(dw *diffWorld, r string) fingerprint {
	c := dw.caller("*")
	var b strings.Builder
	var levels [][]int
	for i, action := range []string{"s3:getobject", "sts:assumerole"} {
		req, err := dw.w.Gather(world.Request{Caller: c, Action: action, Resource: r})
		if err != nil {
			return fingerprint{rest: "error " + err.Error()}
		}
		fmt.Fprintf(&b, "%s kind %v account %q management %q\n", action, req.ResourcePolicyKind, req.ResourceAccount, req.ManagementAccount)
		pr.policy(&b, req.Policies.Resource)
		writeContext(&b, req.Context)
		l := pr.levels(req.Policies.RCP)
		if i == 0 {
			levels = l
		} else if fmt.Sprint(l) != fmt.Sprint(levels) {
			b.WriteString("rcp differs by action\n")
		}
	}
	return fingerprint{rest: b.String(), levels: levels}
}

func writeContext(b *strings.Builder, ctx map[string][]string) {
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "key %q %q\n", k, ctx[k])
	}
}

// writePolicy writes a compiled policy by its content: every element the
// engine reads, none of the positions.
func writePolicy(b *strings.Builder, p *engine.Policy) {
	if p == nil || p.Source == nil {
		b.WriteString("-\n")
		return
	}
	src := p.Source
	fmt.Fprintf(b, "policy %v %q %d\n", p.Type, src.Version, len(src.Statements))
	for _, s := range src.Statements {
		fmt.Fprintf(b, " %v %q\n", s.Effect, s.Sid)
		writePrincipal(b, "P", s.Principal)
		writePrincipal(b, "NP", s.NotPrincipal)
		writeList(b, "A", s.Action)
		writeList(b, "NA", s.NotAction)
		writeList(b, "R", s.Resource)
		writeList(b, "NR", s.NotResource)
		for _, c := range s.Conditions {
			fmt.Fprintf(b, "  C %q %q %q\n", c.OperatorText, c.Key, c.Texts())
		}
	}
}

func writePrincipal(b *strings.Builder, tag string, pr *policy.Principal) {
	if pr == nil {
		return
	}
	texts := func(vs []policy.Value) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Text
		}
		return out
	}
	fmt.Fprintf(b, "  %s %v %q %q %q %q\n", tag, pr.Wildcard, texts(pr.AWS), texts(pr.Service), texts(pr.Federated), texts(pr.CanonicalUser))
}

func writeList(b *strings.Builder, tag string, l *policy.List) {
	if l == nil {
		return
	}
	fmt.Fprintf(b, "  %s %q\n", tag, l.Texts())
}
