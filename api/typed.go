package api

import (
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
)

// QueryTyped serves a Query-protocol operation (IAM, STS) with h, which
// takes the operation's typed input (an api/shape type, decoded from the
// request's parameters after api/model validated them) and returns its
// typed output, or nil.
func QueryTyped[I, O any](h func(c *Call, in *I) (*O, *query.Error)) func(c *Call) (any, *query.Error) {
	return func(c *Call) (any, *query.Error) {
		in := new(I)
		if err := shape.DecodeQuery(c.Params.Values, in); err != nil {
			// The model's validation ran first: a value it admits that the
			// member's type does not take is the wire layer's fault.
			return nil, iamerr.ServiceFailure("could not read the request: %v", err)
		}
		out, e := h(c, in)
		if e != nil || out == nil {
			return nil, e
		}
		return out, nil
	}
}
