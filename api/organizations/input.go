package organizations

import (
	"errors"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
)

// checked wraps every operation with the checks of its input that come
// before any handler: the body is text (valid UTF-8, no lone surrogate
// escapes, which Go's JSON decoder would silently turn into U+FFFD), it
// satisfies the constraints of the operation's input shape in the model
// (api/model, botocore organizations/2016-11-28), and the Tags of an
// operation that takes them follow Organizations' own rules.
func checked(ops map[string]Handler) map[string]Handler {
	out := make(map[string]Handler, len(ops))
	for name, h := range ops {
		out[name] = func(c *api.Call) (any, *query.Error) {
			if !query.ValidJSONText(c.Body) {
				// AWS documents no answer; InvalidInputException is
				// Organizations' validation error (botocore
				// organizations/2016-11-28).
				return nil, orgerr.InvalidInputException("The request body is not valid UTF-8 text.")
			}
			if e := Validate(name, c.Body); e != nil {
				return nil, e
			}
			if takesTags[name] {
				if e := checkTags(c.Body); e != nil {
					return nil, e
				}
			}
			return h(c)
		}
	}
	return out
}

// Validate checks a request body against the operation's input shape in
// the model. Organizations answers a constraint the request breaks not
// with the "N validation errors detected" of other services but with
// InvalidInputException and the reason of the first (the model's
// InvalidInputExceptionReason, with the words its documentation gives;
// "You provided a value that does not match the required pattern." is the
// real service's, quoted in
// github.com/aws-ia/terraform-aws-control_tower_account_factory/issues/149).
// A value of the wrong JSON type is the JSON protocol's
// SerializationException. It returns nil for an operation the model does
// not have.
func Validate(operation string, body []byte) *query.Error {
	vs, err := model.Organizations.ValidateJSON(operation, body)
	var de *model.DecodeError
	switch {
	case errors.As(err, &de):
		if de.Field == "" {
			return awserr.SerializationException("The request body is not a JSON object.")
		}
		return awserr.SerializationException("The value of %s is not a JSON %s.", de.Field, de.Want.JSONKind())
	case err != nil || len(vs) == 0:
		return nil
	}
	reason, msg := "INVALID_PATTERN", "You provided a value that does not match the required pattern."
	switch vs[0].Rule {
	case model.RuleNull:
		reason, msg = "INPUT_REQUIRED", "You must specify a value for all required parameters."
	case model.RuleMinLength:
		reason, msg = "MIN_LENGTH_EXCEEDED", "You provided a string parameter that is shorter than allowed."
	case model.RuleMaxLength:
		reason, msg = "MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed."
	case model.RuleEnum:
		reason, msg = "INVALID_ENUM", "You specified an invalid value."
	case model.RuleMinValue:
		reason, msg = "MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed."
	case model.RuleMaxValue:
		reason, msg = "MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed."
	}
	e := orgerr.InvalidInputException("%s", msg)
	e.Reason = reason
	return e
}

// takesTags are the operations whose input has Tags (botocore
// organizations/2016-11-28: CreateAccountRequest, CreateGovCloudAccountRequest,
// CreateOrganizationalUnitRequest, CreatePolicyRequest, TagResourceRequest,
// InviteAccountToOrganizationRequest).
var takesTags = map[string]bool{"CreateAccount": true, "CreateGovCloudAccount": true, "CreateOrganizationalUnit": true,
	"CreatePolicy": true, "TagResource": true, "InviteAccountToOrganization": true}

// maxTagsPerResource is Organizations' quota of tags on a resource (the
// Organizations User Guide, "Quotas for AWS Organizations").
const maxTagsPerResource = 50

// checkTags checks Organizations' own rules of Tags, which Validate has
// checked against the model (TagKey, TagValue, Key and Value required):
// unique keys, no aws: prefix, at most 50. The codes and reasons are the
// model's (InvalidInputException with DUPLICATE_TAG_KEY,
// INVALID_SYSTEM_TAGS_PARAMETER; ConstraintViolationException
// MAX_TAG_LIMIT_EXCEEDED).
func checkTags(body []byte) *query.Error {
	if len(body) == 0 {
		return nil
	}
	// The members are read as the handler reads them (decodeTyped: exact
	// names), not by json.Unmarshal, which folds case: {"Tags":[{"Key":
	// "aws:x",...}],"tags":[]} would show it an empty list while the
	// handler stores the aws: key.
	var in struct {
		Tags []struct {
			Key   *string `json:"Key"`
			Value *string `json:"Value"`
		} `json:"Tags"`
	}
	if e := decodeTyped(body, &in); e != nil {
		return e
	}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		switch {
		case t.Key == nil || t.Value == nil:
			return orgerr.InvalidInputException("You must specify a value for all required parameters.")
		case query.ReservedTagKey(*t.Key):
			return systemTagKey()
		case seen[*t.Key]:
			e := orgerr.InvalidInputException("Tag keys must be unique among the tags attached to the same entity.")
			e.Reason = "DUPLICATE_TAG_KEY"
			return e
		}
		seen[*t.Key] = true
	}
	if len(in.Tags) > maxTagsPerResource {
		return tooManyTags()
	}
	return nil
}

// systemTagKey is InvalidInputException INVALID_SYSTEM_TAGS_PARAMETER, in
// the words of the model's documentation of the reason.
func systemTagKey() *query.Error {
	e := orgerr.InvalidInputException("You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys because they're reserved for AWS use.")
	e.Reason = "INVALID_SYSTEM_TAGS_PARAMETER"
	return e
}

// tooManyTags is ConstraintViolationException MAX_TAG_LIMIT_EXCEEDED, the
// model's answer past 50 tags on a resource (Organizations has no
// TooManyTagsException).
func tooManyTags() *query.Error {
	e := orgerr.ConstraintViolationException("You have exceeded the number of tags allowed on this resource.")
	e.Reason = "MAX_TAG_LIMIT_EXCEEDED"
	return e
}
