package escalation

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// AdministratorAccess is the AWS managed policy the attach techniques
// attach.
const AdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

// Admin is what Path.Gains says when the gained identity is an
// administrator (see IsAdmin).
const Admin = "admin"

// Limits of IAM the techniques count (the IAM User Guide, "IAM and AWS STS
// quotas"): access keys per user, versions per managed policy.
const (
	MaxAccessKeys     = 2
	MaxPolicyVersions = 5
)

// Options tune a search.
type Options struct {
	// Principal limits the search to paths from one user or role (ARN).
	Principal string
	// Account, when not empty, limits the search to paths from the users
	// and roles of that account.
	Account string
	// MaxDepth bounds the techniques of a path (default 4).
	MaxDepth int
	// Techniques replaces the built-in ones.
	Techniques []*Technique
	// Context holds keys known for every request; Time is aws:CurrentTime.
	Context map[string][]string
	Time    time.Time
	// Region is the region of the resources techniques create (us-east-1).
	Region string
	// Catalog lists the actions IsAdmin decides (catalog.Default()).
	Catalog *catalog.Catalog
	// NoClasses decides every action on "*" by itself instead of once per
	// class of actions the same statements match (for tests).
	NoClasses bool
	// NoIndex tries every technique of every user and role on every
	// target instead of those the index admits (for tests).
	NoIndex bool
}

// Step is one request of a path, decided by the engine.
type Step struct {
	Technique string `json:"technique"`
	// Principal is the identity making the request: the path's principal,
	// or an identity gained by an earlier technique.
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// Decided is the engine's step: its AllowedIf and witnesses.
	Decided *analysis.Step `json:"-"`
	// Change is what the step was decided with beyond the world (the
	// target role's trust policy as a technique rewrote it), nil when none.
	Change analysis.Change `json:"-"`
	// Context holds the keys the technique gives (iam:PassedToService).
	Context map[string][]string `json:"context,omitempty"`
}

// Path is one way a principal gains an identity.
type Path struct {
	Principal string `json:"principal"`
	// Gains is "admin" when the identity gained is allowed every action on
	// "*" (IsAdmin), otherwise the ARN of the identity gained: another user
	// or role, or the principal itself with a policy it gave itself (when
	// that makes it stronger, but a boundary or SCP caps it).
	Gains string `json:"gains"`
	// Identity is the ARN of the identity gained; Grant what it holds
	// beyond the world ("" when nothing).
	Identity string  `json:"identity"`
	Grant    string  `json:"grant,omitempty"`
	Steps    []*Step `json:"steps"`
	// AllowedIf: alternatives of the steps' conditions, each labelled by
	// the step it is on; empty when every step is allowed whatever the
	// unknown keys.
	AllowedIf [][]analysis.ChainConjunct `json:"allowedIf"`
	// Witnesses: per alternative, the unknown keys' values per step that
	// the engine allowed.
	Witnesses [][]map[string][]string `json:"witnesses,omitempty"`
}

// Unknown is a technique step the analysis could not decide exactly.
type Unknown struct {
	Principal string `json:"principal"`
	Technique string `json:"technique"`
	Target    string `json:"target"`
	Construct string `json:"construct"`
}

// Result is a search's answer.
type Result struct {
	Paths   []*Path    `json:"paths"`
	Unknown []*Unknown `json:"unknown,omitempty"`
}

// identity is a user or role, as the world has it or with a grant.
type identity struct {
	arn   string
	grant *grant
}

func (id identity) key() string {
	if id.grant == nil {
		return id.arn
	}
	return id.arn + "\x00" + id.grant.label
}

// grant is what an identity holds beyond the world: identity policies
// added, and one removed (a policy's default version replaced).
type grant struct {
	label string
	add   []*engine.Policy
	drop  *policy.Policy
}

func (g *grant) change() analysis.Change {
	if g == nil {
		return nil
	}
	return func(r *engine.Request) {
		ids := make([]*engine.Policy, 0, len(r.Policies.Identity)+len(g.add))
		for _, p := range r.Policies.Identity {
			if g.drop == nil || p.Source != g.drop {
				ids = append(ids, p)
			}
		}
		r.Policies.Identity = append(ids, g.add...)
	}
}

// target is one thing a technique acts on.
type target struct {
	arn     string // the target's ARN (a policy's for a policyVersion)
	version string // a policyVersion's ID
	role    string // the role it runs as, or that it is (role techniques)
	account string
}

func (t target) String() string {
	if t.version != "" {
		return t.arn + " " + t.version
	}
	return t.arn
}

// edge is a technique a principal can use on a target, decided.
type edge struct {
	t      *Technique
	target target
	steps  []*Step
	gained identity
}

// Searcher finds escalation paths in one world. It may be used for one
// search at a time.
type Searcher struct {
	x       *analysis.Index
	w       *world.World
	d       *analysis.Decider
	opt     Options
	cat     *catalog.Catalog
	actions []string // every catalog action, lower case
	tech    []*Technique
	// cands: principal -> the (technique, target) pairs whose first step
	// it can be allowed at all.
	cands   map[string][]candidate
	edges   map[string][]*edge
	unknown []*Unknown
	callers map[string]*world.Caller
	trusts  map[string]bool
	grants  map[string]*grant

	// What identities are allowed on "*" (admin.go): the catalog action
	// set each distinct Action/NotAction list applies to, the partitions
	// of the catalog those sets make, and per identity its classes'
	// decisions.
	svcIdx       map[string][]int32 // service prefix -> its actions' indexes
	noPermission int                // index of sts:getcalleridentity (-1: not in the catalog)
	sentinels    []int
	stmtSet      map[*policy.Statement]int
	setByKey     map[string]int
	sets         []actionSet
	partitions   map[string]*partition
	stars        map[identity]*star
	admin        map[identity]bool
}

type candidate struct {
	t      *Technique
	target target
}

// NewSearcher prepares a search of the index's world.
func NewSearcher(x *analysis.Index, opt Options) (*Searcher, error) {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 4
	}
	if opt.Region == "" {
		opt.Region = "us-east-1"
	}
	tech := opt.Techniques
	if tech == nil {
		var err error
		if tech, err = Techniques(); err != nil {
			return nil, err
		}
	}
	cat := opt.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	s := &Searcher{x: x, w: x.World(), opt: opt, cat: cat, tech: tech, d: analysis.NewDecider(x.World(), opt.Context, opt.Time),
		edges: map[string][]*edge{}, callers: map[string]*world.Caller{},
		trusts: map[string]bool{}, grants: map[string]*grant{},
		svcIdx: map[string][]int32{}, noPermission: -1, stmtSet: map[*policy.Statement]int{}, setByKey: map[string]int{},
		partitions: map[string]*partition{}, stars: map[identity]*star{}, admin: map[identity]bool{}}
	index := map[string]int{}
	for _, sv := range cat.Services {
		for _, a := range sv.Actions {
			n := strings.ToLower(a.FullName())
			if _, dup := index[n]; dup {
				continue
			}
			index[n] = len(s.actions)
			pre, _, _ := strings.Cut(n, ":")
			s.svcIdx[pre] = append(s.svcIdx[pre], int32(len(s.actions)))
			s.actions = append(s.actions, n)
		}
	}
	if i, ok := index[noPermission]; ok {
		s.noPermission = i
	}
	for _, a := range sentinels {
		if i, ok := index[a]; ok {
			s.sentinels = append(s.sentinels, i)
		}
	}
	if err := s.candidates(); err != nil {
		return nil, err
	}
	return s, nil
}

// Search finds every path of at most MaxDepth techniques by which a user
// or role gains admin, or an identity allowed some action on "*" it is not
// (see the README), sorted by principal, then what is gained.
func Search(x *analysis.Index, opt Options) (*Result, error) {
	s, err := NewSearcher(x, opt)
	if err != nil {
		return nil, err
	}
	return s.Search()
}

// Search runs the search.
func (s *Searcher) Search() (*Result, error) {
	var starts []string
	if s.opt.Principal != "" {
		if s.w.RoleByARN(s.opt.Principal) == nil && s.userByARN(s.opt.Principal) == nil {
			return nil, fmt.Errorf("%s: %w", s.opt.Principal, ErrNoPrincipal)
		}
		starts = []string{s.opt.Principal}
	} else {
		for p := range s.cands {
			if s.opt.Account == "" || accountOf(p) == s.opt.Account {
				starts = append(starts, p)
			}
		}
		sort.Strings(starts)
	}
	res := &Result{Paths: []*Path{}}
	for _, p := range starts {
		paths, err := s.from(p)
		if err != nil {
			return nil, err
		}
		res.Paths = append(res.Paths, paths...)
	}
	res.Unknown = s.unknown
	sort.SliceStable(res.Unknown, func(i, j int) bool {
		a, b := res.Unknown[i], res.Unknown[j]
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if a.Technique != b.Technique {
			return a.Technique < b.Technique
		}
		return a.Target < b.Target
	})
	return res, nil
}

// ErrNoPrincipal: the principal is not a user or role of the world.
var ErrNoPrincipal = errors.New("not a user or role of the world")

type hop struct {
	id    identity
	steps []*Step
	depth int
}

// from searches, breadth first over the identities gained, the paths of
// one principal: each identity is reported once, by its shortest path.
func (s *Searcher) from(p string) ([]*Path, error) {
	self := identity{arn: p}
	isAdmin, err := s.isAdmin(self)
	if err != nil {
		return nil, err
	}
	if isAdmin {
		return nil, nil // nothing is stronger
	}
	var out []*Path
	visited := map[string]bool{p: true}
	reported := map[string]bool{}
	queue := []hop{{id: self}}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if h.depth >= s.opt.MaxDepth {
			continue
		}
		es, err := s.edgesOf(h.id.arn)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			g := e.gained
			if g.arn == p && g.grant == nil {
				continue
			}
			k := g.key()
			steps := append(append([]*Step(nil), h.steps...), e.steps...)
			if !reported[k] {
				reported[k] = true
				path, err := s.report(p, g, steps)
				if err != nil {
					return nil, err
				}
				if path != nil {
					out = append(out, path)
				}
			}
			if g.grant == nil && !visited[g.arn] {
				visited[g.arn] = true
				// An administrator gains nothing more.
				if adm, err := s.isAdmin(g); err != nil || adm {
					if err != nil {
						return nil, err
					}
					continue
				}
				queue = append(queue, hop{id: g, steps: steps, depth: h.depth + 1})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Gains != out[j].Gains {
			return out[i].Gains == Admin || (out[j].Gains != Admin && out[i].Gains < out[j].Gains)
		}
		return len(out[i].Steps) < len(out[j].Steps)
	})
	return out, nil
}

// report builds the path to g when g is an escalation of p: admin, or
// allowed on "*" some action p is not.
func (s *Searcher) report(p string, g identity, steps []*Step) (*Path, error) {
	adm, err := s.isAdmin(g)
	if err != nil {
		return nil, err
	}
	path := &Path{Principal: p, Gains: g.arn, Identity: g.arn, Steps: steps}
	if g.grant != nil {
		path.Grant = g.grant.label
	}
	if adm {
		path.Gains = Admin
	} else {
		stronger, err := s.stronger(g, identity{arn: p})
		if err != nil {
			return nil, err
		}
		if !stronger {
			return nil, nil
		}
	}
	as := make([]*analysis.Step, len(steps))
	for i, st := range steps {
		as[i] = st.Decided
	}
	f, wits, err := (&analysis.Access{Steps: as}).Formula()
	if err != nil {
		return nil, err
	}
	if len(f) == 1 && len(f[0]) == 0 {
		f = [][]analysis.ChainConjunct{}
	}
	path.AllowedIf, path.Witnesses = f, wits
	return path, nil
}

func (s *Searcher) caller(p string) (*world.Caller, error) {
	if c, ok := s.callers[p]; ok {
		return c, nil
	}
	c, err := s.w.Caller(p)
	if err != nil {
		return nil, err
	}
	s.callers[p] = c
	return c, nil
}

func (s *Searcher) userByARN(a string) *world.User {
	pa, err := arn.Parse(a)
	if err != nil || pa.Service != "iam" || !strings.HasPrefix(pa.Resource, "user/") {
		return nil
	}
	acct := s.w.Accounts.Get(pa.AccountID)
	if acct == nil {
		return nil
	}
	u := acct.Users.Get(pa.Resource[strings.LastIndexByte(pa.Resource, '/')+1:])
	if u == nil || u.ARN() != a {
		return nil
	}
	return u
}

func accountOf(a string) string {
	pa, err := arn.Parse(a)
	if err != nil {
		return ""
	}
	return pa.AccountID
}
