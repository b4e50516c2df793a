package console

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
	"github.com/iamgate/iamgate/world"
)

// --- trust ---

// The trust page draws who can assume whom: the accounts as nodes, an edge
// from the account (or service) of a principal to the account of a role it
// may assume, decided by the engine through the analysis package:
//   - principals of the accounts the page covers: analysis.WhoCan of
//     sts:AssumeRole on each role (both sides: the caller's identity
//     policies, boundary, SCPs; the role's trust policy, RCPs);
//   - principals outside them: analysis.External on the roles' trust
//     policies (the resource's side alone, the outside principal's own
//     side taken to allow, as Access Analyzer does), so that the page
//     tells nothing of another account's policies;
//   - escalation: the sts:AssumeRole steps of the escalation paths
//     (package escalation) of the covered accounts' users and roles.
//
// Each edge carries its condition, the analysis's allowed-if (sts:ExternalId,
// aws:MultiFactorAuthPresent, aws:SourceIp, ...), evaluated, not read from
// the policy text.

// trustEdge is one principal that may assume one role.
type trustEdge struct {
	Principal string // a user or role ARN, an account's root ARN, a service, "*"
	From      string // its node: an account ID, a service principal, "*"
	Role      string // the role's ARN
	RoleName  string
	To        string // the role's account
	// AllowedIf lists the alternatives of the condition, each its
	// conjuncts joined by "and"; empty when unconditional.
	AllowedIf  []string
	ExternalID bool // every alternative needs sts:ExternalId
	MFA        bool // every alternative needs MFA
	Outside    bool // the principal is outside the accounts the page covers: decided on the trust policy's side
	Escalation bool // an escalation path takes this edge
	Unknown    string
	// text is what the filter looks in, in lower case: the principal,
	// the role, the accounts' IDs and names.
	text string
}

// Conditions is the edge's condition as one line.
func (e trustEdge) Conditions() string {
	alts := e.AllowedIf
	if e.Unknown != "" {
		alts = append(alts[:len(alts):len(alts)], "unknown ("+e.Unknown+")")
	}
	if len(alts) == 0 {
		return "always"
	}
	return strings.Join(alts, " or ")
}

// trustGraph is the edges into the roles of the accounts one view covers,
// in one world.
type trustGraph struct {
	Accounts []string // covered
	Roles    int
	Edges    []trustEdge // sorted by role, then principal
	Names    map[string]string
	// How long each part of the build took: who-can, external access,
	// the escalation search.
	WhoCan, External, Escalation time.Duration
	// Escalated: the escalation marks are in (the build's second stage).
	Escalated bool
	// world is the world the graph was built from (weak: a graph kept
	// does not keep its world), At its time (the request that started
	// the build).
	world weak.Pointer[world.World]
	At    time.Time
}

// of tells whether the graph is the world's.
func (g *trustGraph) of(w *world.World) bool { return g.world == weak.Make(w) }

// trustPair is the aggregate of the edges from one node to one account.
type trustPair struct {
	From, To                               string
	Count, ExternalID, MFA, Escalation     int
	Conditional, Unknown                   int
	X1, Y1, X2, Y2, LX, LY, Width, Opacity string
}

type trustNode struct {
	ID, Name string
	Covered  bool
	X, Y     string
	LX, LY   string
}

type trustData struct {
	Account      string
	Organization bool
	Accounts     int
	Filter       string
	From, To     string
	Roles        int
	Total        int
	Pairs        []trustPair
	PairsShown   int
	Nodes        []trustNode
	Size         int
	Edges        []trustEdge
	// A page of the edges listed: from Start, Shown of Listed, More
	// after it; the links to the next and the previous page.
	Start, Shown, Listed, More int
	NextURL, PrevURL           string
	PairsAll                   int // the pairs matching, PairsShown of them drawn
	Error                      string
	// Computing: no graph yet, one is being built; Known is the accounts
	// it will cover (KnownMore not listed).
	Computing bool
	Known     []trustNode
	KnownMore int
	// Stale: the graph shown is of an older world (computed at At), the
	// current world's is being built; Escalating: the graph is the
	// current world's, its escalation marks not yet in; Building: a
	// build is under way.
	Stale, Escalating, Building bool
	At                          string
}

// trustShown caps the role-level edges a page lists (the next ones a link
// away) and the account pairs a filtered or drilled-down page draws,
// trustPairsDrawn the account pairs the whole graph's page draws and
// lists; aggregation and the filter tell the rest.
const (
	trustShown      = 100
	trustPairsDrawn = 1000
)

// trustGraphs keeps, for each view (the accounts it covers), the last
// graph built and builds the next one in the background: a page never
// waits for a build. A world is immutable, every change makes another, so
// a graph is one world's: built from that world and its index alone, and
// replaced whole. A view has one build at a time; a newer world cancels
// the older world's build (through its context) when the view has a whole
// graph to show meanwhile, else lets it end first; trustBuilds bounds the
// builds of all views together. The build has two stages: the edges
// (who-can, external access), published as soon as they are decided, then
// the escalation search, whose marks come in a new graph when it ends.
type trustGraphs struct {
	mu    sync.Mutex
	index *trustIndex
	views map[string]*trustView
	slots chan struct{}
	// running counts the builds under way (wait, for tests); a build
	// waits for hold, when not nil, between its stages (tests).
	running sync.WaitGroup
	hold    func()
}

// trustBuilds bounds the builds running at once, all views together (each
// uses one worker per CPU for its who-can stage).
const trustBuilds = 2

// trustIndex is the analysis index of one world, built once, shared by the
// views' builds of that world.
type trustIndex struct {
	w    *world.World
	once sync.Once
	x    *analysis.Index
}

func (ix *trustIndex) get() *analysis.Index {
	ix.once.Do(func() { ix.x = analysis.NewIndex(ix.w) })
	return ix.x
}

// trustView is one view's graphs.
type trustView struct {
	g        *trustGraph  // the last graph published; nil before the first
	building *world.World // the world being built, nil when none
	cancel   context.CancelFunc
	// err is the failure of the build of world failed.
	err    error
	failed weak.Pointer[world.World]
}

// trustState is what graph answers: the graph to show (nil when none is
// built yet), whether a build is under way, the last build's failure.
type trustState struct {
	g        *trustGraph
	building bool
	err      error
}

// graph returns the last graph of the accounts and starts the build of w's
// when w's is not complete and not under way, cancelling an older world's
// when the view has a whole graph to show meanwhile. at is the request's
// time, the graph's aws:CurrentTime.
func (tg *trustGraphs) graph(w *world.World, accounts []string, at time.Time) trustState {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if tg.views == nil {
		tg.views, tg.slots = map[string]*trustView{}, make(chan struct{}, trustBuilds)
	}
	k := strings.Join(accounts, ",")
	v := tg.views[k]
	if v == nil {
		v = &trustView{}
		tg.views[k] = v
	}
	switch {
	case v.g != nil && v.g.of(w) && v.g.Escalated:
		return trustState{g: v.g}
	case v.failed == weak.Make(w):
		return trustState{g: v.g, err: v.err}
	case v.building != nil && v.building != w && (v.g == nil || !v.g.Escalated):
		// An older world's build, and no whole graph to show meanwhile:
		// it ends first (were it cancelled at every change, a world
		// changing faster than a build would never have a graph); the
		// next request starts w's.
	case v.building != w:
		if v.cancel != nil {
			v.cancel()
		}
		if tg.index == nil || tg.index.w != w {
			tg.index = &trustIndex{w: w}
		}
		ctx, cancel := context.WithCancel(context.Background())
		v.building, v.cancel = w, cancel
		tg.running.Add(1)
		go tg.build(ctx, v, tg.index, slices.Clone(accounts), at, tg.hold)
	}
	return trustState{g: v.g, building: true}
}

// build builds w's graph of the view, publishing the edges, then the
// graph with the escalation marks; a build a newer world superseded
// publishes nothing.
func (tg *trustGraphs) build(ctx context.Context, v *trustView, ix *trustIndex, accounts []string, at time.Time, hold func()) {
	defer tg.running.Done()
	var g *trustGraph
	err := ctx.Err()
	select {
	case tg.slots <- struct{}{}:
		defer func() { <-tg.slots }()
		if g, err = buildTrustEdges(ctx, ix.w, ix.get(), accounts, at); err == nil {
			tg.publish(v, ix.w, g, nil, false)
			if hold != nil {
				hold()
			}
			g, err = g.escalate(ctx, ix.get())
		}
	case <-ctx.Done():
	}
	tg.publish(v, ix.w, g, err, true)
}

// publish makes g the view's graph and records err, when w is still the
// world the view builds; last ends the build.
func (tg *trustGraphs) publish(v *trustView, w *world.World, g *trustGraph, err error, last bool) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if v.building != w {
		return // superseded: a newer world's build runs
	}
	if err != nil {
		v.err, v.failed = err, weak.Make(w)
	} else if g != nil {
		v.g = g
	}
	if last {
		v.cancel()
		v.building, v.cancel = nil, nil
	}
}

// wait returns when no build is under way (tests).
func (tg *trustGraphs) wait() { tg.running.Wait() }

// trustScope is the accounts the signed-in user's view covers: its own
// account; the whole organization for a user of the management account
// allowed organizations:ListAccounts (who may list the organization's
// accounts sees their roles' trust, as an organization's Access Analyzer
// in the management account does: iamgate's choice, in the README).
func (c *Console) trustScope(v *view, w *world.World) ([]string, bool) {
	mine := v.s.Account
	o := w.Organization
	if o == nil || o.ManagementAccount != mine || c.authorizeRead(v, "organizations", "ListAccounts", "organizations:ListAccounts", "*") != nil {
		return []string{mine}, false
	}
	var out []string
	for id, a := range w.Accounts.Map() {
		if id == mine || a.OU != nil {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, true
}

// trust shows the trust graph of the signed-in account (or organization):
// account pairs drawn as inline SVG and listed in a table; ?from=&to=
// lists one pair's role-level edges; ?q= filters on the server. It is
// authorized as it always was, iam:ListRoles as the signed-in user (one
// call, the API's own authorization and audit record).
func (c *Console) trust(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Trust", "trust"
	var raw rawResult
	if f := c.iamCall(v.ctx, v.a, "ListRoles", url.Values{"MaxItems": {"1"}}, &raw); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	q := v.request.URL.Query()
	d := trustData{Account: v.s.Account, Filter: strings.TrimSpace(q.Get("q")), From: q.Get("from"), To: q.Get("to")}
	wd := c.cfg.State.World()
	accounts, org := c.trustScope(v, wd)
	d.Organization, d.Accounts = org, len(accounts)
	st := c.graphs.graph(wd, accounts, c.now())
	if st.err != nil {
		d.Error = "The analysis failed: " + st.err.Error()
	}
	g := st.g
	switch {
	case g == nil && st.building:
		// No graph yet: the accounts it will cover (names from the world,
		// cheap), and the note.
		d.Computing = true
		for _, id := range accounts[:min(len(accounts), trustShown)] {
			name := ""
			if a := wd.Accounts.Get(id); a != nil {
				name = a.Name
			}
			d.Known = append(d.Known, trustNode{ID: id, Name: name})
		}
		d.KnownMore = len(accounts) - len(d.Known)
	case g == nil:
		g = &trustGraph{}
	}
	if g != nil {
		d.Stale, d.Building = g.At != (time.Time{}) && !g.of(wd), st.building
		d.Escalating = !g.Escalated && g.At != (time.Time{}) && st.err == nil
		d.At = g.At.UTC().Format(time.RFC3339)
		d.Start = trustStart(q.Get("start"))
		d.Roles = g.Roles
		d.fill(g)
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "trust", v.page)
}

// trustStart is the ?start= of a page of edges: a non-negative number,
// 0 otherwise.
func trustStart(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// fill aggregates the graph's edges that match the filter into account
// pairs, lays them out, and lists the drill-down's edges.
func (d *trustData) fill(g *trustGraph) {
	pairs := map[[2]string]*trustPair{}
	drill := d.From != "" || d.To != ""
	q := strings.ToLower(d.Filter)
	for i := range g.Edges {
		e := &g.Edges[i]
		if !e.match(q) {
			continue
		}
		d.Total++
		k := [2]string{e.From, e.To}
		p := pairs[k]
		if p == nil {
			p = &trustPair{From: e.From, To: e.To}
			pairs[k] = p
		}
		p.Count++
		p.ExternalID += b2i(e.ExternalID)
		p.MFA += b2i(e.MFA)
		p.Escalation += b2i(e.Escalation)
		p.Conditional += b2i(len(e.AllowedIf) > 0)
		p.Unknown += b2i(e.Unknown != "")
		if drill && (d.From == "" || d.From == e.From) && (d.To == "" || d.To == e.To) || !drill && d.Filter != "" {
			if d.Listed >= d.Start && len(d.Edges) < trustShown {
				d.Edges = append(d.Edges, *e)
			}
			d.Listed++
		}
	}
	d.Shown = len(d.Edges)
	d.More = max(d.Listed-d.Start-d.Shown, 0)
	if d.More > 0 {
		d.NextURL = d.pageURL(d.Start + d.Shown)
	}
	if d.Start > 0 {
		d.PrevURL = d.pageURL(max(d.Start-trustShown, 0))
	}
	for _, p := range pairs {
		d.Pairs = append(d.Pairs, *p)
	}
	sort.Slice(d.Pairs, func(i, j int) bool {
		a, b := d.Pairs[i], d.Pairs[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	// A filtered view draws and lists fewer pairs: its page stays small.
	drawn := trustPairsDrawn
	if drill || d.Filter != "" {
		drawn = trustShown
	}
	d.PairsAll = len(d.Pairs)
	if len(d.Pairs) > drawn {
		d.Pairs = d.Pairs[:drawn]
	}
	d.PairsShown = len(d.Pairs)
	d.layout(g)
}

// layout places the pairs' nodes on a circle, in ID order (a deterministic
// layout: the same graph draws the same picture), and the pairs' lines
// between them, their width growing with the log of the count.
func (d *trustData) layout(g *trustGraph) {
	covered := map[string]bool{}
	for _, a := range g.Accounts {
		covered[a] = true
	}
	ids := map[string]bool{}
	for _, p := range d.Pairs {
		ids[p.From], ids[p.To] = true, true
	}
	order := make([]string, 0, len(ids))
	for id := range ids {
		order = append(order, id)
	}
	sort.Strings(order)
	n := len(order)
	r := 160.0 + 4*float64(n)
	if r > 900 {
		r = 900
	}
	margin := 110.0
	d.Size = int(2 * (r + margin))
	c := r + margin
	at := map[string][2]float64{}
	for i, id := range order {
		t := 2*math.Pi*float64(i)/float64(max(n, 1)) - math.Pi/2
		x, y := c+r*math.Cos(t), c+r*math.Sin(t)
		at[id] = [2]float64{x, y}
		lx, ly := c+(r+24)*math.Cos(t), c+(r+24)*math.Sin(t)
		name := id
		if nm := g.Names[id]; nm != "" {
			name = id + " (" + nm + ")"
		}
		d.Nodes = append(d.Nodes, trustNode{ID: id, Name: name, Covered: covered[id], X: f1(x), Y: f1(y), LX: f1(lx), LY: f1(ly)})
	}
	most := 1
	for _, p := range d.Pairs {
		most = max(most, p.Count)
	}
	for i := range d.Pairs {
		p := &d.Pairs[i]
		a, b := at[p.From], at[p.To]
		if p.From == p.To {
			// A loop: a short spoke outward from the node.
			dx, dy := a[0]-c, a[1]-c
			l := math.Max(math.Hypot(dx, dy), 1)
			b = [2]float64{a[0] + 30*dx/l, a[1] + 30*dy/l}
		} else {
			// From the edge of one node's circle to the other's.
			dx, dy := b[0]-a[0], b[1]-a[1]
			l := math.Max(math.Hypot(dx, dy), 1)
			a = [2]float64{a[0] + 8*dx/l, a[1] + 8*dy/l}
			b = [2]float64{b[0] - 9*dx/l, b[1] - 9*dy/l}
		}
		p.X1, p.Y1, p.X2, p.Y2 = f1(a[0]), f1(a[1]), f1(b[0]), f1(b[1])
		p.LX, p.LY = f1((a[0]+2*b[0])/3), f1((a[1]+2*b[1])/3)
		w := 1 + 5*math.Log1p(float64(p.Count))/math.Log1p(float64(most))
		p.Width = f1(w)
		p.Opacity = f1(0.35 + 0.6*math.Log1p(float64(p.Count))/math.Log1p(float64(most)))
	}
}

// pageURL is the link to the page of edges from start of the same view.
func (d *trustData) pageURL(start int) string {
	v := url.Values{"q": {d.Filter}}
	if d.From != "" {
		v.Set("from", d.From)
	}
	if d.To != "" {
		v.Set("to", d.To)
	}
	if start > 0 {
		v.Set("start", strconv.Itoa(start))
	}
	return Path + "trust?" + v.Encode()
}

func f1(x float64) string { return fmt.Sprintf("%.1f", x) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// match tells whether the edge answers the filter: "externalid", "mfa",
// "escalation", "conditional" and "outside" pick the edges so marked;
// anything else is looked for (any case) in the principal, the role, and
// the accounts' IDs and names. l is the filter in lower case (the edge's
// text is kept so).
func (e *trustEdge) match(l string) bool {
	if l == "" {
		return true
	}
	switch l {
	case "externalid":
		return e.ExternalID
	case "mfa":
		return e.MFA
	case "escalation":
		return e.Escalation
	case "conditional":
		return len(e.AllowedIf) > 0
	case "outside":
		return e.Outside
	}
	return strings.Contains(e.text, l)
}

// buildTrustGraph builds the whole graph of the accounts: the edges, then
// the escalation marks.
func buildTrustGraph(w *world.World, x *analysis.Index, accounts []string, at time.Time) (*trustGraph, error) {
	g, err := buildTrustEdges(context.Background(), w, x, accounts, at)
	if err != nil {
		return nil, err
	}
	return g.escalate(context.Background(), x)
}

// buildTrustEdges decides every edge into the roles of the accounts (one
// worker per CPU, the roles being independent), without the escalation
// marks; it stops when ctx is done.
func buildTrustEdges(ctx context.Context, w *world.World, x *analysis.Index, accounts []string, at time.Time) (*trustGraph, error) {
	g := &trustGraph{Accounts: accounts, Names: map[string]string{}, world: weak.Make(w), At: at}
	covered := map[string]bool{}
	for id, a := range w.Accounts.Map() {
		if a.Name != "" {
			g.Names[id] = a.Name
		}
	}
	var roles []string
	for _, id := range accounts {
		covered[id] = true
		a := w.Accounts.Get(id)
		if a == nil {
			continue
		}
		for _, ro := range a.Roles.Map() {
			roles = append(roles, ro.ARN())
		}
	}
	sort.Strings(roles)
	g.Roles = len(roles)
	start := time.Now()
	inside := make([][]trustEdge, len(roles))
	errs := make([]error, len(roles))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(roles), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(roles) {
					return
				}
				if errs[i] = ctx.Err(); errs[i] == nil {
					inside[i], errs[i] = insideEdges(x, roles[i], covered, at)
				}
				if errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range roles {
		if errs[i] != nil {
			return nil, errs[i]
		}
		g.Edges = append(g.Edges, inside[i]...)
	}
	g.WhoCan, start = time.Since(start), time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	outside, err := outsideEdges(x, accounts, covered, at)
	if err != nil {
		return nil, err
	}
	g.Edges = append(g.Edges, outside...)
	g.External = time.Since(start)
	for i := range g.Edges {
		e := &g.Edges[i]
		e.text = strings.ToLower(strings.Join([]string{e.Principal, e.Role, e.From, e.To, g.Names[e.From], g.Names[e.To]}, "\x00"))
	}
	sort.SliceStable(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		return a.Principal < b.Principal
	})
	return g, ctx.Err()
}

// escalate returns a copy of the graph with the edges the escalation
// search takes marked (the graph itself, maybe on a page, is unchanged).
// The search is not interruptible: ctx is looked at before and after.
func (g *trustGraph) escalate(ctx context.Context, x *analysis.Index) (*trustGraph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	esc, err := escalationEdges(x, g.Accounts, g.At)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := *g
	out.Edges = slices.Clone(g.Edges)
	for i := range out.Edges {
		e := &out.Edges[i]
		e.Escalation = esc[[2]string{e.Principal, e.Role}]
	}
	out.Escalation, out.Escalated = time.Since(start), true
	return &out, nil
}

// insideEdges are the principals of the covered accounts, and the
// services, that the engine lets assume the role (who-can, both sides).
func insideEdges(x *analysis.Index, role string, covered map[string]bool, at time.Time) ([]trustEdge, error) {
	as, err := x.WhoCan(analysis.WhoCanQuery{Actions: []string{"sts:AssumeRole"}, Resource: role, Time: at})
	if err != nil {
		return nil, err
	}
	var out []trustEdge
	// A principal has one edge: who-can reports an access it cannot decide
	// beside the conditional one of the same principal (one more
	// alternative).
	index := map[string]int{}
	for _, a := range as {
		from := accountOf(a.Principal)
		if from == "" && a.Principal == "*" || from != "" && !covered[from] {
			continue // outsideEdges decides it on the trust policy's side
		}
		if from == "" {
			from = a.Principal // a service
		}
		i, ok := index[a.Principal]
		if !ok {
			i = len(out)
			index[a.Principal] = i
			out = append(out, newTrustEdge(a.Principal, from, role))
		}
		switch e := &out[i]; {
		case a.Decision == analysis.DecisionUnknown:
			e.Unknown = a.Construct
		case len(a.Steps) > 0:
			e.setCondition(a.Steps[len(a.Steps)-1].AllowedIf)
		}
	}
	return out, nil
}

// outsideEdges are the principals outside the covered accounts that the
// roles' trust policies let in: External over the accounts' roles, the
// zone being the account (or the organization, when the whole of it is
// covered).
func outsideEdges(x *analysis.Index, accounts []string, covered map[string]bool, at time.Time) ([]trustEdge, error) {
	q := analysis.ExternalQuery{Zone: analysis.ZoneOrganization, Time: at, NoEvaldocCheck: true}
	if len(accounts) == 1 {
		q.Zone, q.Account = analysis.ZoneAccount, accounts[0]
	}
	fs, err := x.External(q)
	if err != nil {
		return nil, err
	}
	var out []trustEdge
	for _, f := range fs {
		to := accountOf(f.Resource)
		if !covered[to] || !strings.Contains(f.Resource, ":role/") || f.Kind != analysis.FindingUnknown && !slices.Contains(f.Actions, "sts:AssumeRole") {
			continue
		}
		from := accountOf(f.Principal)
		if from == "" {
			if f.Principal != "*" {
				continue // a service: insideEdges decides it
			}
			from = "*"
		}
		e := newTrustEdge(f.Principal, from, f.Resource)
		e.Outside = true
		if f.Kind == analysis.FindingUnknown {
			e.Unknown = f.Construct
		} else {
			e.setCondition(f.AllowedIf)
		}
		out = append(out, e)
	}
	return out, nil
}

// escalationEdges are the (principal, role) sts:AssumeRole steps of the
// escalation paths from the accounts' users and roles, decided in the
// world as it is (a step after a technique rewrote the trust policy is
// not an edge of the graph).
func escalationEdges(x *analysis.Index, accounts []string, at time.Time) (map[[2]string]bool, error) {
	o := escalation.Options{Time: at}
	if len(accounts) == 1 {
		o.Account = accounts[0]
	}
	res, err := escalation.Search(x, o)
	if err != nil {
		return nil, err
	}
	out := map[[2]string]bool{}
	for _, p := range res.Paths {
		for _, s := range p.Steps {
			if s.Change == nil && strings.EqualFold(s.Action, "sts:AssumeRole") {
				out[[2]string{s.Principal, s.Resource}] = true
			}
		}
	}
	return out, nil
}

func newTrustEdge(principal, from, role string) trustEdge {
	name := role
	if i := strings.LastIndex(role, "/"); i >= 0 {
		name = role[i+1:]
	}
	return trustEdge{Principal: principal, From: from, Role: role, RoleName: name, To: accountOf(role)}
}

// setCondition records the edge's allowed-if, and whether every
// alternative needs an external ID or MFA.
func (e *trustEdge) setCondition(f analysis.Formula) {
	if f.Always() {
		return
	}
	e.ExternalID, e.MFA = len(f) > 0, len(f) > 0
	for _, conj := range f {
		var parts []string
		ext, mfa := false, false
		for _, cj := range conj {
			parts = append(parts, cj.String())
			switch strings.ToLower(cj.Key) {
			case "sts:externalid":
				ext = true
			case "aws:multifactorauthpresent", "aws:multifactorauthage":
				mfa = true
			}
		}
		e.ExternalID, e.MFA = e.ExternalID && ext, e.MFA && mfa
		e.AllowedIf = append(e.AllowedIf, strings.Join(parts, " and "))
	}
}
