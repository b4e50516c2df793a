package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// extKey is one key of a small alphabet of contexts: the brute force
// decides every combination of the keys' values (absent included).
type extKey struct {
	key    string
	values []string
	// who: "" for every principal; "tags" for principals whose keys the
	// world does not know (roots, principals outside the world); "org" for
	// IAM principals outside the organization; "service" for services.
	who string
}

var extAlphabet = []extKey{
	{"aws:MultiFactorAuthPresent", []string{"true"}, ""},
	{"aws:PrincipalTag/team", []string{"red"}, "tags"},
	{"aws:SourceIp", []string{"10.1.2.3"}, ""},
	{"aws:RequestedRegion", []string{"eu-west-1"}, ""},
	{"aws:SecureTransport", []string{"true", "false"}, ""},
	{"sts:ExternalId", []string{"x1"}, ""},
	{"aws:PrincipalOrgID", []string{"o-other00000"}, "org"},
}

func extContexts(alphabet []extKey, who map[string]bool) []map[string][]string {
	out := []map[string][]string{{}}
	for _, k := range alphabet {
		if k.who != "" && !who[k.who] {
			continue
		}
		var next []map[string][]string
		for _, c := range out {
			next = append(next, c)
			for _, v := range k.values {
				n := map[string][]string{k.key: {v}}
				for kk, vv := range c {
					n[kk] = vv
				}
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}

// bruteRequest is the request External defines: the world's for the
// resource, the principal's own side allowing everything, the context given.
func bruteRequest(t *testing.T, w *world.World, principal, action, resource string, ctx map[string][]string) *engine.Prepared {
	t.Helper()
	c, err := w.Caller(principal)
	if err != nil {
		t.Fatal(err)
	}
	req, err := w.Gather(world.Request{Caller: c, Action: action, Resource: resource, Context: ctx, Time: diffTime})
	if err != nil {
		t.Fatal(err)
	}
	if pp, err := engine.ParsePrincipal(principal); err == nil && pp.Account != "" && strings.HasPrefix(action, "kms:") {
		if _, ok := req.Context["kms:calleraccount"]; !ok {
			req.Context["kms:calleraccount"] = []string{pp.Account} // AWS KMS sets it for every request
		}
	}
	p := &req.Policies
	p.Identity, p.PermissionsBoundary, p.Session, p.SCP = nil, nil, nil, nil
	if k := c.Kind; k != engine.Anonymous && k != engine.Service {
		p.Identity = []*engine.Policy{allowAllPolicy}
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestExternalDifferential decides, on generated small worlds, every
// resource (and role) for principals outside the zone (the accounts' roots,
// the world's users and roles, accounts the world does not hold, anonymous,
// services) and every context of a small alphabet, with the engine, and
// compares with External's findings: a request is allowed exactly when a
// finding whose principal stands for it lists the action and its
// condition holds in the context.
func TestExternalDifferential(t *testing.T) {
	worlds := 6
	if testing.Short() {
		worlds = 3
	}
	if longRun() {
		worlds = 300
	}
	var st diffStats
	for seed := int64(0); seed < int64(worlds); seed++ {
		w := smallWorld(t, seed)
		diffExternal(t, fmt.Sprintf("seed %d", seed), w, extAlphabet, genServices, &st)
	}
	t.Logf("%d requests of outside principals equal to the findings (%d allowed; %d findings; %d principal-resource pairs UNKNOWN)", st.decided, st.allowed, st.findings, st.unknown)
	if st.allowed == 0 || st.decided == 0 {
		t.Fatal("the generator exercises too little")
	}
}

type diffStats struct{ decided, allowed, findings, unknown int }

func actionsOf(record string) []string {
	switch {
	case strings.HasPrefix(record, "arn:aws:s3:::"):
		return []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
	case strings.Contains(record, ":sqs:"):
		return []string{"sqs:SendMessage", "sqs:ReceiveMessage"}
	case strings.Contains(record, ":kms:"):
		return []string{"kms:Decrypt"}
	}
	return []string{"sts:AssumeRole"}
}

// diffExternal compares External's findings with the engine on one world,
// in both zones.
func diffExternal(t *testing.T, name string, w *world.World, alphabet []extKey, services []string, st *diffStats) {
	t.Helper()
	x := NewIndex(w)
	for _, zone := range []string{ZoneAccount, ZoneOrganization} {
		fs, err := x.External(ExternalQuery{Zone: zone, Time: diffTime})
		if err != nil {
			t.Fatalf("%s %s: %v", name, zone, err)
		}
		st.findings += len(fs)
		for _, f := range fs {
			if f.Kind == FindingUnknown {
				continue
			}
			data, err := json.Marshal(f.Witness)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckWitness(data); err != nil {
				t.Fatalf("%s %s: %s %s: %v", name, zone, f.Resource, f.Principal, err)
			}
		}
		e := &external{w: w, q: ExternalQuery{Zone: zone}, org: map[string]bool{}}
		if w.Organization != nil {
			for id, a := range w.Accounts.All() {
				if a.OU != nil {
					e.org[id] = true
				}
			}
		}
		type target struct{ record, arn, own string }
		var targets []target
		for _, id := range sortedKeys(w.Accounts.Map()) {
			a := w.Accounts.Get(id)
			for _, ra := range sortedKeys(a.Resources.Map()) {
				if r := a.Resources.Get(ra); r.Policy != nil {
					res := ra
					if strings.HasPrefix(ra, "arn:aws:s3:::") {
						res = ra + "/k"
					}
					targets = append(targets, target{ra, res, id})
				}
			}
			for _, n := range sortedKeys(a.Roles.Map()) {
				targets = append(targets, target{a.Roles.Get(n).ARN(), a.Roles.Get(n).ARN(), id})
			}
		}
		accounts := append(sortedKeys(w.Accounts.Map()), "444444444444", "555555555555")
		for _, tg := range targets {
			mentioned, texts := bruteMentioned(t, w, tg.record)
			var principals []string
			for _, id := range accounts {
				if !e.inZone(tg.own, id) {
					principals = append(principals, "arn:aws:iam::"+id+":root")
				}
			}
			for _, en := range x.entities {
				if !e.inZone(tg.own, en.account) {
					principals = append(principals, en.arn)
				}
			}
			principals = append(principals, "anonymous")
			principals = append(principals, services...)
			for _, p := range principals {
				cover := bruteCovers(w, p, mentioned, texts, fs, tg.record)
				if cover.unknown {
					st.unknown++
					continue
				}
				c, err := w.Caller(p)
				if err != nil {
					t.Fatal(err)
				}
				// Principal keys are given only where the world does not
				// know them: for a root (standing for its account's
				// principals) and for a principal outside the world; the
				// organization keys for IAM principals outside the
				// organization.
				iamKind := c.Kind != engine.Anonymous && c.Kind != engine.Service
				who := map[string]bool{
					"tags":    c.Kind == engine.AccountRoot || (c.External && iamKind),
					"org":     iamKind && (c.Account == nil || c.Account.OU == nil || w.Organization == nil),
					"service": c.Kind == engine.Service,
				}
				for _, action := range actionsOf(tg.record) {
					for _, ctx := range extContexts(alphabet, who) {
						if sourceInZone(e, tg.own, ctx) {
							continue // the service acts for the zone
						}
						q := bruteRequest(t, w, p, action, tg.arn, ctx)
						want := engine.Authorize(q).Decision == engine.Allowed
						got := ""
						for _, f := range cover.findings {
							if contains(f.Actions, action) && f.eval(t, q.Context()) {
								got = f.Principal + " " + f.Kind + " " + f.AllowedIf.Key()
								break
							}
						}
						if want != (got != "") {
							t.Fatalf("%s zone %s: %s %s %s context %v: engine allowed %v, findings say %q\n%s", name, zone, p, action, tg.arn, ctx, want, got, describeCovered(cover.findings))
						}
						st.decided++
						if want {
							st.allowed++
						}
					}
				}
			}
		}
	}
}

type covered struct {
	findings []*coveredFinding
	unknown  bool
}

type coveredFinding struct {
	*Finding
	compiled *CompiledFormula
}

func (f *coveredFinding) eval(t *testing.T, ctx map[string][]string) bool {
	if f.compiled == nil {
		cf, err := f.AllowedIf.Compile()
		if err != nil {
			t.Fatal(err)
		}
		f.compiled = cf
	}
	lower := mapContext{}
	for k, v := range ctx {
		lower[strings.ToLower(k)] = v
	}
	return f.compiled.Eval(lower)
}

func describeCovered(fs []*coveredFinding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %v %q\n", f.Kind, f.Principal, f.Actions, f.AllowedIf.Key())
	}
	return b.String()
}

// bruteCovers returns the findings of the resource whose principal stands
// for p: p itself; for an account the policies do not name, the
// representative of its kind (an account the world does not hold, or one
// of the world's of the same OU).
func bruteCovers(w *world.World, p string, mentioned map[string]bool, texts string, fs []*Finding, record string) covered {
	var out covered
	// A user or role stands as its account's root too (the root stands
	// for any principal of its account).
	acct := ""
	if strings.HasPrefix(p, "arn:aws:iam::") {
		acct = strings.SplitN(p, ":", 6)[4]
	}
	root := acct != ""
	for _, f := range fs {
		if f.Resource != record {
			continue
		}
		if f.Kind == FindingUnknown {
			out.unknown = true
			continue
		}
		// ... unless a Principal element names it: then it stands for itself.
		own := root && !strings.HasSuffix(p, ":root") && (mentioned[p] || mentioned[roleKey(p)])
		match := f.Principal == p || (p == "anonymous" && f.Principal == "*") || (root && !own && f.Principal == "arn:aws:iam::"+acct+":root" && (f.Represents == "" || !mentioned[acct]))
		if !match && root && !own && !mentioned[acct] && f.Represents != "" && f.Principal != "*" {
			a := w.Accounts.Get(acct)
			switch {
			case a == nil:
				match = strings.HasPrefix(f.Represents, "any account outside the zone")
			case a.OU != nil && w.Organization != nil:
				match = f.Represents == "any account of OU "+a.OU.ID+" that the policies do not name"
			default:
				// Outside the organization, the world knows nothing of
				// it that an account it does not hold lacks.
				match = f.Represents == "any account of the world outside the organization that the policies do not name" ||
					strings.HasPrefix(f.Represents, "any account outside the zone")
			}
		}
		if !match && !strings.HasPrefix(p, "arn:") && p != "anonymous" && !strings.Contains(texts, p) {
			match = f.Represents == AnyServiceRepresents
		}
		if match {
			out.findings = append(out.findings, &coveredFinding{Finding: f})
		}
	}
	sort.SliceStable(out.findings, func(i, j int) bool { return out.findings[i].Kind < out.findings[j].Kind })
	return out
}

// bruteMentioned lists the account IDs the resource's policy and the RCPs
// over it name.
func bruteMentioned(t *testing.T, w *world.World, record string) (map[string]bool, string) {
	t.Helper()
	c, err := w.Caller("anonymous")
	if err != nil {
		t.Fatal(err)
	}
	req, err := w.Gather(world.Request{Caller: c, Action: "sts:AssumeRole", Resource: record})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, a := range w.Accounts.All() {
		if r := a.Resources.Get(record); r != nil && r.Policy != nil {
			texts = append(texts, string(r.Policy.JSON))
		}
		for _, ro := range a.Roles.All() {
			if ro.ARN() == record && ro.Trust != nil {
				texts = append(texts, string(ro.Trust.JSON))
			}
		}
	}
	if w.Organization != nil {
		for _, l := range req.Policies.RCP {
			for _, p := range l {
				for _, op := range w.Organization.Policies {
					if op.Document != nil && op.Document.Policy() == p.Source {
						texts = append(texts, string(op.Document.JSON))
					}
				}
			}
		}
	}
	out := map[string]bool{}
	for _, s := range texts {
		for _, m := range accountIDs.FindAllString(s, -1) {
			out[m] = true
		}
	}
	// The users and roles Principal elements name (as themselves and as
	// roleKey spells a role).
	var stmts []*policy.Statement
	if req.Policies.Resource != nil && req.Policies.Resource.Source != nil {
		stmts = append(stmts, req.Policies.Resource.Source.Statements...)
	}
	for _, l := range req.Policies.RCP {
		for _, p := range l {
			stmts = append(stmts, p.Source.Statements...)
		}
	}
	for _, st := range stmts {
		for _, pr := range []*policy.Principal{st.Principal, st.NotPrincipal} {
			if pr != nil {
				for _, v := range pr.AWS {
					out[v.Text], out[roleKey(v.Text)] = true, true
				}
			}
		}
	}
	return out, strings.Join(texts, "\n")
}

// The organization-condition generator: an organization (111111111111 in
// Prod, 222222222222 in Dev, the management account at the root),
// 333333333333 in the world outside it, 444444444444 nowhere; resource and
// trust policies whose statements name anyone, accounts, a role and a
// service, under organization, account, endpoint and source conditions,
// with Deny statements and NotPrincipal.

var extOrgAlphabet = []extKey{
	{"aws:PrincipalOrgID", []string{"o-other00000"}, "org"}, // never the own: outside the organization
	{"aws:PrincipalOrgPaths", []string{"o-other00000/r-ab12/ou-ab12-11111111/"}, "org"},
	{"aws:SourceVpce", []string{"vpce-1", "vpce-2"}, ""},
	{"aws:SourceAccount", []string{"111111111111", "444444444444"}, "service"},
	{"aws:SourceArn", []string{"arn:aws:sns:us-east-1:111111111111:t", "arn:aws:sns:us-east-1:444444444444:t"}, "service"},
	{"sts:ExternalId", []string{"x1"}, ""},
	{"aws:SecureTransport", []string{"false"}, ""},
	{"aws:PrincipalTag/team", []string{"red"}, "tags"},
}

func extOrgWorld(t testing.TB, seed int64) *world.World {
	t.Helper()
	g := &gen{r: rand.New(rand.NewSource(seed))}
	own := "o-own0000000"
	principals := []any{"*", map[string]any{"AWS": "222222222222"}, map[string]any{"AWS": "arn:aws:iam::333333333333:root"},
		map[string]any{"AWS": "444444444444"}, map[string]any{"AWS": "arn:aws:iam::222222222222:role/app"},
		map[string]any{"Service": "sns.amazonaws.com"}, map[string]any{"AWS": "arn:aws:iam::111111111111:root"}}
	conditions := []map[string]any{
		{"StringEquals": map[string]any{"aws:PrincipalOrgID": own}},
		{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-other00000"}},
		{"StringNotEquals": map[string]any{"aws:PrincipalOrgID": own}},
		{"ForAnyValue:StringLike": map[string]any{"aws:PrincipalOrgPaths": own + "/r-root/ou-root-dev/*"}},
		{"StringEquals": map[string]any{"aws:PrincipalAccount": []string{"111111111111", "222222222222"}}},
		{"StringEquals": map[string]any{"aws:PrincipalAccount": []string{"111111111111", "444444444444"}}},
		{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-1"}},
		{"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}},
		{"StringEquals": map[string]any{"aws:SourceAccount": "444444444444"}},
		{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:sns:*:111111111111:*"}},
		{"StringEquals": map[string]any{"sts:ExternalId": "x1"}},
		{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		{"StringEquals": map[string]any{"aws:PrincipalTag/team": "red"}},
		{"StringEquals": map[string]any{"kms:CallerAccount": "111111111111"}},
		{"StringEquals": map[string]any{"kms:CallerAccount": "444444444444"}},
	}
	stmt := func(actions []string, resource string) map[string]any {
		s := map[string]any{"Effect": "Allow", "Action": g.pick(actions)}
		if resource != "" {
			s["Resource"] = resource
		}
		if g.chance(0.25) {
			s["Effect"] = "Deny"
		}
		if g.chance(0.1) {
			s["NotPrincipal"] = map[string]any{"AWS": "arn:aws:iam::111111111111:root"}
		} else {
			s["Principal"] = principals[g.r.Intn(len(principals))]
		}
		if g.chance(0.75) {
			c := map[string]any{}
			for k, v := range conditions[g.r.Intn(len(conditions))] {
				c[k] = v
			}
			if g.chance(0.2) {
				for k, v := range conditions[g.r.Intn(len(conditions))] {
					if _, ok := c[k]; !ok {
						c[k] = v
					}
				}
			}
			s["Condition"] = c
		}
		return s
	}
	doc := func(n int, actions []string, resource string) map[string]any {
		var st []any
		for i := 0; i < n; i++ {
			st = append(st, stmt(actions, resource))
		}
		return map[string]any{"Version": "2012-10-17", "Statement": st}
	}
	s3 := []string{"s3:GetObject", "s3:*", "s3:Put*"}
	res := []any{
		map[string]any{"arn": "arn:aws:s3:::bucket-a", "policy": doc(1+g.r.Intn(3), s3, "arn:aws:s3:::bucket-a/*")},
		map[string]any{"arn": "arn:aws:sqs:us-east-1:111111111111:q1", "policy": doc(1+g.r.Intn(3), []string{"sqs:SendMessage", "sqs:*"}, "*")},
		map[string]any{"arn": "arn:aws:kms:us-east-1:111111111111:key/k1", "policy": doc(1+g.r.Intn(2), []string{"kms:Decrypt", "kms:*"}, "*")},
	}
	roles := []any{map[string]any{"name": "r0", "trustPolicy": doc(1+g.r.Intn(2), []string{"sts:AssumeRole"}, "")}}
	fw := map[string]any{
		"organization": map[string]any{"id": own, "managementAccount": "999000000001",
			"root": map[string]any{"id": "r-root", "accounts": []string{"999000000001"}, "ous": []any{
				map[string]any{"id": "ou-root-prod", "name": "Prod", "accounts": []string{"111111111111"}},
				map[string]any{"id": "ou-root-dev", "name": "Dev", "accounts": []string{"222222222222"}},
			}}},
		"accounts": []any{
			map[string]any{"id": "999000000001"},
			map[string]any{"id": "111111111111", "resources": res, "roles": roles},
			map[string]any{"id": "222222222222", "roles": []any{map[string]any{"name": "app", "tags": map[string]string{"team": g.pick([]string{"red", "blue"})},
				"trustPolicy": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "222222222222"}, "Action": "sts:AssumeRole"}}}}},
				"resources": []any{map[string]any{"arn": "arn:aws:s3:::bucket-b", "policy": doc(1+g.r.Intn(2), s3, "arn:aws:s3:::bucket-b/*")}}},
			map[string]any{"id": "333333333333"},
		},
	}
	if g.chance(0.4) {
		fw["organization"].(map[string]any)["policies"] = map[string]any{"Perim": map[string]any{"type": "rcp", "document": map[string]any{"Version": "2012-10-17",
			"Statement": []any{map[string]any{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
				"Condition": map[string]any{"StringNotEqualsIfExists": map[string]any{"aws:PrincipalOrgID": own}, "BoolIfExists": map[string]any{"aws:PrincipalIsAWSService": "false"}}}}}}}
		fw["organization"].(map[string]any)["root"].(map[string]any)["ous"].([]any)[0].(map[string]any)["rcps"] = []string{"RCPFullAWSAccess", "Perim"}
	}
	data, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse(fmt.Sprintf("ext-org-%d.json", seed), data)
	if err != nil {
		t.Fatalf("seed %d: %v\n%s", seed, err, data)
	}
	return w
}

// TestExternalOrgDifferential is TestExternalDifferential on worlds whose
// policies hold the organization-condition traps, with their keys in the
// alphabet.
func TestExternalOrgDifferential(t *testing.T) {
	worlds := 20
	if testing.Short() {
		worlds = 8
	}
	if longRun() {
		worlds = 1000
	}
	var st diffStats
	for seed := int64(0); seed < int64(worlds); seed++ {
		diffExternal(t, fmt.Sprintf("ext-org seed %d", seed), extOrgWorld(t, seed), extOrgAlphabet, []string{"sns.amazonaws.com", "lambda.amazonaws.com"}, &st)
	}
	t.Logf("%d requests of outside principals equal to the findings (%d allowed; %d findings; %d principal-resource pairs UNKNOWN)", st.decided, st.allowed, st.findings, st.unknown)
	if st.allowed == 0 || st.decided == 0 {
		t.Fatal("the generator exercises too little")
	}
}

// sourceInZone reports whether a service's request context puts its source
// (aws:SourceAccount, the account of aws:SourceArn) inside the zone.
func sourceInZone(e *external, own string, ctx map[string][]string) bool {
	for _, v := range ctx["aws:SourceAccount"] {
		if e.inZone(own, v) {
			return true
		}
	}
	for _, v := range ctx["aws:SourceArn"] {
		if f := strings.SplitN(v, ":", 6); len(f) > 4 && e.inZone(own, f[4]) {
			return true
		}
	}
	return false
}
