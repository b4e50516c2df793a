package organizations

import (
	"encoding/json"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
)

// checked wraps every operation with the checks of its input that come
// before any handler: the body is text (valid UTF-8, no lone surrogate
// escapes, which Go's JSON decoder would silently turn into U+FFFD), and
// the Tags of an operation that takes them follow the model.
func checked(ops map[string]Handler) map[string]Handler {
	out := make(map[string]Handler, len(ops))
	for name, h := range ops {
		out[name] = func(c *api.Call) (any, *query.Error) {
			if !query.ValidJSONText(c.Body) {
				// AWS documents no answer; InvalidInputException is
				// Organizations' validation error (botocore
				// organizations/2016-11-28).
				return nil, errorf("InvalidInputException", "The request body is not valid UTF-8 text.")
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

// takesTags are the operations whose input has Tags (botocore
// organizations/2016-11-28: CreateAccountRequest, CreateGovCloudAccountRequest,
// CreateOrganizationalUnitRequest, CreatePolicyRequest, TagResourceRequest).
var takesTags = map[string]bool{"CreateAccount": true, "CreateGovCloudAccount": true, "CreateOrganizationalUnit": true,
	"CreatePolicy": true, "TagResource": true}

// maxTagsPerResource is Organizations' quota of tags on a resource (the
// Organizations User Guide, "Quotas for AWS Organizations").
const maxTagsPerResource = 50

// checkTags checks Tags against the model (TagKey: 1-128 characters of
// [\p{L}\p{Z}\p{N}_.:/=+\-@]; TagValue: 0-256 of the same; Key and Value
// required) and Organizations' rules: unique keys, no aws: prefix, at most
// 50. The codes and reasons are the model's (InvalidInputException with
// INPUT_REQUIRED, MIN/MAX_LENGTH_EXCEEDED, INVALID_PATTERN,
// DUPLICATE_TAG_KEY, INVALID_SYSTEM_TAGS_PARAMETER;
// ConstraintViolationException MAX_TAG_LIMIT_EXCEEDED); the pattern message
// is the real service's, quoted in
// github.com/aws-ia/terraform-aws-control_tower_account_factory/issues/149.
func checkTags(body []byte) *query.Error {
	if len(body) == 0 {
		return nil
	}
	var in struct {
		Tags []struct{ Key, Value *string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return errorf("InvalidInputException", "The request body is not valid JSON: %v", err)
	}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		switch {
		case t.Key == nil || t.Value == nil:
			return errorf("InvalidInputException", "You must specify a value for all required parameters.")
		case len(query.TagKeyViolations(*t.Key, "")) > 0 || len(query.TagValueViolations(*t.Value, "")) > 0:
			for _, v := range append(query.TagKeyViolations(*t.Key, ""), query.TagValueViolations(*t.Value, "")...) {
				switch v.Rule {
				case query.RuleMaxLength:
					return errorf("InvalidInputException", "You provided a string parameter that is longer than allowed.")
				case query.RuleMinLength:
					return errorf("InvalidInputException", "You provided a string parameter that is shorter than allowed.")
				}
			}
			return errorf("InvalidInputException", "You provided a value that does not match the required pattern.")
		case query.ReservedTagKey(*t.Key):
			return errorf("InvalidInputException", "You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys because they're reserved for AWS use.")
		case seen[*t.Key]:
			return errorf("InvalidInputException", "Tag keys must be unique among the tags attached to the same entity.")
		}
		seen[*t.Key] = true
	}
	if len(in.Tags) > maxTagsPerResource {
		return errorf("ConstraintViolationException", "You have exceeded the number of tags allowed on this resource.")
	}
	return nil
}
