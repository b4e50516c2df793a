package accessanalyzer

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/restjson"
)

// Operation is an operation served: its name and typed handler.
type Operation struct {
	Name string
	// Action is the IAM action the operation authorizes itself, on the
	// analyzer or archive rule it names, once its input is read; "" for
	// an operation the caller authorizes (on "*", before the input is
	// read).
	Action string
	serve  func(b Backend, c *api.Call, labels map[string]string) (any, *awserr.Error)
}

// Serve answers a call of the operation, authorized already: its input is
// decoded from c.Body (the JSON body) and c.Params (the query string) and
// the URI labels, and checked, then the handler runs. The result is the
// typed output, or an Access Analyzer error.
func (o *Operation) Serve(b Backend, c *api.Call, labels map[string]string) (any, *awserr.Error) {
	return o.serve(b, c, labels)
}

// Operations are the operations served, by name.
var Operations = map[string]*Operation{}

// typedShapes records, per operation, its input and output types, so that
// a test can check them against the model's shapes for the operation.
var typedShapes = map[string][2]reflect.Type{}

// routes (below) binds the operations served to their method and
// requestUri (botocore's "http" of each operation).

func init() {
	register("ValidatePolicy", validatePolicy)
	register("CheckNoNewAccess", checkNoNewAccess)
	register("CheckAccessNotGranted", checkAccessNotGranted)
	register("CheckNoPublicAccess", checkNoPublicAccess)
}

// routes binds every operation registered, once every init has run.
var routes = sync.OnceValue(func() *restjson.Router {
	return restjson.NewRouter(model.AccessAnalyzer, order...)
})

// register serves operation name with h, which takes the operation's
// typed input (api/shape/aashape, decoded by api/restjson with the
// model's exact member names) and returns its typed output.
func register[I, O any](name string, h func(b Backend, c *api.Call, in *I) (*O, *awserr.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	order = append(order, name)
	Operations[name] = &Operation{Name: name, serve: func(b Backend, c *api.Call, labels map[string]string) (any, *awserr.Error) {
		in := new(I)
		if err := restjson.Decode(model.AccessAnalyzer, name, c.Body, c.Params.Values, labels, in); err != nil {
			return nil, decodeError(err)
		}
		out, e := h(b, c, in)
		if e != nil || out == nil {
			return nil, e
		}
		return out, nil
	}}
}

// Route is the operation a request's method and path name (nil when the
// API served here has none), with its URI labels.
func Route(method, path string) (*Operation, map[string]string) {
	name, labels, ok := routes().Match(method, path)
	if !ok {
		return nil, nil
	}
	return Operations[name], labels
}

// names are what is served, for messages.
const names = "the policy checks ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess; analyzers, their findings, archive rules, analyzed resources and tags"

// order is the order the operations were registered in.
var order []string

// UnknownOperation is the answer to a request no operation served is
// bound to: ValidationException with reason unknownOperation.
func UnknownOperation(method, path string) *awserr.Error {
	return validationf(reasonUnknownOperation, "No operation %s %s in the Access Analyzer API served here (%s).", method, path, names)
}

// The reasons of ValidationException (botocore: ValidationExceptionReason).
const (
	reasonUnknownOperation = "unknownOperation"
	reasonCannotParse      = "cannotParse"
	reasonFieldValidation  = "fieldValidationFailed"
	reasonOther            = "other"
)

func validationf(reason, format string, args ...any) *awserr.Error {
	e := aaerr.ValidationException(format, args...)
	e.Reason = reason
	return e
}

// fieldViolations is a ValidationException for constraints of the model the
// request breaks, in the words of AWS's request validation ("1 validation
// error detected: Value 'X' at 'policyType' failed to satisfy constraint:
// Member must satisfy enum value set: [...]", see model.Message), with
// each field in fieldList.
func fieldViolations(vs ...model.Violation) *awserr.Error {
	if len(vs) == 0 {
		return nil
	}
	e := validationf(reasonFieldValidation, "%s", model.Message(vs))
	for _, v := range vs {
		e.Fields = append(e.Fields, awserr.Field{Name: v.Field, Message: v.Constraint})
	}
	return e
}

// servedCodes are the codes an answer of the operations served may have:
// the errors of their models and those of a REST-JSON endpoint.
var servedCodes = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for code := range awserr.JSONCommon {
		m[code] = true
	}
	for name := range Operations {
		for _, code := range model.AccessAnalyzer.Operation(name).Errors {
			m[code] = true
		}
	}
	return m
})

func served(code string) bool { return servedCodes()[code] }

// Edge is an error as Access Analyzer answers it: an error of the shared
// machinery (authorization's AccessDenied, a ValidationError of the
// engine, the audit log's ServiceUnavailable) in Access Analyzer's codes;
// a ValidationException always has its reason (other when none was
// given); a code the operations do not have is InternalServerException.
func Edge(e *awserr.Error) *awserr.Error {
	switch e.Code {
	case "AccessDenied":
		return aaerr.AccessDeniedException("%s", e.Message)
	case "ValidationError":
		return validationf(reasonOther, "%s", e.Message)
	case "ServiceUnavailable", "InternalFailure":
		return aaerr.InternalServerException("%s", e.Message)
	case "ValidationException":
		if e.Reason == "" {
			out := *e
			out.Reason = reasonOther
			return &out
		}
	}
	if served(e.Code) {
		return e
	}
	return aaerr.InternalServerException("%s", e.Message)
}

// decodeError words a request the protocol cannot read: ValidationException
// with reason cannotParse (the model has no SerializationException).
func decodeError(err error) *awserr.Error {
	var be *restjson.BodyError
	var qe *restjson.QueryError
	var de *model.DecodeError
	switch {
	case errors.As(err, &be):
		return validationf(reasonCannotParse, "%s", be.Msg)
	case errors.As(err, &qe):
		return validationf(reasonCannotParse, "%s must be one integer, not %q.", qe.Name, strings.Join(qe.Values, ","))
	case errors.As(err, &de):
		return validationf(reasonCannotParse, "%s", typeMessage(de))
	}
	return validationf(reasonCannotParse, "The request body does not match the input of the operation.")
}

var (
	// listMember is an element of a list of strings: its list is what
	// is named.
	listMember = regexp.MustCompile(`^(.*\.(?:actions|resources))\.[0-9]+\.member$`)
	accessItem = regexp.MustCompile(`^access\.[0-9]+\.member$`)
)

// typeMessage names a body member of the wrong JSON type.
func typeMessage(de *model.DecodeError) string {
	f := de.Field
	if m := listMember.FindStringSubmatch(f); m != nil {
		return m[1] + " must be a list of strings."
	}
	switch {
	case f == "":
		return "The request body must be a JSON object."
	case f == "access":
		return "The member access must be a list of Access objects."
	case accessItem.MatchString(f):
		return f + " must be an Access object: not a JSON object."
	case strings.HasSuffix(f, ".actions") || strings.HasSuffix(f, ".resources"):
		return f + " must be a list of strings."
	case de.Want == model.String && !strings.Contains(f, "."):
		return "The member " + f + " must be a string."
	}
	return fmt.Sprintf("The member %s must be a JSON %s.", f, de.Want.JSONKind())
}

// enum checks a value against an enum shape of the model.
func enum(field, v, shapeName string) *model.Violation {
	values := model.AccessAnalyzer.Shape(shapeName).Enum
	for _, x := range values {
		if v == x {
			return nil
		}
	}
	return &model.Violation{Value: &v, Field: field, Constraint: "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]", Rule: model.RuleEnum}
}

func null(field string) model.Violation {
	return model.Violation{Null: true, Field: field, Constraint: "Member must not be null", Rule: model.RuleNull}
}
