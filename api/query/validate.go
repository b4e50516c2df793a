package query

import (
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/model"
)

// Violation is one failed constraint of a request member, as AWS's request
// validation reports it (model.Violation).
type Violation = model.Violation

// Rule is the kind of constraint a Violation breaks.
type Rule = model.Rule

// The rules of AWS's model constraints.
const (
	RuleOther     = model.RuleOther
	RuleNull      = model.RuleNull
	RuleMinLength = model.RuleMinLength
	RuleMaxLength = model.RuleMaxLength
	RulePattern   = model.RulePattern
	RuleUTF8      = model.RuleUTF8
)

// Validation is a ValidationError listing every violation in AWS's words
// (model.Message). It returns nil for no violations.
func Validation(vs ...Violation) *Error {
	if len(vs) == 0 {
		return nil
	}
	return awserr.ValidationError("%s", model.Message(vs))
}
