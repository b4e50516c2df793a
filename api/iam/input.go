package iam

import (
	"strconv"

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
	if e := checkDecodedDocuments(in, p); e != nil {
		return e
	}
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

// policyDocumentShape is the model's shape of every policy document IAM
// takes (botocore iam/2010-05-08 policyDocumentType).
const policyDocumentShape = "policyDocumentType"

// checkDecodedDocuments checks the policy documents of a request, members
// or members of a list, as the handler reads them (decodedDocument)
// against the model's pattern: a URL-encoded document passed the model's
// check as its encoding, and decoding must not bring in characters the
// pattern forbids (U+2028, or any beyond U+00FF). The answer is the
// model's, for the member.
func checkDecodedDocuments(in *model.Shape, p query.Params) *query.Error {
	sh := model.IAM.Shape(policyDocumentShape)
	check := func(field, raw string) *query.Error {
		doc := decodedDocument(raw)
		if doc == raw {
			return nil
		}
		if ok, known := model.Matches(sh.Pattern, doc); !known || ok {
			return nil
		}
		return query.Validation(query.Violation{Field: field, Constraint: "Member must satisfy regular expression pattern: " + sh.Pattern, Rule: query.RulePattern})
	}
	for _, m := range in.Members {
		switch {
		case m.Shape == policyDocumentShape:
			if vals, ok := p.Values[m.Name]; ok {
				if e := check(lowerFirst(m.Name), vals[0]); e != nil {
					return e
				}
			}
		case model.IAM.Shape(m.Shape).Type == model.List && model.IAM.Shape(m.Shape).Member.Shape == policyDocumentShape:
			for i, v := range p.List(m.Name) {
				if e := check(lowerFirst(m.Name)+"."+strconv.Itoa(i+1)+".member", v); e != nil {
					return e
				}
			}
		}
	}
	return nil
}
