package world

import "github.com/iamgate/iamgate/engine"

// PrepareUncached gathers and prepares a request without the world's
// cache, as Gather and Prepare did before it (for the differential test).
func (w *World) PrepareUncached(r Request) (*engine.Prepared, error) {
	req, err := w.gather(r, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	return req.Prepare()
}

// CachedARNs is how many ARNs the world's decision cache holds by text.
func (w *World) CachedARNs() int64 { return w.cache.byARN.len() }

// SetMaxCachedARNs changes the bound on them, returning the old one.
func SetMaxCachedARNs(n int64) int64 {
	old := maxCachedARNs
	maxCachedARNs = n
	return old
}
