package engine

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
	"github.com/iamgate/iamgate/policy/vars"
)

// PolicyType is the role a policy plays in a request.
type PolicyType uint8

const (
	IdentityPolicy PolicyType = iota
	ResourcePolicy            // includes role trust policies and KMS key policies
	BoundaryPolicy
	SessionPolicy
	SCP
	RCP
	EndpointPolicy
)

var policyTypeNames = [...]string{"identity", "resource", "permissionsBoundary", "session", "scp", "rcp", "endpoint"}

func (t PolicyType) String() string { return policyTypeNames[t] }

// ParsePolicyType reads the names used by String.
func ParsePolicyType(s string) (PolicyType, error) {
	for i, n := range policyTypeNames {
		if strings.EqualFold(s, n) {
			return PolicyType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown policy type %q (want one of %s)", s, strings.Join(policyTypeNames[:], ", "))
}

// hasPrincipal reports whether statements of this type name principals.
func (t PolicyType) hasPrincipal() bool {
	return t == ResourcePolicy || t == RCP || t == EndpointPolicy
}

// Policy is a compiled policy. It is immutable and safe for concurrent use.
// The fields evaluation reads lead, so that deciding touches few cache
// lines of a policy that is out of cache.
type Policy struct {
	// list is the action index as one list (nil when big holds it):
	// statement indices by exact lower-case action, then by service
	// prefix (statements with wildcard actions of that service), then the
	// rest (NotAction, or wildcards in the service prefix), evaluated in
	// that order. A statement appears at most once for any one action.
	list  []indexEntry
	stmts []statement
	big   *bigIndex
	Type  PolicyType
	Name  string
	// Source is the parsed policy.
	Source *policy.Policy
	_      [40]byte // 128 bytes, so that the leading fields share a cache line
}

// bigIndex is the action index of a policy too large for a list.
type bigIndex struct {
	exact map[string][]int32
	bySvc map[string][]int32
	other []int32
}

// indexEntry is one key of a list index, with its statements and its
// key's first bytes packed beside it, so that a lookup seldom reads
// anything else (40 bytes).
type indexEntry struct {
	packed packedKey
	key    string
	kind   indexKind
	n      uint8
	ids    [maxEntryIDs]int16
}

type indexKind uint8

const (
	indexExact indexKind = iota
	indexService
	indexOther
)

// A list index holds at most maxListEntries keys of at most maxEntryIDs
// statements each.
const (
	maxListEntries = 8
	maxEntryIDs    = 3
)

// listIndex returns big as a list, if it fits in one.
func listIndex(big *bigIndex, nstmts int) ([]indexEntry, bool) {
	n := len(big.exact) + len(big.bySvc)
	if len(big.other) > 0 {
		n++
	}
	if n > maxListEntries || nstmts > 1<<15 {
		return nil, false
	}
	out := make([]indexEntry, 0, n)
	add := func(kind indexKind, key string, ids []int32) bool {
		if len(ids) > maxEntryIDs {
			return false
		}
		e := indexEntry{packed: packKey(key), key: key, kind: kind, n: uint8(len(ids))}
		for i, id := range ids {
			e.ids[i] = int16(id)
		}
		out = append(out, e)
		return true
	}
	for k, ids := range big.exact {
		if !add(indexExact, k, ids) {
			return nil, false
		}
	}
	for k, ids := range big.bySvc {
		if !add(indexService, k, ids) {
			return nil, false
		}
	}
	if len(big.other) > 0 && !add(indexOther, "", big.other) {
		return nil, false
	}
	return out, true
}

// is reports whether the entry's key is key (packed is packKey(key)).
func (e *indexEntry) is(key string, packed packedKey) bool {
	return e.packed == packed && len(e.key) == len(key) && (len(key) <= 16 || e.key[16:] == key[16:])
}

// packedKey is a key's first 16 bytes (zero-padded); the length is the
// key's own.
type packedKey [2]uint64

func packKey(s string) packedKey {
	var b [16]byte
	copy(b[:], s)
	return packedKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
}

type actionPat struct {
	text string // lower case
	wild bool
}

type resourcePat struct {
	any bool
	// form says when prefix alone decides (see resourceForm).
	form patForm
	// prefix starts every ARN the pattern matches (resourcePrefix): a
	// request's ARN without it is decided without reading pat.
	prefix string
	pat    vars.ARNPattern
	text   string
}

// patForm is how a Resource pattern's prefix decides a match.
type patForm uint8

const (
	formGeneral patForm = iota // prefix is necessary; pat decides
	formLiteral                // no wildcard or '$': the ARN is the text
	formPrefix                 // one '*', last, in the resource component: the ARN has the prefix
)

// resourceForm classifies an ARN pattern's text. Both special forms have
// no '$' (so no variable, with or without policy variables enabled) and
// are well formed (arn: and five colons, as vars.CompileARN splits them);
// the first five components are then literal, so an ARN has the prefix
// only if its components equal them, and the last component is literal or
// literal text then a '*' matching any rest.
func resourceForm(text string) patForm {
	if !strings.HasPrefix(text, "arn:") || strings.ContainsAny(text, "$?") || strings.Count(text, ":") < 5 {
		return formGeneral
	}
	switch n := strings.Count(text, "*"); {
	case n == 0:
		return formLiteral
	case n == 1 && strings.HasSuffix(text, "*") && strings.Count(text[:len(text)-1], ":") >= 5:
		return formPrefix
	}
	return formGeneral
}

// resourcePrefix is the longest prefix of an ARN pattern's text that every
// ARN it matches starts with, read up to the first wildcard; and only up
// to the start of the first component holding a '$' (anywhere in it), as
// a variable there that cannot be resolved voids the statement, so that
// component must be matched. Components are compared case-sensitively,
// split at the first five colons, as vars.ARNPattern matches them.
func resourcePrefix(text string) string {
	start, colons := 0, 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '*', '?':
			end := len(text)
			if colons < 5 {
				if j := strings.IndexByte(text[i:], ':'); j >= 0 {
					end = i + j
				}
			}
			if strings.IndexByte(text[i:end], '$') >= 0 {
				return text[:start]
			}
			return text[:i]
		case '$':
			return text[:start]
		case ':':
			if colons < 5 {
				colons++
				start = i + 1
			}
		}
	}
	return text
}

// statement is a compiled statement. The fields evaluation reads come
// first, so that deciding touches as few cache lines as it can.
type statement struct {
	effect      policy.Effect
	notAction   bool
	hasResource bool
	notResource bool
	notPrinc    bool
	// anyResource: the first of resources is "*", so Resource matches
	// every request (NotResource none) before any pattern is read.
	anyResource bool
	principals  *principalSet // nil: no Principal element
	resources   []resourcePat
	conds       []*condition.Condition
	// The first 64 bytes end here: a statement found by the exact-action
	// index reads no further.
	actions []actionPat
	index   int
	sid     string
	_       [16]byte // 128 bytes, so that statements stay aligned to cache lines
}

// Compile compiles a parsed policy for use as the given type. It rejects
// elements that do not belong in that type: a Principal in an identity
// policy, boundary, session policy or SCP, and a missing Principal in a
// resource-based policy, RCP or endpoint policy.
func Compile(p *policy.Policy, typ PolicyType, name string) (*Policy, error) {
	if p == nil {
		return nil, fmt.Errorf("compile %s: nil policy", name)
	}
	cp := &Policy{Name: name, Type: typ, Source: p, big: &bigIndex{exact: map[string][]int32{}, bySvc: map[string][]int32{}}}
	var errs policy.Errors
	useVars := p.VariablesEnabled()
	for _, s := range p.Statements {
		hasP := s.Principal != nil || s.NotPrincipal != nil
		if hasP && !typ.hasPrincipal() {
			var pos policy.Position
			if s.Principal != nil {
				pos = s.Principal.Pos
			} else {
				pos = s.NotPrincipal.Pos
			}
			errs = append(errs, &policy.Error{File: p.File, Pos: pos, Path: s.Path, Msg: fmt.Sprintf("a %s policy cannot have a Principal or NotPrincipal element", typ)})
			continue
		}
		if !hasP && typ.hasPrincipal() {
			errs = append(errs, &policy.Error{File: p.File, Pos: s.Pos, Path: s.Path, Msg: fmt.Sprintf("a %s policy statement needs a Principal or NotPrincipal element", typ)})
			continue
		}
		cs := statement{index: s.Index, sid: s.Sid, effect: s.Effect}
		list := s.Action
		if s.NotAction != nil {
			cs.notAction, list = true, s.NotAction
		}
		if list != nil {
			for _, v := range list.Values {
				t := strings.ToLower(v.Text)
				cs.actions = append(cs.actions, actionPat{text: t, wild: strings.ContainsAny(t, "*?")})
			}
		}
		rlist := s.Resource
		if s.NotResource != nil {
			cs.notResource, rlist = true, s.NotResource
		}
		if rlist != nil {
			cs.hasResource = true
			for _, v := range rlist.Values {
				if v.Text == "*" {
					cs.resources = append(cs.resources, resourcePat{any: true, text: v.Text})
					continue
				}
				cs.resources = append(cs.resources, resourcePat{form: resourceForm(v.Text), prefix: resourcePrefix(v.Text), pat: vars.CompileARN(v.Text, useVars), text: v.Text})
			}
			cs.anyResource = len(cs.resources) > 0 && cs.resources[0].any
		}
		if s.Principal != nil {
			cs.principals = compilePrincipals(s.Principal)
		} else if s.NotPrincipal != nil {
			cs.principals, cs.notPrinc = compilePrincipals(s.NotPrincipal), true
		}
		for _, c := range s.Conditions {
			cs.conds = append(cs.conds, condition.Compile(c.Operator, c.Key, c.Texts(), useVars))
		}
		cp.index(int32(len(cp.stmts)), &cs)
		cp.stmts = append(cp.stmts, cs)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if l, ok := listIndex(cp.big, len(cp.stmts)); ok {
		cp.list, cp.big = l, nil
	}
	return cp, nil
}

// MustCompile parses and compiles policy text, panicking on error. It is for
// tests and examples.
func MustCompile(typ PolicyType, name, text string) *Policy {
	p, err := policy.Parse(name, []byte(text))
	if err != nil {
		panic(err)
	}
	cp, err := Compile(p, typ, name)
	if err != nil {
		panic(err)
	}
	return cp
}

func (cp *Policy) index(i int32, s *statement) {
	if s.notAction {
		cp.big.other = append(cp.big.other, i)
		return
	}
	wildSvc := map[string]bool{}
	for _, a := range s.actions {
		svc, _, ok := strings.Cut(a.text, ":")
		if !ok || strings.ContainsAny(svc, "*?") {
			cp.big.other = append(cp.big.other, i)
			return
		}
		if a.wild {
			wildSvc[svc] = true
		}
	}
	for svc := range wildSvc {
		cp.big.bySvc[svc] = append(cp.big.bySvc[svc], i)
	}
	seen := map[string]bool{}
	for _, a := range s.actions {
		svc, _, _ := strings.Cut(a.text, ":")
		if a.wild || wildSvc[svc] || seen[a.text] {
			continue
		}
		seen[a.text] = true
		cp.big.exact[a.text] = append(cp.big.exact[a.text], i)
	}
}

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any       bool
	accounts  []string
	entries   []principalEntry
	services  []string
	federated []string
	canonical []string
}

type entryKind uint8

const (
	entryUser entryKind = iota
	entryRole
	entrySession
	entryFederatedUser
	entryOther // unique IDs and other ARNs: compared as text
)

type principalEntry struct {
	kind    entryKind
	account string
	name    string // user/role name, or "role/session" for sessions
	text    string
}

func compilePrincipals(p *policy.Principal) *principalSet {
	ps := &principalSet{any: p.Wildcard}
	for _, v := range p.AWS {
		s := v.Text
		switch {
		case s == "*":
			ps.any = true
		case arn.IsAccountID(s):
			ps.accounts = append(ps.accounts, s)
		default:
			a, err := arn.Parse(s)
			if err != nil {
				ps.entries = append(ps.entries, principalEntry{kind: entryOther, text: s})
				continue
			}
			e := principalEntry{account: a.AccountID, text: s}
			switch {
			case a.Service == "iam" && a.Resource == "root":
				ps.accounts = append(ps.accounts, a.AccountID)
				continue
			case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
				e.kind, e.name = entryUser, a.Resource
			case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
				e.kind, e.name = entryRole, lastSegment(a.Resource)
			case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
				e.kind, e.name = entrySession, a.Resource[len("assumed-role/"):]
			case a.Service == "sts" && strings.HasPrefix(a.Resource, "federated-user/"):
				e.kind, e.name = entryFederatedUser, a.Resource[len("federated-user/"):]
			default:
				e.kind = entryOther
			}
			ps.entries = append(ps.entries, e)
		}
	}
	for _, v := range p.Service {
		if v.Text == "*" {
			ps.any = true
		}
		ps.services = append(ps.services, strings.ToLower(v.Text))
	}
	for _, v := range p.Federated {
		ps.federated = append(ps.federated, v.Text)
	}
	for _, v := range p.CanonicalUser {
		ps.canonical = append(ps.canonical, v.Text)
	}
	return ps
}
