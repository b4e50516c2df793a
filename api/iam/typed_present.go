package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
)

// registerTypedPresent is registerTyped for an operation whose answer has
// optional lists IAM writes even when they are empty (the simulator's
// MatchedStatements, an entry's Policies): the handler sets such a list to
// an empty, non-nil list, and the answer is written through shape.Present,
// which writes it as an empty element where encoding/xml would leave it
// out. A nil list is left out, as registerTyped's answers leave it.
func registerTypedPresent[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error)) {
	registerTyped(name, h)
	typed := Operations[name]
	Operations[name] = func(c *api.Call) (any, *query.Error) {
		out, e := typed(c)
		if e != nil || out == nil {
			return nil, e
		}
		return shape.Present(out), nil
	}
}
