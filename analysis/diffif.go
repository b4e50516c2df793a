package analysis

import (
	"strings"

	"github.com/iamgate/iamgate/engine"
)

// mapContext is a condition.Context over lower-case keys.
type mapContext map[string][]string

func (m mapContext) Lookup(k string) ([]string, bool) { v, ok := m[k]; return v, ok }

// diffSide is one request of a difference: the same principal, action and
// resource in one world, with the keys unknown to it removed (base).
type diffSide struct {
	q, base *engine.Prepared
	unknown map[string]bool // lower case
}

// allows decides the side on a completion, reading only its own unknown
// keys: a key the world derives on this side keeps the world's value.
func (s *diffSide) allows(set map[string][]string) bool {
	own := make(map[string][]string, len(set))
	for k, v := range set {
		if s.unknown[k] {
			own[k] = v
		}
	}
	return engine.Authorize(s.base.WithContext(own, nil)).Decision == engine.Allowed
}

func newDiffSide(q *engine.Prepared, unknown []string) *diffSide {
	s := &diffSide{q: q, unknown: map[string]bool{}}
	var remove []string
	for _, k := range unknown {
		lk := strings.ToLower(k)
		s.unknown[lk] = true
		remove = append(remove, lk)
	}
	s.base = q.WithContext(nil, remove)
	return s
}

// allowedIfDiff computes, as AllowedIf does for one request, exactly when
// after allows the request and before does not: the value space of the
// keys unknown to either side is split by the atoms of both sides'
// conditions, and the engine decides both requests on every combination
// of regions. A key unknown on one side only is read by that side only
// (the other keeps the value its world derives). Result.Decision is the
// difference with every unknown key absent (Allowed when after allows and
// before does not).
func allowedIfDiff(after, before *engine.Prepared, unknownAfter, unknownBefore []string, opt Options) (*Result, error) {
	if opt.MaxRegions <= 0 {
		opt.MaxRegions = 64
	}
	if opt.MaxCombinations <= 0 {
		opt.MaxCombinations = 4096
	}
	if opt.MaxStates <= 0 {
		opt.MaxStates = 20000
	}
	a := &analyzer{opt: opt, keys: map[string]*keyInfo{}}
	a.sides = []*diffSide{newDiffSide(after, unknownAfter), newDiffSide(before, unknownBefore)}
	for _, k := range unknownAfter {
		a.addKey(k)
	}
	for _, k := range unknownBefore {
		a.addKey(k)
	}
	res := &Result{Regions: map[string]int{}}
	for _, lk := range a.order {
		res.Unknown = append(res.Unknown, a.keys[lk].name)
	}
	if a.decide(nil) {
		res.Decision = engine.Allowed
	} else {
		res.Decision = engine.ImplicitDeny
	}
	if len(a.order) == 0 {
		res.AllowedIf = Formula{}
		res.Witnesses = []map[string][]string{}
		if res.Decision == engine.Allowed {
			res.AllowedIf = Formula{{}}
			res.Witnesses = append(res.Witnesses, map[string][]string{})
		}
		return res, nil
	}
	for _, s := range a.sides {
		a.q, a.base, a.sideUnknown = s.q, s.base, s.unknown
		if err := a.collect(); err != nil {
			return res, err
		}
	}
	a.q, a.base, a.sideUnknown = nil, nil, nil
	return res, a.solveAndCombine(res)
}
