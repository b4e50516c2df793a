package iam

import (
	"reflect"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
)

// noInput and noOutput are the input and output of an operation whose
// model has no input or output shape.
type (
	noInput  struct{}
	noOutput struct{}
)

// typedShapes records, per operation served by a typed handler, its input
// and output types, so that a test can check them against the model's
// shapes for the operation.
var typedShapes = map[string][2]reflect.Type{}

// registerTyped serves operation name with h, which takes the operation's
// typed input (api/shape/iamshape, decoded from the request's parameters
// after api/model validated them) and returns its typed output, or nil.
func registerTyped[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	Operations[name] = func(c *api.Call) (any, *query.Error) {
		in := new(I)
		if err := shape.DecodeQuery(c.Params.Values, in); err != nil {
			// The model's validation ran first: a value it admits that the
			// member's type does not take is the wire layer's fault.
			return nil, query.Errorf("ServiceFailure", "could not read the request: %v", err)
		}
		out, e := h(c, in)
		if e != nil || out == nil {
			return nil, e
		}
		return out, nil
	}
}

// page is a list's IsTruncated and Marker, typed.
func (p listPage) typed() (*bool, string) { return shape.Ptr(p.IsTruncated), p.Marker }
