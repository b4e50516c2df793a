package analysis

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// mapContext is a condition.Context of lower-case keys.
type mapContext map[string][]string

func (m mapContext) Lookup(k string) ([]string, bool) { v, ok := m[strings.ToLower(k)]; return v, ok }

// extAlphabet is the small alphabet of contexts the brute force decides:
// every combination of these keys' values (absent included).
var extAlphabet = []struct {
	key    string
	values []string
	iam    bool // a key of an IAM principal (absent for anonymous and services)
	out    bool // given only for principals outside the world
}{
	{"aws:MultiFactorAuthPresent", []string{"true"}, false, false},
	{"aws:PrincipalTag/team", []string{"red"}, true, false},
	{"aws:SourceIp", []string{"10.1.2.3"}, false, false},
	{"aws:RequestedRegion", []string{"eu-west-1"}, false, false},
	{"aws:SecureTransport", []string{"true", "false"}, false, false},
	{"sts:ExternalId", []string{"x1"}, false, false},
	{"aws:PrincipalOrgID", []string{"o-other00000"}, true, true},
}

func extContexts(iam, outside bool) []map[string][]string {
	out := []map[string][]string{{}}
	for _, k := range extAlphabet {
		if (k.iam && !iam) || (k.out && !outside) {
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
	worlds := 30
	if testing.Short() {
		worlds = 10
	}
	if longRun() {
		worlds = 300
	}
	var decided, allowed, findings, unknown int
	for seed := int64(0); seed < int64(worlds); seed++ {
		w := smallWorld(t, seed)
		x := NewIndex(w)
		for _, zone := range []string{ZoneAccount, ZoneOrganization} {
			fs, err := x.External(ExternalQuery{Zone: zone, Time: diffTime})
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, zone, err)
			}
			findings += len(fs)
			e := &external{w: w, q: ExternalQuery{Zone: zone}, org: map[string]bool{}}
			if w.Organization != nil {
				for id, a := range w.Accounts {
					if a.OU != nil {
						e.org[id] = true
					}
				}
			}
			type target struct{ record, arn, own string }
			var targets []target
			for _, id := range sortedKeys(w.Accounts) {
				a := w.Accounts[id]
				for _, ra := range sortedKeys(a.Resources) {
					if r := a.Resources[ra]; r.Policy != nil {
						res := ra
						if strings.HasPrefix(ra, "arn:aws:s3:::") {
							res = ra + "/k"
						}
						targets = append(targets, target{ra, res, id})
					}
				}
				for _, n := range sortedKeys(a.Roles) {
					targets = append(targets, target{a.Roles[n].ARN(), a.Roles[n].ARN(), id})
				}
			}
			for _, tg := range targets {
				mentioned, texts := bruteMentioned(t, w, tg.record)
				var principals []string
				for _, id := range append(append([]string(nil), genAccounts...), "444444444444", "555555555555") {
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
				principals = append(principals, genServices...)
				var actions []string
				switch {
				case strings.HasPrefix(tg.record, "arn:aws:s3:::"):
					actions = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
				case strings.Contains(tg.record, ":sqs:"):
					actions = []string{"sqs:SendMessage", "sqs:ReceiveMessage"}
				case strings.Contains(tg.record, ":kms:"):
					actions = []string{"kms:Decrypt"}
				default:
					actions = []string{"sts:AssumeRole"}
				}
				for _, p := range principals {
					cover := bruteCovers(w, p, mentioned, texts, fs, tg.record)
					if cover.unknown {
						unknown++
						continue
					}
					c, err := w.Caller(p)
					if err != nil {
						t.Fatal(err)
					}
					// Principal keys are given only where the world does not
					// know them: for a root (standing for its account's
					// principals) and for a principal outside the world.
					iam := c.Kind == engine.AccountRoot || (c.External && c.Kind != engine.Anonymous && c.Kind != engine.Service)
					for _, action := range actions {
						for _, ctx := range extContexts(iam, c.External) {
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
								t.Fatalf("seed %d zone %s: %s %s %s context %v: engine allowed %v, findings say %q\n%s", seed, zone, p, action, tg.arn, ctx, want, got, describeCovered(cover.findings))
							}
							decided++
							if want {
								allowed++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d requests of outside principals equal to the findings (%d allowed; %d findings; %d principal-resource pairs UNKNOWN)", decided, allowed, findings, unknown)
	if allowed == 0 || decided == 0 {
		t.Fatal("the generator exercises too little")
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
		match := f.Principal == p || (p == "anonymous" && f.Principal == "*") || (root && f.Principal == "arn:aws:iam::"+acct+":root" && (f.Represents == "" || !mentioned[acct]))
		if !match && root && !mentioned[acct] && f.Represents != "" && f.Principal != "*" {
			a := w.Accounts[acct]
			switch {
			case a == nil:
				match = strings.HasPrefix(f.Represents, "any account outside the zone")
			case a.OU != nil && w.Organization != nil:
				match = f.Represents == "any account of OU "+a.OU.ID+" that the policies do not name"
			default:
				match = f.Represents == "any account of the world outside the organization that the policies do not name"
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
	for _, a := range w.Accounts {
		if r := a.Resources[record]; r != nil && r.Policy != nil {
			texts = append(texts, string(r.Policy.JSON))
		}
		for _, ro := range a.Roles {
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
	return out, strings.Join(texts, "\n")
}
