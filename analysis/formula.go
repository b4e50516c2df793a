package analysis

import (
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/policy/condition"
)

// Conjunct is one IAM condition on one unknown key: Operator is an IAM
// condition operator (with its ForAllValues:/ForAnyValue: qualifier or
// IfExists suffix when it has one) and Values its policy values, written so
// that policy/condition reads them as meant (a literal '*' in a wildcard
// operator is ${*}, a literal "${" is ${$}{).
type Conjunct struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

func (c Conjunct) String() string {
	return c.Key + " " + c.Operator + " " + strings.Join(quoteAll(c.Values), ", ")
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// Formula is a disjunction of conjunctions of conditions on unknown keys:
// the request is allowed exactly when, for some element, every condition of
// that element holds. An empty Formula is never; a Formula holding one empty
// conjunction is always.
type Formula [][]Conjunct

// Always reports whether f holds for every context.
func (f Formula) Always() bool {
	for _, c := range f {
		if len(c) == 0 {
			return true
		}
	}
	return false
}

// Never reports whether f holds for no context.
func (f Formula) Never() bool { return len(f) == 0 }

// CompiledFormula is a Formula whose conditions are compiled.
type CompiledFormula struct {
	disj [][]*condition.Condition
}

// Compile compiles every conjunct with policy/condition (policy variables
// enabled, as in a 2012-10-17 policy).
func (f Formula) Compile() (*CompiledFormula, error) {
	cf := &CompiledFormula{}
	for _, conj := range f {
		var cs []*condition.Condition
		for _, c := range conj {
			cc, err := compileConjunct(c)
			if err != nil {
				return nil, err
			}
			cs = append(cs, cc)
		}
		cf.disj = append(cf.disj, cs)
	}
	return cf, nil
}

func compileConjunct(c Conjunct) (*condition.Condition, error) {
	op, err := condition.ParseOperator(c.Operator)
	if err != nil {
		return nil, err
	}
	return condition.Compile(op, c.Key, c.Values, true), nil
}

// Eval evaluates the formula on a context (lower-case keys), each condition
// by policy/condition.
func (cf *CompiledFormula) Eval(ctx condition.Context) bool {
	for _, conj := range cf.disj {
		ok := true
		for _, c := range conj {
			if !c.Eval(ctx) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Text renders the formula for people, one alternative a line.
func (f Formula) Text() string {
	if f.Never() {
		return "never\n"
	}
	if f.Always() {
		return "always\n"
	}
	var b strings.Builder
	for i, conj := range f {
		if i > 0 {
			b.WriteString("or\n")
		}
		for j, c := range conj {
			if j == 0 {
				b.WriteString("  ")
			} else {
				b.WriteString("  and ")
			}
			b.WriteString(c.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}
