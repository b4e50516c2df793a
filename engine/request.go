package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/iamgate/iamgate/arn"
)

// ResourcePolicyKind says what the resource policy of a request is. The kind
// matters because role trust policies and KMS key policies must allow a
// request themselves, even within one account.
type ResourcePolicyKind uint8

const (
	// KindAuto infers the kind: a trust policy for sts:AssumeRole* (and
	// sts:TagSession, sts:SetSourceIdentity, sts:SetContext) on a role, a key
	// policy for a KMS key ARN, a generic resource policy otherwise.
	KindAuto ResourcePolicyKind = iota
	KindGeneric
	KindTrust
	KindKey
)

var resourceKindNames = [...]string{"auto", "resource", "trust", "key"}

func (k ResourcePolicyKind) String() string { return resourceKindNames[k] }

// Policies holds every policy that applies to a request.
type Policies struct {
	Identity            []*Policy
	Resource            *Policy
	PermissionsBoundary *Policy
	// Session holds the session policies (inline and managed) of a role or
	// federated-user session; their union limits the session. For the
	// account root user they are a privileged root session's task policy
	// (STS AssumeRoot), which only denies: the root user holds every
	// permission of its account, and AWS's task policies scope it by
	// denying everything but the task (the IAM User Guide, "Perform a
	// privileged task on an AWS Organizations member account").
	Session []*Policy
	// SCP and RCP hold one list per level, from the organization root down to
	// the account. nil means none apply; an empty level allows nothing.
	SCP      [][]*Policy
	RCP      [][]*Policy
	Endpoint *Policy
}

// Request is one request to decide.
type Request struct {
	// Principal is the caller (see ParsePrincipal).
	Principal string
	Action    string
	Resource  string
	// ResourceAccount is needed only when the resource ARN carries no
	// account (S3); otherwise it is taken from the ARN. When neither gives
	// one, the resource is taken to be in the principal's account.
	ResourceAccount string
	// Context maps condition keys (any case) to values.
	Context map[string][]string
	// Time fills aws:CurrentTime and aws:EpochTime when the context lacks them.
	Time time.Time
	// ManagementAccount, when set, names the organization's management
	// account, whose principals SCPs and whose resources RCPs do not restrict.
	ManagementAccount  string
	ResourcePolicyKind ResourcePolicyKind
	Policies           Policies
}

// Prepared is a request ready for evaluation: the principal parsed, keys
// lower-cased and request-derived context keys filled in. It is immutable and
// safe for concurrent use.
type Prepared struct {
	Request
	principal       Principal
	action          string // lower case
	svc             string // the action's service prefix
	actionKey       packedKey
	svcKey          packedKey
	resARN          arn.ARN
	resIsARN        bool
	resourceAccount string
	sameAccount     bool
	kind            ResourcePolicyKind
	scpApplies      bool
	rcpApplies      bool
	ctx             map[string][]string
	notes           []string
	rule            awsRule
	// layered is set by PrepareWith: ctx is then the request's own context
	// as given (ctxFold when some key is not lower case), and facts holds
	// the resource's and the principal's keys, looked up after it.
	layered bool
	ctxFold bool
	facts   [2]map[string][]string
	// factFilters are the facts' KeyFilters (zero: none given).
	factFilters [2]KeyFilter
	resAcct     [1]string
	// own holds the request's own context (nown keys) when PrepareWith
	// was given at most len(own) keys, so that Lookup compares a few
	// strings instead of looking up and iterating the map.
	own  [ownInline]ctxEntry
	nown int8 // -1: ctx has more keys than own holds
	// ownASCII has bit i set when own[i].key is ASCII.
	ownASCII uint8
}

type ctxEntry struct {
	key    string // as given
	values []string
}

// ownInline is how many of a request's own context keys a Prepared made
// by PrepareWith holds inline (the server's requests give at most 7).
const ownInline = 6

// Prepare validates the request and computes everything evaluation needs.
func (r Request) Prepare() (*Prepared, error) {
	p, err := ParsePrincipal(r.Principal)
	if err != nil {
		return nil, err
	}
	q := new(Prepared)
	if err := r.prepare(q, p); err != nil {
		return nil, err
	}
	q.ctx = make(map[string][]string, len(r.Context)+12)
	for k, v := range r.Context {
		q.ctx[strings.ToLower(k)] = v
	}
	fill := func(k, v string) {
		if _, ok := q.ctx[k]; !ok && v != "" {
			q.ctx[k] = []string{v}
		}
	}
	for k, v := range p.contextKeys() {
		fill(k, v)
	}
	if q.resourceAccount != "" {
		fill("aws:resourceaccount", q.resourceAccount)
	}
	if !r.Time.IsZero() {
		fill("aws:currenttime", r.Time.UTC().Format(time.RFC3339))
		fill("aws:epochtime", strconv.FormatInt(r.Time.Unix(), 10))
	}
	return q, nil
}

// Facts are context keys known before a request is made, shared by many
// requests: those of the principal (with the keys the engine derives from
// it, PrincipalContext) and those of the resource. Keys are lower case.
// They must not be changed once used.
type Facts struct {
	// Principal is ParsePrincipal(Request.Principal).
	Principal Principal
	// PrincipalKeys and ResourceKeys are looked up after the request's own
	// context, resource keys first.
	PrincipalKeys, ResourceKeys map[string][]string
	// PrincipalFilter and ResourceFilter, when not zero, are
	// NewKeyFilter of those maps: a key the filter rules out is not
	// looked up in its map.
	PrincipalFilter, ResourceFilter KeyFilter
}

// KeyFilter is a 64-bit summary of a set of keys (a bit per key, chosen
// by its length and two of its bytes): a key whose bit is clear is not in
// the set. The zero filter rules out nothing.
type KeyFilter uint64

// NewKeyFilter returns the filter of m's keys.
func NewKeyFilter(m map[string][]string) KeyFilter {
	f := KeyFilter(1) // not zero, even for no keys
	for k := range m {
		f |= keyBit(k)
	}
	return f
}

func keyBit(k string) KeyFilter {
	h := uint(len(k))
	if len(k) > 0 {
		h = h*31 + uint(k[len(k)-1])
	}
	if len(k) > 5 {
		h = h*31 + uint(k[5])
	}
	return 1 << (h % 63) << 1 // bits 1..63; bit 0 marks a filter
}

// mayHold reports whether the set may hold k.
func (f KeyFilter) mayHold(k string) bool { return f == 0 || f&keyBit(k) != 0 }

// PrepareWith prepares a request as Prepare does, with the principal
// already parsed and the context keys known in advance given as facts
// instead of in r.Context: r.Context holds only the request's own keys
// (any case), which win over the facts. The result decides and explains
// exactly as Prepare's would for r with the facts merged into its context;
// it is built without copying the context, in one allocation.
func (r Request) PrepareWith(f *Facts) (*Prepared, error) {
	q := new(Prepared)
	if err := r.PrepareWithInto(q, f); err != nil {
		return nil, err
	}
	return q, nil
}

// PrepareWithInto is PrepareWith into q, which it overwrites whole: a
// caller deciding many requests in turn reuses one Prepared and allocates
// nothing. Nothing of q's previous request survives; what was taken from
// q before (an Explanation, a Result) stays valid.
func (r Request) PrepareWithInto(q *Prepared, f *Facts) error {
	if err := r.prepare(q, f.Principal); err != nil {
		*q = Prepared{}
		return err
	}
	q.layered = true
	q.ctx = r.Context
	if len(r.Context) > len(q.own) {
		q.nown = -1
	}
	for k, v := range r.Context {
		if hasUpper(k) {
			q.ctxFold = true
		}
		if q.nown >= 0 {
			q.own[q.nown] = ctxEntry{key: k, values: v}
			if isASCII(k) {
				q.ownASCII |= 1 << q.nown
			}
			q.nown++
		}
	}
	q.facts = [2]map[string][]string{f.ResourceKeys, f.PrincipalKeys}
	q.factFilters = [2]KeyFilter{f.ResourceFilter, f.PrincipalFilter}
	q.resAcct[0] = q.resourceAccount
	return nil
}

// PrincipalContext returns the context keys the engine derives from a
// principal (aws:userid, aws:PrincipalArn, ...; lower case), as Prepare
// fills them in when the request's context lacks them. Empty values are
// left out.
func PrincipalContext(p Principal) map[string][]string {
	out := map[string][]string{}
	for k, v := range p.contextKeys() {
		if v != "" {
			out[k] = []string{v}
		}
	}
	return out
}

// lowerIs reports whether strings.ToLower(s) == lower, without building
// it: a key given in any case is the key Prepare lower-cases it to (not
// every key it folds to: strings.EqualFold("awſ", "aws") holds, but
// "awſ" is already lower case).
func lowerIs(s, lower string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if len(lower) == 0 || lower[0] != c {
				return false
			}
			lower = lower[1:]
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		var buf [utf8.UTFMax]byte
		m := utf8.EncodeRune(buf[:], unicode.ToLower(r)) // as strings.Map writes it, invalid bytes as U+FFFD
		if len(lower) < m || lower[:m] != string(buf[:m]) {
			return false
		}
		lower = lower[m:]
	}
	return lower == ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// prepare checks the request and computes all but the context, into q
// (overwritten whole).
func (r Request) prepare(q *Prepared, p Principal) error {
	if r.Action == "" {
		return fmt.Errorf("request: action is required")
	}
	if svc, name, ok := strings.Cut(r.Action, ":"); !ok || svc == "" || name == "" {
		return fmt.Errorf("request: action %q: want service:Action", r.Action)
	}
	if r.Resource == "" {
		r.Resource = "*"
	}
	*q = Prepared{Request: r, principal: p, action: lowerAction(r.Action)}
	q.svc = service(q.action)
	q.actionKey, q.svcKey = packKey(q.action), packKey(q.svc)
	if a, err := arn.Parse(r.Resource); err == nil {
		q.resARN, q.resIsARN = a, true
	} else if r.Resource != "*" {
		return fmt.Errorf("request: resource %q is neither an ARN nor \"*\"", r.Resource)
	}
	switch {
	case r.ResourceAccount != "":
		if !arn.IsAccountID(r.ResourceAccount) {
			return fmt.Errorf("request: resourceAccount %q is not a 12-digit account ID", r.ResourceAccount)
		}
		q.resourceAccount = r.ResourceAccount
	case q.resIsARN && arn.IsAccountID(q.resARN.AccountID):
		q.resourceAccount = q.resARN.AccountID
	case p.Account != "":
		q.resourceAccount = p.Account
		if r.Resource != "*" {
			q.notes = append(q.notes, "the resource ARN names no account and resourceAccount is not set: the resource is taken to be in the principal's account "+p.Account)
		}
	}
	q.sameAccount = p.Account != "" && p.Account == q.resourceAccount

	q.kind = r.ResourcePolicyKind
	if q.kind == KindAuto {
		q.kind = KindGeneric
		switch {
		case isTrustAction(q.action) && q.resIsARN && q.resARN.Service == "iam" && strings.HasPrefix(q.resARN.Resource, "role/"):
			q.kind = KindTrust
		case q.resIsARN && q.resARN.Service == "kms" && strings.HasPrefix(q.resARN.Resource, "key/"):
			q.kind = KindKey
		}
	}

	iamPrincipal := p.Kind == AccountRoot || p.Kind == User || p.Kind == Role || p.Kind == AssumedRole || p.Kind == FederatedUser
	q.scpApplies = r.Policies.SCP != nil && iamPrincipal && !p.ServiceLinked &&
		(r.ManagementAccount == "" || p.Account != r.ManagementAccount)
	q.rcpApplies = r.Policies.RCP != nil && !p.ServiceLinked &&
		(r.ManagementAccount == "" || q.resourceAccount != r.ManagementAccount)
	if r.Policies.SCP != nil && !q.scpApplies {
		q.notes = append(q.notes, "SCPs do not apply: "+scpExemption(p, r.ManagementAccount))
	}
	if r.Policies.RCP != nil && !q.rcpApplies {
		if p.ServiceLinked {
			q.notes = append(q.notes, "RCPs do not apply to service-linked roles")
		} else {
			q.notes = append(q.notes, "RCPs do not apply to resources in the management account")
		}
	}

	q.rule = q.ruleFor()
	return nil
}

func scpExemption(p Principal, mgmt string) string {
	switch {
	case p.ServiceLinked:
		return "service-linked roles are exempt"
	case p.Account != "" && p.Account == mgmt:
		return "principals in the management account are exempt"
	}
	return "SCPs restrict only IAM users, roles and the root user of member accounts, not " + p.Kind.String() + " principals"
}

func isTrustAction(lowerAction string) bool {
	switch lowerAction {
	case "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
		"sts:tagsession", "sts:setsourceidentity", "sts:setcontext":
		return true
	}
	return false
}

// Lookup implements condition.Context over the prepared context.
func (q *Prepared) Lookup(lowerKey string) ([]string, bool) {
	if !q.layered {
		v, ok := q.ctx[lowerKey]
		return v, ok
	}
	if q.nown >= 0 {
		// The request's own keys as in the map: a key given in lower
		// case wins over one that only folds to it.
		own := q.own[:q.nown]
		for i := range own {
			if own[i].key == lowerKey {
				return own[i].values, true
			}
		}
		if q.ctxFold {
			for i := range own {
				// An ASCII key lower-cases to one of its own length.
				if q.ownASCII&(1<<i) != 0 && len(own[i].key) != len(lowerKey) {
					continue
				}
				if lowerIs(own[i].key, lowerKey) {
					return own[i].values, true
				}
			}
		}
	} else {
		if v, ok := q.ctx[lowerKey]; ok {
			return v, true
		}
		if q.ctxFold {
			for k, v := range q.ctx {
				if lowerIs(k, lowerKey) {
					return v, true
				}
			}
		}
	}
	for i, m := range q.facts {
		if !q.factFilters[i].mayHold(lowerKey) {
			continue
		}
		if v, ok := m[lowerKey]; ok {
			return v, true
		}
	}
	return q.computed(lowerKey)
}

// computed returns the keys Prepare fills from the request itself.
func (q *Prepared) computed(lowerKey string) ([]string, bool) {
	switch lowerKey {
	case "aws:resourceaccount":
		if q.resourceAccount != "" {
			return q.resAcct[:], true
		}
	case "aws:currenttime":
		if !q.Time.IsZero() {
			return []string{q.Time.UTC().Format(time.RFC3339)}, true
		}
	case "aws:epochtime":
		if !q.Time.IsZero() {
			return []string{strconv.FormatInt(q.Time.Unix(), 10)}, true
		}
	}
	return nil, false
}

// Principal returns the parsed caller.
func (q *Prepared) Principal() Principal { return q.principal }

// ResourceAccount returns the account that owns the resource.
func (q *Prepared) ResourceAccount() string { return q.resourceAccount }

// CrossAccount reports whether principal and resource are in different accounts.
func (q *Prepared) CrossAccount() bool {
	return q.principal.Account != "" && q.resourceAccount != "" && !q.sameAccount
}

// Context returns the full context used for evaluation, lower-cased keys.
// A request prepared with PrepareWith builds it on each call.
func (q *Prepared) Context() map[string][]string {
	if !q.layered {
		return q.ctx
	}
	out := map[string][]string{}
	for _, k := range []string{"aws:resourceaccount", "aws:currenttime", "aws:epochtime"} {
		if v, ok := q.computed(k); ok {
			out[k] = v
		}
	}
	for i := len(q.facts) - 1; i >= 0; i-- {
		for k, v := range q.facts[i] {
			out[k] = v
		}
	}
	for k, v := range q.ctx {
		out[strings.ToLower(k)] = v
	}
	return out
}

// Kind returns the resolved kind of the resource policy.
func (q *Prepared) Kind() ResourcePolicyKind { return q.kind }

// lowered interns the lower-case forms of actions (at most maxLowered, so
// that requests naming made-up actions cannot grow it without bound), so
// that preparing a request for a known action does not allocate. Reads
// take no lock: they look in a published map. New names go to a small map
// under a lock, merged into a new published map once it holds half as many
// as the published one, so the copying costs O(1) per name amortized (a
// copy per new name cost half a gigabyte over the catalog's 17,000
// actions).
var (
	lowered   atomic.Pointer[map[string]string]
	loweredMu sync.Mutex
	newLower  = map[string]string{} // under loweredMu
	nLowered  int                   // under loweredMu: names interned
)

const maxLowered = 4096

func lowerAction(a string) string {
	if !hasUpper(a) {
		return a
	}
	if m := lowered.Load(); m != nil {
		if l, ok := (*m)[a]; ok {
			return l
		}
	}
	loweredMu.Lock()
	defer loweredMu.Unlock()
	if l, ok := newLower[a]; ok {
		return l
	}
	l := strings.ToLower(a)
	if nLowered >= maxLowered {
		return l
	}
	nLowered++
	newLower[strings.Clone(a)] = l
	old := lowered.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if len(newLower) > n/2 {
		next := make(map[string]string, n+len(newLower))
		if old != nil {
			for k, v := range *old {
				next[k] = v
			}
		}
		for k, v := range newLower {
			next[k] = v
		}
		lowered.Store(&next)
		newLower = map[string]string{}
	}
	return l
}
