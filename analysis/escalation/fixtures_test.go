package escalation_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The fixtures are built from the techniques themselves: for each, a world
// of one account where an attacker holds exactly the permissions its steps
// need on its target, which is an administrator (or, for techniques that
// gain the attacker's own new policy, where the attacker gets one). Each
// variant below changes that world one way; the table says what the
// search must then find. testdata/fixtures.golden lists every fixture's
// answer.
const (
	acct     = "111111111111"
	other    = "222222222222"
	attacker = "arn:aws:iam::" + acct + ":user/attacker"
	atkRole  = "arn:aws:iam::" + acct + ":role/attacker"
	victim   = "arn:aws:iam::" + acct + ":user/victim"
	vicRole  = "arn:aws:iam::" + acct + ":role/victim"
	team     = "arn:aws:iam::" + acct + ":group/team"
	atkPol   = "arn:aws:iam::" + acct + ":policy/attacker-policy"
	profile  = "arn:aws:iam::" + acct + ":instance-profile/victim-profile"
)

type m = map[string]any

// variant changes a fixture's world; want is what the search must report:
// "admin", "target" (the capped gained identity), or "" (nothing).
type variant struct {
	name string
	// applies says whether the variant means something for the technique.
	applies func(t *escalation.Technique) bool
	want    string
	// conditional: the path's allowedIf must not be empty.
	conditional bool
	change      func(f *fixture)
}

type fixture struct {
	t         *escalation.Technique
	self      string // the attacker's ARN
	target    string // the target's ARN
	gained    string // the identity gained
	stmts     []m    // the attacker's statements
	users     []m
	roles     []m
	groups    []m
	pols      []m
	res       []m
	profs     []m
	org       m
	bound     m // the attacker's permissions boundary document (nil: none)
	gbound    m // the gained identity's
	extra     []m
	version   string
	notMember bool
}

func doc(stmts ...m) m { return m{"Version": "2012-10-17", "Statement": stmts} }

func allow(actions any, resource any) m {
	return m{"Effect": "Allow", "Action": actions, "Resource": resource}
}

var adminARN = escalation.AdministratorAccess

func trustService(svc string) m {
	return doc(m{"Effect": "Allow", "Principal": m{"Service": svc}, "Action": "sts:AssumeRole"})
}

func trustAWS(p string) m {
	return doc(m{"Effect": "Allow", "Principal": m{"AWS": p}, "Action": "sts:AssumeRole"})
}

// resourceOf is the fixture resource of a resource type pattern.
func resourceOf(pattern string) string {
	switch {
	case strings.Contains(pattern, ":lambda:"):
		return "arn:aws:lambda:us-east-1:" + acct + ":function:f"
	case strings.Contains(pattern, ":cloudformation:"):
		return "arn:aws:cloudformation:us-east-1:" + acct + ":stack/s/00000000-0000-0000-0000-000000000001"
	case strings.Contains(pattern, ":glue:"):
		return "arn:aws:glue:us-east-1:" + acct + ":devEndpoint/d"
	case strings.Contains(pattern, ":sagemaker:"):
		return "arn:aws:sagemaker:us-east-1:" + acct + ":notebook-instance/n"
	case strings.Contains(pattern, ":codebuild:"):
		return "arn:aws:codebuild:us-east-1:" + acct + ":project/p"
	case strings.Contains(pattern, ":ecs:"):
		return "arn:aws:ecs:us-east-1:" + acct + ":task-definition/t:1"
	case strings.Contains(pattern, ":ec2:"):
		return "arn:aws:ec2:us-east-1:" + acct + ":instance/i-0000000000000001"
	}
	panic(pattern)
}

func serviceOf(t *escalation.Technique) string {
	if t.Service != "" {
		return t.Service
	}
	if t.Target == "resource" {
		p := t.ResourceType
		for k, v := range map[string]string{":lambda:": "lambda.amazonaws.com", ":cloudformation:": "cloudformation.amazonaws.com", ":glue:": "glue.amazonaws.com",
			":sagemaker:": "sagemaker.amazonaws.com", ":codebuild:": "codebuild.amazonaws.com", ":ecs:": "ecs-tasks.amazonaws.com", ":ec2:": "ec2.amazonaws.com"} {
			if strings.Contains(p, k) {
				return v
			}
		}
	}
	return "ec2.amazonaws.com"
}

func has(t *escalation.Technique, r string) bool { return slices.Contains(t.Requires, r) }

// newFixture builds the exploitable world of a technique.
func newFixture(t *escalation.Technique) *fixture {
	f := &fixture{t: t, self: attacker}
	if has(t, escalation.ReqIsRole) {
		f.self = atkRole
	}
	svc := serviceOf(t)
	adminRole := func(trust m) m {
		return m{"name": "victim", "trustPolicy": trust, "managedPolicies": []string{adminARN}}
	}
	switch t.Target {
	case "user":
		f.target, f.gained = victim, victim
		u := m{"name": "victim", "managedPolicies": []string{adminARN}}
		if has(t, escalation.ReqLoginProfile) {
			u["loginProfile"] = true
		}
		f.users = append(f.users, u)
	case "role":
		f.target, f.gained = vicRole, vicRole
		switch {
		case t.Service != "":
			f.roles = append(f.roles, adminRole(trustService(t.Service)))
		case t.ID == "sts-assume-role":
			// Trusting the account, the role delegates to the
			// attacker's identity policies (a trust naming the
			// attacker would allow it alone: the IAM User Guide,
			// "Policy evaluation logic", same-account requests).
			f.roles = append(f.roles, adminRole(trustAWS("arn:aws:iam::"+acct+":root")))
		case t.Grant != "":
			// The attacker makes the role an administrator, then
			// assumes it.
			f.roles = append(f.roles, m{"name": "victim", "trustPolicy": trustAWS(f.self)})
		default:
			f.roles = append(f.roles, adminRole(trustService("ec2.amazonaws.com")))
		}
	case "group":
		f.target, f.gained = team, f.self
		g := m{"name": "team"}
		if t.Grant == "group" {
			g["managedPolicies"] = []string{adminARN}
		}
		f.groups = append(f.groups, g)
	case "policy", "policyVersion":
		f.target, f.gained = atkPol, f.self
	case "resource":
		f.target, f.gained = resourceOf(t.ResourceType), vicRole
		f.roles = append(f.roles, adminRole(trustService(svc)))
		r := m{"arn": f.target}
		if has(t, escalation.ReqHasProfile) {
			r["instanceProfile"] = profile
			f.profs = append(f.profs, m{"name": "victim-profile", "roles": []string{"victim"}})
		} else {
			r["role"] = vicRole
		}
		f.res = append(f.res, r)
	case "instanceProfile":
		f.target, f.gained = profile, vicRole
		f.roles = append(f.roles, adminRole(trustService(svc)))
		f.profs = append(f.profs, m{"name": "victim-profile", "roles": []string{"victim"}})
	case "self":
		f.target, f.gained = f.self, f.self
	}
	if t.Gains == "self" {
		f.gained = f.self
	}
	for _, s := range t.Steps {
		res := subst(s.Resource, t, f)
		st := allow(s.Action, res)
		f.stmts = append(f.stmts, st)
	}
	return f
}

func subst(text string, t *escalation.Technique, f *fixture) string {
	role := vicRole
	return strings.NewReplacer("{target}", f.target, "{role}", role, "{self}", f.self, "{account}", acct, "{region}", "us-east-1",
		"{service}", t.Service, "{policy}", adminARN, "{name}", "iamgate-escalation").Replace(text)
}

// world writes the fixture's world file.
func (f *fixture) world() []byte {
	attackerDoc := doc(f.stmts...)
	var users, roles []m
	pols := append([]m(nil), f.pols...)
	me := m{"name": "attacker"}
	switch f.t.Target {
	case "policy", "policyVersion":
		p := m{"name": "attacker-policy"}
		if f.t.Target == "policy" {
			p["document"] = attackerDoc
		} else {
			p["versions"] = []m{{"id": "v1", "document": attackerDoc}, {"id": "v2", "document": doc(allow("*", "*"))}}
			p["defaultVersion"] = "v1"
		}
		if f.version != "" {
			p = m{"name": "attacker-policy", "versions": []m{{"id": "v1", "document": attackerDoc}}, "defaultVersion": "v1"}
			if f.version == "full" {
				var vs []m
				for i := 1; i <= escalation.MaxPolicyVersions; i++ {
					vs = append(vs, m{"id": fmt.Sprintf("v%d", i), "document": attackerDoc})
				}
				p["versions"] = vs
			}
		}
		pols = append(pols, p)
		me["managedPolicies"] = []string{atkPol}
	default:
		me["policies"] = []m{{"name": "grants", "document": attackerDoc}}
	}
	if f.bound != nil {
		pols = append(pols, m{"name": "attacker-boundary", "document": f.bound})
		me["permissionsBoundary"] = "arn:aws:iam::" + acct + ":policy/attacker-boundary"
	}
	if f.gbound != nil {
		pols = append(pols, m{"name": "victim-boundary", "document": f.gbound})
	}
	if f.self == atkRole {
		me["trustPolicy"] = trustAWS("arn:aws:iam::" + acct + ":root")
		roles = append(roles, me)
	} else {
		if f.t.Target == "group" && f.t.Grant != "group" && !f.notMember {
			me["groups"] = []string{"team"}
		}
		users = append(users, me)
	}
	for _, u := range f.users {
		if f.gbound != nil {
			u["permissionsBoundary"] = "arn:aws:iam::" + acct + ":policy/victim-boundary"
		}
		users = append(users, u)
	}
	for _, r := range f.roles {
		if f.gbound != nil {
			r["permissionsBoundary"] = "arn:aws:iam::" + acct + ":policy/victim-boundary"
		}
		roles = append(roles, r)
	}
	a := m{"id": acct, "users": users, "roles": roles, "groups": f.groups, "policies": pols, "resources": f.res, "instanceProfiles": f.profs}
	w := m{"accounts": append([]m{a}, f.extra...)}
	if f.org != nil {
		w["organization"] = f.org
	}
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	return b
}

func all(*escalation.Technique) bool { return true }

// stepActions lists the actions of the technique's steps.
func stepActions(t *escalation.Technique) []string {
	var out []string
	for _, s := range t.Steps {
		if !slices.Contains(out, s.Action) {
			out = append(out, s.Action)
		}
	}
	return out
}

var variants = []variant{
	{name: "exploitable", applies: all, want: "admin", change: func(*fixture) {}},
	// An SCP denying the technique's first action (the Organizations User
	// Guide, "SCP evaluation": an explicit deny at any level denies).
	{name: "scp denies the step", applies: all, want: "", change: func(f *fixture) {
		f.org = m{"managementAccount": other, "policies": m{"deny": m{"type": "scp", "document": doc(
			m{"Effect": "Allow", "Action": "*", "Resource": "*"},
			m{"Effect": "Deny", "Action": f.t.Steps[0].Action, "Resource": "*"})}},
			"root": m{"scps": []string{"deny"}, "accounts": []string{acct, other}}}
		f.extra = append(f.extra, m{"id": other})
	}},
	// A permissions boundary on the identity gained caps it: the path
	// gains that identity, not admin (the IAM User Guide, "Permissions
	// boundaries for IAM entities").
	{name: "boundary caps the gain", applies: all, want: "target", change: func(f *fixture) {
		b := doc(allow(append(stepActions(f.t), "s3:*"), "*"))
		if f.gained == f.self {
			f.bound = b
		} else {
			f.gbound = b
		}
	}},
	// MFA required and unknown: the path holds only if MFA is present.
	{name: "MFA required", applies: all, want: "admin", conditional: true, change: func(f *fixture) {
		for _, s := range f.stmts {
			s["Condition"] = m{"Bool": m{"aws:MultiFactorAuthPresent": "true"}}
		}
	}},
	// iam:PassRole allowed only to another service.
	{name: "PassRole to another service", applies: func(t *escalation.Technique) bool { return t.Service != "" }, want: "", change: func(f *fixture) {
		to := "lambda.amazonaws.com"
		if f.t.Service == to {
			to = "ec2.amazonaws.com"
		}
		f.stmts[0]["Condition"] = m{"StringEquals": m{"iam:PassedToService": to}}
	}},
	// iam:PolicyARN limited to another policy: AdministratorAccess cannot
	// be attached.
	{name: "PolicyARN excludes AdministratorAccess", applies: func(t *escalation.Technique) bool { return t.Grant == "adminPolicy" }, want: "", change: func(f *fixture) {
		f.stmts[0]["Condition"] = m{"ArnEquals": m{"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	}},
	// The first step's Resource names another target.
	{name: "resource scope excludes the target", applies: all, want: "", change: func(f *fixture) {
		r := f.stmts[0]["Resource"].(string)
		f.stmts[0]["Resource"] = r[:strings.LastIndexAny(r, "/:")+1] + "someone-else"
	}},
	{name: "missing target", applies: func(t *escalation.Technique) bool { return t.Target != "self" }, want: "", change: missingTarget},
}

// missingTarget removes what the technique needs of its target.
func missingTarget(f *fixture) {
	t := f.t
	switch {
	case has(t, escalation.ReqAccessKeySlot):
		f.users[0]["accessKeys"] = []m{{"id": "AKIAVICTIM0000000001"}, {"id": "AKIAVICTIM0000000002", "status": "Inactive"}}
	case has(t, escalation.ReqNoLoginProfile):
		f.users[0]["loginProfile"] = true
	case has(t, escalation.ReqLoginProfile):
		f.users[0]["mfaDevices"] = []string{"arn:aws:iam::" + acct + ":mfa/victim"}
	case has(t, escalation.ReqTrustsService) && t.Target == "role":
		f.roles[0]["trustPolicy"] = trustService("s3.amazonaws.com")
	case t.Target == "instanceProfile":
		f.roles[0]["trustPolicy"] = trustService("lambda.amazonaws.com")
	case t.Target == "role":
		f.roles = nil // no role at all
	case t.Target == "group" && t.Grant == "group":
		f.groups[0]["managedPolicies"] = nil // joining gains nothing
	case t.Target == "group":
		f.notMember = true // the attacker is not in the group
	case t.Target == "policy":
		f.version = "full"
	case t.Target == "policyVersion":
		f.version = "only"
	case t.Target == "resource":
		delete(f.res[0], "role")
		delete(f.res[0], "instanceProfile")
	}
}

func TestTechniqueFixtures(t *testing.T) {
	techs, err := escalation.Techniques()
	if err != nil {
		t.Fatal(err)
	}
	var golden strings.Builder
	for _, tech := range techs {
		for _, v := range variants {
			if !v.applies(tech) {
				continue
			}
			name := tech.ID + "/" + v.name
			f := newFixture(tech)
			v.change(f)
			want := v.want
			if want == "target" {
				want = f.gained
			}
			got, paths := runFixture(t, name, f, tech)
			cond := ""
			if len(paths) > 0 && len(paths[0].AllowedIf) > 0 {
				cond = " if " + conditionText(paths[0])
			}
			fmt.Fprintf(&golden, "%-40s %-40s %s%s\n", tech.ID, v.name, orNone(got), cond)
			t.Run(name, func(t *testing.T) {
				if got != want {
					t.Errorf("gains %q, want %q\npaths: %s\nworld: %s", got, want, show(paths), f.world())
				}
				if v.conditional && len(paths) > 0 && len(paths[0].AllowedIf) == 0 {
					t.Errorf("want a conditional path, got an unconditional one")
				}
				if !v.conditional && len(paths) > 0 && len(paths[0].AllowedIf) != 0 {
					t.Errorf("want an unconditional path: %s", show(paths))
				}
			})
		}
	}
	checkGolden(t, "testdata/fixtures.golden", golden.String())
}

func conditionText(p *escalation.Path) string {
	var alts []string
	for _, alt := range p.AllowedIf {
		var cs []string
		for _, c := range alt {
			cs = append(cs, fmt.Sprintf("[step %d] %s", c.Step+1, c.Conjunct.String()))
		}
		alts = append(alts, strings.Join(cs, " and "))
	}
	return strings.Join(alts, " or ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func show(ps []*escalation.Path) string {
	b, _ := json.MarshalIndent(ps, "", "  ")
	return string(b)
}

// runFixture searches the fixture's world with the technique alone, from
// the attacker, and re-decides every step of every path with the engine.
func runFixture(t *testing.T, name string, f *fixture, tech *escalation.Technique) (string, []*escalation.Path) {
	t.Helper()
	w, err := world.Parse(name+".json", f.world())
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, f.world())
	}
	res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{Principal: f.self, Techniques: []*escalation.Technique{tech}, MaxDepth: 1})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Unknown) > 0 {
		t.Errorf("%s: unknown: %+v", name, res.Unknown[0])
	}
	for _, p := range res.Paths {
		recheck(t, w, p)
	}
	if len(res.Paths) == 0 {
		return "", nil
	}
	return res.Paths[0].Gains, res.Paths
}

// recheck decides every step of a path again with engine.Authorize, for
// each of its alternatives' witnesses.
func recheck(t *testing.T, w *world.World, p *escalation.Path) {
	t.Helper()
	for i, s := range p.Steps {
		c, err := w.Caller(s.Principal)
		if err != nil {
			t.Fatal(err)
		}
		for _, wit := range s.Decided.Witnesses {
			ctx := map[string][]string{}
			for k, v := range s.Context {
				ctx[k] = v
			}
			for k, v := range wit {
				ctx[k] = v
			}
			req, err := w.Gather(world.Request{Caller: c, Action: s.Action, Resource: s.Resource, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			if s.Change != nil {
				s.Change(&req)
			}
			q, err := req.Prepare()
			if err != nil {
				t.Fatal(err)
			}
			if d := engine.Authorize(q).Decision; d != engine.Allowed {
				t.Errorf("%s: step %d (%s %s %s) with %v: the engine says %v", p.Principal, i, s.Principal, s.Action, s.Resource, wit, d)
			}
		}
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}
