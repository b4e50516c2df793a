package iam

import (
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
)

// Validate checks a request's parameters before the operation runs, as
// IAM does before it authorizes anything: the constraints of the
// operation's input shape in the model (api/model, botocore
// iam/2010-05-08), then IAM's own checks of entity names and paths, whose
// answers are IAM's words rather than the model's (see
// model.SelfChecked). It returns nil for an action the model does not
// have (the edge answers that).
func Validate(action string, p query.Params) *query.Error {
	vs, err := model.IAM.ValidateQuery(action, p.Values)
	if err != nil {
		return nil
	}
	if e := query.Validation(vs...); e != nil {
		return e
	}
	op := model.IAM.Operation(action)
	if op.Input == "" {
		return nil
	}
	in := model.IAM.Shape(op.Input)
	for _, m := range in.Members {
		vals, ok := p.Values[m.Name]
		if !ok || !model.IAM.SelfChecked(m.Shape) {
			continue
		}
		sh := model.IAM.Shape(m.Shape)
		if match, _ := model.Matches(sh.Pattern, vals[0]); match {
			continue
		}
		if m.Shape == "pathType" {
			return awserr.ValidationError("The specified value for %s is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", lowerFirst(m.Name))
		}
		return awserr.ValidationError("The specified value for %s is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-", lowerFirst(m.Name))
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
