package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/world"
)

// What the findings page's sections are authorized as, as the signed-in
// user. iamgate's API serves neither Access Analyzer's findings nor an
// escalation search, so each is authorized as the AWS action that reads
// the same thing (iamgate's choice, in the README):
//   - external access: access-analyzer:ListFindings on the account's
//     external access analyzer,
//     arn:aws:access-analyzer:us-east-1:ACCOUNT:analyzer/iamgate (the
//     Access Analyzer API reference, ListFindings: it lists an analyzer's
//     findings, named by its ARN);
//   - unused access: access-analyzer:ListFindings on the account's unused
//     access analyzer, .../analyzer/iamgate-unused (ListFindingsV2, which
//     lists an unused access analyzer's findings, uses the action
//     access-analyzer:ListFindings too: the API reference, ListFindingsV2);
//   - escalation paths: iam:GetAccountAuthorizationDetails on "*", the one
//     IAM read that returns every user, group, role and policy with its
//     documents, which the search reads.
const (
	findingsAction           = "access-analyzer:ListFindings"
	findingsEscalationAction = "iam:GetAccountAuthorizationDetails"
	externalAnalyzer         = "iamgate"
	unusedAnalyzer           = "iamgate-unused"
)

// unusedDays is the period whose activity the unused access section reads
// (iamgate's choice: AWS's tracking period is the analyzer's setting, 1 to
// 365 days, and its documentation's example is 90 days).
const unusedDays = 90

// findingsShown caps the findings and paths a section lists; the counts
// tell the rest, and the filter narrows them.
const findingsShown = 100

// witnessReq is a request the analysis found allowed, as the simulator's
// form takes it.
type witnessReq struct {
	Principal, Action, Resource, Context string
	// Side is "resource" when the principal's own side is taken to allow
	// everything (an external principal: only the resource's side is the
	// account's to decide).
	Side string
}

// Link is the simulator's URL prefilled with the request.
func (r witnessReq) Link() template.URL {
	u := url.Values{"principal": {r.Principal}, "action": {r.Action}, "resource": {r.Resource}}
	if r.Context != "" {
		u.Set("context", r.Context)
	}
	if r.Side != "" {
		u.Set("side", r.Side)
	}
	return template.URL(Path + "simulator?" + u.Encode()) // url.Values.Encode escapes every value
}

type externalRow struct {
	Kind, Resource, Principal, Represents string
	Actions                               []string
	AllowedIf                             string
	Construct                             string
	Witness                               *witnessReq
}

type escalationStep struct {
	Technique string
	Witness   witnessReq
	// Changed: the step was decided with a change an earlier step makes
	// (a trust policy rewritten), which the simulator, deciding the world
	// as it is, does not see.
	Changed bool
}

type escalationRow struct {
	Principal, Gains, Grant string
	Steps                   []escalationStep
	AllowedIf               []string
}

type externalSection struct {
	section
	Rows         []externalRow
	Shown, Total int
}

type escalationSection struct {
	section
	Rows         []escalationRow
	Shown, Total int
	Unknown      int
}

type unusedRow struct {
	ARN, Kind, LastUsed  string
	Unused               bool
	Granted, UnusedCount int
	UnusedServices       []string
	UnusedKeys           []string
}

type unusedSection struct {
	section
	// Events is how many actions the account's users and roles were
	// logged using in the period (each counted once an entity); with none
	// there is nothing to tell used from unused, and the section says so.
	Events       int
	Days         int
	Rows         []unusedRow
	Shown, Total int
}

type findingsData struct {
	Account    string
	Filter     string
	Error      string
	External   externalSection
	Escalation escalationSection
	Unused     unusedSection
}

// findings shows what the analysis finds in the signed-in account:
// principals outside the account that its resource and trust policies let
// in (analysis.External, the account as the zone of trust), and the
// escalation paths of its users and roles (package escalation), each with
// the request that witnesses it and a link into the simulator. Each
// section is authorized on its own; when both are denied the page is
// AccessDenied.
func (c *Console) findings(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Findings", "findings"
	mine := v.a.caller.Account.ID
	d := findingsData{Account: mine, Filter: strings.TrimSpace(v.request.URL.Query().Get("q"))}
	d.External.Failure = c.authorizeRead(v, "access-analyzer", "ListFindings", findingsAction, analyzerARN(mine, externalAnalyzer))
	d.Escalation.Failure = c.authorizeRead(v, "iam", "GetAccountAuthorizationDetails", findingsEscalationAction, "*")
	d.Unused.Failure = c.authorizeRead(v, "access-analyzer", "ListFindingsV2", findingsAction, analyzerARN(mine, unusedAnalyzer))
	if d.External.Failure != nil && d.Escalation.Failure != nil && d.Unused.Failure != nil {
		c.fail(w, v.request, v.page, d.External.Failure)
		return
	}
	wd := c.cfg.State.World()
	x := analysis.NewIndex(wd)
	if d.External.Failure == nil {
		fs, err := x.External(analysis.ExternalQuery{Zone: analysis.ZoneAccount, Account: mine, Time: c.now(), NoEvaldocCheck: true})
		if err != nil {
			d.Error = "The external access analysis failed: " + err.Error()
		}
		for _, f := range fs {
			row := externalRow{Kind: f.Kind, Resource: f.Resource, Principal: f.Principal, Represents: f.Represents, Actions: f.Actions,
				AllowedIf: strings.TrimSpace(f.AllowedIf.Text()), Construct: f.Construct}
			if !match(d.Filter, row.Resource, row.Principal, row.Kind) {
				continue
			}
			d.External.Total++
			if len(d.External.Rows) >= findingsShown {
				continue
			}
			if f.Witness != nil {
				wr := witnessReq{Principal: f.Witness.Principal, Action: f.Witness.Action, Resource: f.Witness.Resource, Side: "resource"}
				wr.Context = contextLines(c.beyondDerived(wd, wr, rawContext(f.Witness.Context)))
				row.Witness = &wr
			}
			d.External.Rows = append(d.External.Rows, row)
		}
		d.External.Shown = len(d.External.Rows)
	}
	if d.Escalation.Failure == nil {
		res, err := escalation.Search(x, escalation.Options{Account: mine, Time: c.now()})
		if err != nil {
			d.Error = "The escalation search failed: " + err.Error()
			res = &escalation.Result{}
		}
		for _, u := range res.Unknown {
			if accountOf(u.Principal) == mine {
				d.Escalation.Unknown++
			}
		}
		for _, p := range res.Paths {
			if accountOf(p.Principal) != mine || !match(d.Filter, p.Principal, p.Gains, p.Identity) {
				continue
			}
			d.Escalation.Total++
			if len(d.Escalation.Rows) >= findingsShown {
				continue
			}
			d.Escalation.Rows = append(d.Escalation.Rows, escalationOf(p))
		}
		d.Escalation.Shown = len(d.Escalation.Rows)
	}
	if d.Unused.Failure == nil {
		if err := c.unused(v, wd, &d); err != nil {
			d.Error = "The unused access analysis failed: " + err.Error()
		}
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "findings", v.page)
}

// unused fills the unused access section from the audit log of the last
// unusedDays days (activity.Unused): the account's users and roles with
// no logged call, and the services they are granted and did not use.
func (c *Console) unused(v *view, wd *world.World, d *findingsData) error {
	now := c.now()
	since := now.Add(-unusedDays * 24 * time.Hour)
	a := activity.New()
	if err := a.ReadStore(v.ctx, c.cfg.Store, "", since, now, "*"); err != nil {
		return err
	}
	d.Unused.Days = unusedDays
	mine := d.Account
	for k, u := range a.Entities {
		if strings.HasPrefix(k, mine+"/") && u != nil {
			d.Unused.Events += len(u.Actions)
		}
	}
	if d.Unused.Events == 0 {
		return nil
	}
	r, err := activity.Unused(activity.UnusedQuery{World: wd, Activity: a, Since: since, Until: now, Now: now, Ctx: v.ctx, Account: mine,
		Observability: activity.Observability{CloudTrail: a.Sources[audit.SourceCloudTrail]}})
	if err != nil {
		return err
	}
	for _, p := range r.Principals {
		row := unusedRow{ARN: p.ARN, Kind: p.Kind, Unused: p.Unused, Granted: p.Granted, UnusedCount: len(p.UnusedActions), UnusedServices: p.UnusedServices}
		if p.LastUsed != nil {
			row.LastUsed = p.LastUsed.Format(time.RFC3339)
		}
		for _, k := range p.AccessKeys {
			if k.Unused {
				row.UnusedKeys = append(row.UnusedKeys, k.ID)
			}
		}
		if !row.Unused && row.UnusedCount == 0 && len(row.UnusedKeys) == 0 || !match(d.Filter, row.ARN) {
			continue
		}
		d.Unused.Total++
		if len(d.Unused.Rows) < findingsShown {
			d.Unused.Rows = append(d.Unused.Rows, row)
		}
	}
	d.Unused.Shown = len(d.Unused.Rows)
	return nil
}

// analyzerARN is the ARN of an analyzer of the account.
func analyzerARN(account, name string) string {
	return fmt.Sprintf("arn:aws:access-analyzer:%s:%s:analyzer/%s", region, account, name)
}

// authorizeRead authorizes a read the API does not serve as one action on
// one resource, recorded in the audit log as the operation op of service.
func (c *Console) authorizeRead(v *view, service, op, action, resource string) *failure {
	call, rec := c.newCall(v.ctx, v.a, op)
	return c.record(v.ctx, v.a, call, rec, service, op, call.Authorize(action, resource, nil))
}

func escalationOf(p *escalation.Path) escalationRow {
	row := escalationRow{Principal: p.Principal, Gains: p.Gains, Grant: p.Grant}
	for _, alt := range p.AllowedIf {
		var parts []string
		for _, cj := range alt {
			parts = append(parts, fmt.Sprintf("step %d: %s", cj.Step+1, cj.Conjunct))
		}
		row.AllowedIf = append(row.AllowedIf, strings.Join(parts, " and "))
	}
	for i, s := range p.Steps {
		ctx := map[string][]string{}
		for k, vals := range s.Context {
			ctx[k] = vals
		}
		if len(p.Witnesses) > 0 && i < len(p.Witnesses[0]) {
			for k, vals := range p.Witnesses[0][i] {
				ctx[k] = vals
			}
		}
		row.Steps = append(row.Steps, escalationStep{Technique: s.Technique, Changed: s.Change != nil,
			Witness: witnessReq{Principal: s.Principal, Action: s.Action, Resource: s.Resource, Context: contextLines(ctx)}})
	}
	return row
}

// beyondDerived is the context of an external access witness without the
// keys the world derives for the same resource-side question
// (aws:PrincipalArn, aws:CurrentTime, ...): what the simulator's form needs
// to be given.
func (c *Console) beyondDerived(wd *world.World, r witnessReq, ctx map[string][]string) map[string][]string {
	p, err := outsideCaller(wd, r.Principal)
	if err != nil {
		return ctx
	}
	req, err := wd.Gather(world.Request{Caller: p, Action: r.Action, Resource: r.Resource, Time: c.now()})
	if err != nil {
		return ctx
	}
	q, err := req.Prepare()
	if err != nil {
		return ctx
	}
	derived := q.Context()
	out := map[string][]string{}
	for k, vals := range ctx {
		if _, ok := derived[strings.ToLower(k)]; !ok {
			out[k] = vals
		}
	}
	return out
}

// match tells whether any of the fields holds the filter (any case).
func match(q string, fields ...string) bool {
	if q == "" {
		return true
	}
	l := strings.ToLower(q)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), l) {
			return true
		}
	}
	return false
}

// accountOf is the account of a user's or role's ARN.
func accountOf(a string) string {
	if parts := strings.SplitN(a, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}

// rawContext reads an eval document's context values (a string, a list of
// strings, or another JSON value, written as its text).
func rawContext(in map[string]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	for k, raw := range in {
		out[k] = strings1(raw)
		if out[k] == nil {
			out[k] = []string{string(raw)}
		}
	}
	return out
}

// strings1 reads a string or a list of strings.
func strings1(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	return many
}

// contextLines writes context keys as the simulator's form takes them:
// "key=value", one a line, sorted.
func contextLines(ctx map[string][]string) string {
	var lines []string
	for _, k := range sortedKeys(ctx) {
		for _, val := range ctx[k] {
			lines = append(lines, k+"="+val)
		}
	}
	return strings.Join(lines, "\n")
}

// allowedIfRow is one alternative of the simulator's allowed-if: the
// conditions, and the request with values that satisfy them.
type allowedIfRow struct {
	Conditions []string
	Witness    witnessReq
}

type allowedIfData struct {
	Rows    []allowedIfRow
	Unknown []string
	Never   bool
	// Error is why the analysis gave no answer (UNKNOWN: the construct).
	Error string
}

// allowedIfOf tells when a request the engine did not allow would be:
// analysis.AllowedIf over the context keys its policies mention that it
// does not give.
func allowedIfOf(res *analysis.Result, err error, form simForm) *allowedIfData {
	out := &allowedIfData{}
	if res != nil {
		out.Unknown = res.Unknown
	}
	if err != nil {
		var u *analysis.UnknownError
		if errors.As(err, &u) {
			out.Error = "The analysis cannot decide when this request would be allowed (UNKNOWN: " + u.Construct + ")."
		} else {
			out.Error = "The analysis failed: " + err.Error()
		}
		return out
	}
	if res.AllowedIf.Never() {
		out.Never = true
		return out
	}
	base, _ := parseContext(form.Context)
	for i, conj := range res.AllowedIf {
		row := allowedIfRow{}
		for _, cj := range conj {
			row.Conditions = append(row.Conditions, cj.String())
		}
		ctx := map[string][]string{}
		for k, vals := range base {
			ctx[k] = vals
		}
		if i < len(res.Witnesses) {
			for k, vals := range res.Witnesses[i] {
				ctx[k] = vals
			}
		}
		row.Witness = witnessReq{Principal: form.Principal, Action: form.Action, Resource: form.Resource, Context: contextLines(ctx), Side: form.Side}
		out.Rows = append(out.Rows, row)
	}
	sort.SliceStable(out.Rows, func(i, j int) bool { return len(out.Rows[i].Conditions) < len(out.Rows[j].Conditions) })
	return out
}
