package organizations

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
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
// typed input (api/shape/orgshape, decoded from the JSON body after the
// checks of checked: the model's validation and Organizations' tag rules)
// and returns its typed output, or nil for none. The output is written as
// JSON by its generated tags: members left unset are left out, an empty
// list is [] and a timestamp epoch seconds (api/shape).
func registerTyped[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	for n, op := range checked(map[string]Handler{name: func(c *api.Call) (any, *query.Error) {
		in := new(I)
		if e := decodeTyped(c.Body, in); e != nil {
			return nil, e
		}
		out, e := h(c, in)
		if e != nil || out == nil {
			return nil, e
		}
		return out, nil
	}}) {
		Operations[n] = op
	}
}

// decodeTyped fills in, a pointer to a generated input structure, from a
// request body the model's validation has checked, reading exactly the
// members the validation read (shape.DecodeJSON). A value the member's
// type does not take (an integer past int32, a timestamp that is not one)
// is the JSON protocol's SerializationException.
func decodeTyped(body []byte, in any) *query.Error {
	err := shape.DecodeJSON(body, in)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, shape.ErrNotJSON):
		return awserr.SerializationException("The request body is not valid JSON.")
	}
	msg := "The request body does not match the input of the operation."
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		msg = "The value of " + te.Field + " is not valid for its type."
	}
	return awserr.SerializationException("%s", msg)
}

// at is a timestamp member: nil (left out) for the zero time.
func at(t time.Time) *shape.Time { return shape.At(t.UTC()) }

// pageOf applies MaxResults (1 to 20, the model's bounds; 20 when not
// given) and NextToken (the index of the next item) to a list, as paged
// does for the untyped handlers. The page is never nil: an empty list is
// written as [].
func pageOf[T any](items []T, nextToken string, maxResults *int32) (shape.List[T], string, *query.Error) {
	max := 20
	if maxResults != nil && *maxResults > 0 {
		max = int(*maxResults)
	}
	start := 0
	if nextToken != "" {
		n, err := strconv.Atoi(nextToken)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", orgerr.InvalidInputException("The NextToken is not valid.")
		}
		start = n
	}
	end := min(start+max, len(items))
	page := append(shape.List[T]{}, items[start:end]...)
	if end < len(items) {
		return page, strconv.Itoa(end), nil
	}
	return page, "", nil
}

// createdAt is a timestamp the untyped handlers always wrote: the zero
// time is 0 (the epoch), not left out.
func createdAt(t time.Time) *shape.Time {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return &shape.Time{Time: t.UTC()}
}

// sent reports whether the request body has the top-level member named
// exactly name, not null: for an optional string member whose empty value
// means something (UpdatePolicy's Description), which the typed input,
// a string, cannot tell from an absent one.
func sent(body []byte, name string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return false
	}
	v, ok := members[name]
	return ok && string(v) != "null"
}
