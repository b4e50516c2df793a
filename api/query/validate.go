package query

import (
	"fmt"
	"strings"
)

// Violation is one failed constraint of a request member, as AWS's request
// validation reports it.
type Violation struct {
	Value      *string // the value shown; nil shows none ("Value at 'tags'")
	Null       bool    // the member is missing ("Value null at")
	Field      string  // the member's path: 'tags.1.member.key'
	Constraint string  // "Member must ..."
	Rule       Rule    // which kind of constraint, for callers that branch on it
}

// Rule is the kind of constraint a Violation breaks.
type Rule int

// The rules of AWS's model constraints.
const (
	RuleOther     Rule = iota
	RuleNull           // required
	RuleMinLength      // min
	RuleMaxLength      // max
	RulePattern        // pattern
	RuleUTF8           // not text at all
)

// Validation is a ValidationError listing every violation in AWS's words:
// "1 validation error detected: Value 'x' at 'tags.1.member.key' failed to
// satisfy constraint: Member must satisfy regular expression pattern: ...",
// and for more than one "N validation errors detected: A; B" (for example
// github.com/SWO-GS/auto-tag/issues/90 and
// github.com/ministryofjustice/cloud-platform-environments/pull/22667,
// answers of the real IAM). It returns nil for no violations.
func Validation(vs ...Violation) *Error {
	if len(vs) == 0 {
		return nil
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		val := "Value "
		switch {
		case v.Null:
			val += "null "
		case v.Value != nil:
			val += "'" + *v.Value + "' "
		}
		parts[i] = fmt.Sprintf("%sat '%s' failed to satisfy constraint: %s", val, v.Field, v.Constraint)
	}
	noun := "error"
	if len(vs) > 1 {
		noun = "errors"
	}
	return Errorf("ValidationError", "%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}
