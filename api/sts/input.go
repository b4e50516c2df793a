package sts

import (
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
)

// Validate checks a request's parameters against the constraints of the
// operation's input shape in the model (api/model, botocore
// sts/2011-06-15) before the operation runs. It returns nil for an action
// the model does not have (the edge answers that).
func Validate(action string, p query.Params) *query.Error {
	vs, err := model.STS.ValidateQuery(action, p.Values)
	if err != nil {
		return nil
	}
	return query.Validation(vs...)
}
