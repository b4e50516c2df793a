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
}

func newPrinter() *printer {
	return &printer{byPtr: map[*engine.Policy]int{}, byText: map[string]int{}}
}

func (pr *printer) policy(b *strings.Builder, p *engine.Policy) {
	if p == nil {
		b.WriteString("-\n")
		return
	}
	id, ok := pr.byPtr[p]
	if !ok {
		var t strings.Builder
		writePolicy(&t, p)
		text := t.String()
		if id, ok = pr.byText[text]; !ok {
			id = len(pr.byText) + 1
			pr.byText[text] = id
		}
		pr.byPtr[p] = id
	}
	fmt.Fprintf(b, "p%d\n", id)
}

func changedPrincipals(sides [2]*diffWorld, principals []string) []string {
	pr := newPrinter()
	var out []string
	for _, p := range principals {
		if pr.principal(sides[0], p) != pr.principal(sides[1], p) {
			out = append(out, p)
		}
	}
	return out
}

func changedResources(sides [2]*diffWorld, resources []string) []string {
	pr := newPrinter()
	var out []string
	for _, r := range resources {
		if pr.resource(sides[0], r) != pr.resource(sides[1], r) {
			out = append(out, r)
		}
	}
	return out
}

func (pr *printer) principal(dw *diffWorld, p string) string {
	c := dw.caller(p)
	if c == nil {
		return "absent"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %v %v\n", c.Principal, c.Kind, c.External)
	if c.Account != nil {
		b.WriteString("account " + c.Account.ID + "\n")
	}
	// kms: actions add kms:CallerAccount, the caller's account: written
	// above.
	for _, action := range []string{"s3:getobject"} {
		req, err := dw.w.Gather(world.Request{Caller: c, Action: action, Resource: fpResource})
		if err != nil {
			return "error " + err.Error()
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
		pr.levels(&b, "scp", pol.SCP)
		fmt.Fprintf(&b, "management %q\n", req.ManagementAccount)
		writeContext(&b, req.Context)
	}
	return b.String()
}

func (pr *printer) resource(dw *diffWorld, r string) string {
	c := dw.caller("*")
	var b strings.Builder
	for _, action := range []string{"s3:getobject", "sts:assumerole"} {
		req, err := dw.w.Gather(world.Request{Caller: c, Action: action, Resource: r})
		if err != nil {
			return "error " + err.Error()
		}
		fmt.Fprintf(&b, "%s kind %v account %q management %q\n", action, req.ResourcePolicyKind, req.ResourceAccount, req.ManagementAccount)
		pr.policy(&b, req.Policies.Resource)
		pr.levels(&b, "rcp", req.Policies.RCP)
		writeContext(&b, req.Context)
	}
	return b.String()
}

func (pr *printer) levels(b *strings.Builder, kind string, levels [][]*engine.Policy) {
	if levels == nil {
		b.WriteString(kind + " none\n")
		return
	}
	for i, l := range levels {
		fmt.Fprintf(b, "%s level %d\n", kind, i)
		for _, p := range l {
			pr.policy(b, p)
		}
	}
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
