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
