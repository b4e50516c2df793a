package analysis

import (
	"sort"
	"strings"
	"sync"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// entity is an IAM user or role of the world, as a candidate principal.
type entity struct {
	arn     string
	account string
	role    *world.Role // nil for a user
	user    *world.User
	// actions are the Action patterns (lower case) of the Allow statements
	// of its identity policies (a user's groups' included); notAction says
	// one of them is a NotAction statement, which admits nearly anything.
	actions   []string
	notAction bool
	// resources are the Resource patterns of those Allow statements.
	resources []string
	// stmts are those Allow statements, for mayAllow.
	stmts []idStmt
	// i is its position in Index.entities.
	i int
}

// idStmt is what an identity Allow statement can match: lower-case Action
// patterns (any action for a NotAction), and Resource patterns (any
// resource for a NotResource or a pattern with a policy variable).
type idStmt struct {
	actions     []string
	anyAction   bool
	resources   []string
	anyResource bool
}

// mayAllow reports whether an identity Allow statement of the entity can
// match the action on the resource (conditions, denies, boundaries and the
// rest only restrict; resources are matched ignoring case).
func (e *entity) mayAllow(action, resource string) bool {
	if strings.EqualFold(action, noPermissionAction) {
		return true
	}
	for _, s := range e.stmts {
		if !s.anyAction && !anyActionMatch(s.actions, action) {
			continue
		}
		if s.anyResource {
			return true
		}
		for _, r := range s.resources {
			if r == "*" || wildcard.MatchFold(r, resource) {
				return true
			}
		}
	}
	return false
}

// Index lists a world's principals and, by action, which of them have an
// identity policy that can allow it at all. Permissions boundaries, session
// policies, SCPs and RCPs only restrict, so a user or role is allowed an
// action only when an Allow statement of its identity policies or of the
// resource's policy matches the action: the index keeps the first, and a
// query adds the principals the resource's policy names. It holds no
// decisions; the engine makes them.
type Index struct {
	w        *world.World
	entities []*entity          // sorted by ARN
	byARN    map[string]*entity // user and role ARNs
	byAcct   map[string][]*entity
	// exact: lower-case action -> entities; bySvc: service prefix ->
	// entities with a wildcard pattern in that service; other: entities with
	// a pattern whose service is a wildcard, or a NotAction statement.
	exact map[string][]int
	bySvc map[string][]int
	other []int
	arns  []string // worldARNs, once listed
	// arnAccount is the account of each of those ARNs; arnsBySvc lists
	// them by the service of the ARN (s3, iam, ...).
	arnAccount map[string]string
	arnsBySvc  map[string][]string
	// byRoleKey finds a role by "role:ACCOUNT:NAME" (a trust policy may
	// name a role by an ARN without its path).
	byRoleKey map[string]int
	// formats caches, by resource type pattern, the world's ARNs of the
	// type (ofFormat); mu guards it, as an Index may answer queries
	// concurrently.
	mu      sync.Mutex
	formats map[string]*typedARNs
	// idCands caches identityCandidates by lower-case action (under mu):
	// it depends on the action alone, and a search asks it for one action
	// on many resources.
	idCands map[string][]int
	// services are the service principals any resource or trust policy of
	// the world names, sorted.
	services []string
}

// NewIndex reads the world's users, roles and their identity policies.
func NewIndex(w *world.World) *Index {
	x := &Index{w: w, formats: map[string]*typedARNs{}, idCands: map[string][]int{}, byARN: map[string]*entity{}, byAcct: map[string][]*entity{}, exact: map[string][]int{}, bySvc: map[string][]int{}}
	svc := map[string]bool{}
	noteServices := func(d *world.Document) {
		if d == nil || d.Policy() == nil {
			return
		}
		for _, s := range d.Policy().Statements {
			if s.Principal != nil {
				for _, v := range s.Principal.Service {
					svc[v.Text] = true
				}
			}
		}
	}
	for _, id := range sortedKeys(w.Accounts.Map()) {
		a := w.Accounts.Get(id)
		for _, n := range sortedKeys(a.Users.Map()) {
			u := a.Users.Get(n)
			e := &entity{arn: u.ARN(), account: id, user: u}
			x.addDocs(e, u.Inline, u.Managed)
			for _, g := range u.Groups {
				if grp := a.Groups.Get(g); grp != nil {
					x.addDocs(e, grp.Inline, grp.Managed)
				}
			}
			x.entities = append(x.entities, e)
		}
		for _, n := range sortedKeys(a.Roles.Map()) {
			r := a.Roles.Get(n)
			e := &entity{arn: r.ARN(), account: id, role: r}
			x.addDocs(e, r.Inline, r.Managed)
			x.entities = append(x.entities, e)
			noteServices(r.Trust)
		}
		for _, ra := range sortedKeys(a.Resources.Map()) {
			noteServices(a.Resources.Get(ra).Policy)
		}
	}
	sort.Slice(x.entities, func(i, j int) bool { return x.entities[i].arn < x.entities[j].arn })
	x.byRoleKey = map[string]int{}
	for i, e := range x.entities {
		e.i = i
		x.byARN[e.arn] = e
		x.byAcct[e.account] = append(x.byAcct[e.account], e)
		if e.role != nil {
			x.byRoleKey["role:"+e.account+":"+e.role.Name] = i
		}
		if e.notAction {
			x.other = append(x.other, i)
			continue
		}
		seen := map[string]bool{}
		for _, p := range e.actions {
			service, _, _ := strings.Cut(p, ":")
			var key string
			switch {
			case p == "*" || wildcard.HasWildcard(service) || !strings.Contains(p, ":"):
				key = "\x00other"
			case wildcard.HasWildcard(p):
				key = "\x00svc:" + service
			default:
				key = p
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			switch {
			case key == "\x00other":
				x.other = append(x.other, i)
			case strings.HasPrefix(key, "\x00svc:"):
				x.bySvc[service] = append(x.bySvc[service], i)
			default:
				x.exact[key] = append(x.exact[key], i)
			}
		}
	}
	for s := range svc {
		x.services = append(x.services, s)
	}
	sort.Strings(x.services)
	x.worldARNs()
	return x
}

func (x *Index) addDocs(e *entity, inline []world.InlinePolicy, managed []string) {
	add := func(d *world.Document) {
		if d == nil || d.Policy() == nil {
			return
		}
		for _, s := range d.Policy().Statements {
			if s.Effect != policy.Allow {
				continue
			}
			st := idStmt{resources: s.Resource.Texts(), anyResource: s.NotResource != nil}
			for _, r := range st.resources {
				if strings.Contains(r, "${") {
					st.anyResource = true
				}
			}
			if s.NotAction != nil {
				e.notAction = true
				e.resources = append(e.resources, s.Resource.Texts()...)
				st.anyAction = true
				e.stmts = append(e.stmts, st)
				continue
			}
			for _, t := range s.Action.Texts() {
				e.actions = append(e.actions, strings.ToLower(t))
				st.actions = append(st.actions, strings.ToLower(t))
			}
			e.resources = append(e.resources, s.Resource.Texts()...)
			e.stmts = append(e.stmts, st)
		}
	}
	for _, p := range inline {
		add(p.Document)
	}
	for _, ref := range managed {
		if mp, ok := x.w.ManagedPolicy(ref); ok {
			add(mp.Default())
		}
	}
}

// noPermissionAction needs no permission: the engine allows it to every
// authenticated caller, whatever the policies say.
const noPermissionAction = "sts:getcalleridentity"

// identityCandidates returns the entities (indices) an identity Allow
// statement of which matches action (computed once per action; the slice
// is shared, not to be changed).
func (x *Index) identityCandidates(action string) []int {
	la := strings.ToLower(action)
	x.mu.Lock()
	out, ok := x.idCands[la]
	x.mu.Unlock()
	if ok {
		return out
	}
	out = x.matchIdentityCandidates(la)
	x.mu.Lock()
	x.idCands[la] = out
	x.mu.Unlock()
	return out
}

func (x *Index) matchIdentityCandidates(la string) []int {
	if la == noPermissionAction {
		out := make([]int, len(x.entities))
		for i := range out {
			out[i] = i
		}
		return out
	}
	service, _, _ := strings.Cut(la, ":")
	out := append([]int(nil), x.exact[la]...)
	for _, i := range x.bySvc[service] {
		if anyActionMatch(x.entities[i].actions, la) {
			out = append(out, i)
		}
	}
	for _, i := range x.other {
		if e := x.entities[i]; e.notAction || anyActionMatch(e.actions, la) {
			out = append(out, i)
		}
	}
	return out
}

// named is what the Principal elements of a resource (trust, key) policy
// name: accounts (IDs), user and role ARNs, services, and whether anyone
// ("*", or a NotPrincipal) is named.
type named struct {
	accounts map[string]bool
	arns     map[string]bool
	services map[string]bool
	anyone   bool
}

// principalsOf reads the Principal elements of a policy's statements; with
// allowOnly, only of Allow statements whose action matches action.
func principalsOf(p *policy.Policy, action string, allowOnly bool) *named {
	n := &named{accounts: map[string]bool{}, arns: map[string]bool{}, services: map[string]bool{}}
	if p == nil {
		return n
	}
	for _, s := range p.Statements {
		if allowOnly && (s.Effect != policy.Allow || !statementMatchesAction(s, action)) {
			continue
		}
		if s.NotPrincipal != nil {
			if allowOnly {
				n.anyone = true
			}
			continue
		}
		n.add(s.Principal)
	}
	return n
}

// principalsOfStatement reads one statement's Principal element (a
// NotPrincipal names anyone).
func principalsOfStatement(s *policy.Statement) *named {
	n := &named{accounts: map[string]bool{}, arns: map[string]bool{}, services: map[string]bool{}}
	if s.NotPrincipal != nil {
		n.anyone = true
	}
	n.add(s.Principal)
	return n
}

func (n *named) add(pr *policy.Principal) {
	if pr == nil {
		return
	}
	if pr.Wildcard {
		n.anyone = true
	}
	for _, v := range pr.Service {
		n.services[v.Text] = true
	}
	for _, v := range pr.AWS {
		t := v.Text
		switch {
		case t == "*":
			n.anyone = true
		case len(t) == 12 && isDigits(t):
			n.accounts[t] = true
		default:
			a, err := arn.Parse(t)
			if err != nil {
				continue
			}
			switch {
			case a.Resource == "root":
				n.accounts[a.AccountID] = true
			case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
				role, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
				n.arns["role:"+a.AccountID+":"+role] = true
			case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
				n.arns["role:"+a.AccountID+":"+a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]] = true
			default:
				n.arns[t] = true
			}
		}
	}
}

// entities lists the entities (indices, in ARN order) that n admits:
// those of the accounts it names, those it names by ARN, every one when it
// names anyone. It visits only those, not the whole world.
func (x *Index) namedEntities(n *named) []int {
	if n.anyone {
		out := make([]int, len(x.entities))
		for i := range out {
			out[i] = i
		}
		return out
	}
	seen := map[int]bool{}
	var out []int
	add := func(i int) {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	for a := range n.accounts {
		for _, e := range x.byAcct[a] {
			add(e.i)
		}
	}
	for a := range n.arns {
		if e, ok := x.byARN[a]; ok {
			add(e.i)
		} else if i, ok := x.byRoleKey[a]; ok {
			add(i)
		}
	}
	sort.Ints(out)
	return out
}

// admitsPrincipal reports whether a principal (an entity, a root ARN or a
// service) is named.
func (n *named) admitsPrincipal(principal string, e *entity) bool {
	if e != nil {
		return n.admits(e)
	}
	if n.anyone || n.services[principal] || n.arns[principal] {
		return true
	}
	if a, err := arn.Parse(principal); err == nil && a.Resource == "root" {
		return n.accounts[a.AccountID]
	}
	return false
}

// namesItself reports whether the entity is named by its own ARN (or a
// role's ARN without its path, or anyone), not only through its account.
func (n *named) namesItself(e *entity) bool {
	return n.anyone || n.arns[e.arn] || (e.role != nil && n.arns["role:"+e.account+":"+e.role.Name])
}

// admits reports whether an entity is named (by ARN, account or anyone).
func (n *named) admits(e *entity) bool {
	if n.anyone || n.accounts[e.account] || n.arns[e.arn] {
		return true
	}
	return e.role != nil && n.arns["role:"+e.account+":"+e.role.Name]
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
