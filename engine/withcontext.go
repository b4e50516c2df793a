package engine

import "strings"

// WithContext returns a copy of q whose context has the keys in set replaced
// by the given values and the keys in remove deleted; q is unchanged. Keys
// are condition keys in any case. A removed key is absent even when Prepare
// would derive it (aws:username, aws:CurrentTime, ...), so callers can ask
// what the decision is when a key is not known. It exists for analysis,
// which decides many completions of one request.
//
// A request made by PrepareWith is first flattened to the context Prepare
// would have built (Context), so that a removed key is absent there too,
// whether the request, the facts or the request itself gave it.
func (q *Prepared) WithContext(set map[string][]string, remove []string) *Prepared {
	c := *q
	base := q.Context()
	c.layered, c.ctxFold, c.facts, c.factFilters, c.own, c.nown, c.ownASCII = false, false, [2]map[string][]string{}, [2]KeyFilter{}, [ownInline]ctxEntry{}, 0, 0
	c.ctx = make(map[string][]string, len(base)+len(set))
	for k, v := range base {
		c.ctx[k] = v
	}
	for _, k := range remove {
		delete(c.ctx, strings.ToLower(k))
	}
	for k, v := range set {
		c.ctx[strings.ToLower(k)] = v
	}
	return &c
}
