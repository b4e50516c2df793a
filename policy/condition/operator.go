package condition

import (
	"errors"
	"fmt"
	"strings"
)

// Family groups operators by the type of value they compare.
type Family uint8

const (
	String Family = iota
	Numeric
	Date
	Bool
	Binary
	IPAddress
	ARN
	Null
)

func (f Family) String() string {
	return [...]string{"String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null"}[f]
}

// Set is the set qualifier of an operator.
type Set uint8

const (
	SetNone Set = iota
	ForAllValues
	ForAnyValue
)

type cmp uint8

const (
	cmpEquals cmp = iota
	cmpEqualsIgnoreCase
	cmpLike
	cmpLessThan
	cmpLessThanEquals
	cmpGreaterThan
	cmpGreaterThanEquals
	cmpNull
)

// Operator is a parsed condition operator name such as
// "ForAnyValue:StringNotLikeIfExists".
type Operator struct {
	Name     string // canonical spelling of the whole operator
	Base     string // the operator without qualifier and suffix, e.g. "StringNotLike"
	Family   Family
	Negated  bool
	IfExists bool
	Set      Set
	// VarsAllowed reports whether policy variables are substituted in this
	// operator's values (String, Bool and Arn families).
	VarsAllowed bool
	cmp         cmp
}

type baseOp struct {
	family  Family
	cmp     cmp
	negated bool
}

var baseOps = map[string]baseOp{
	"StringEquals":              {String, cmpEquals, false},
	"StringNotEquals":           {String, cmpEquals, true},
	"StringEqualsIgnoreCase":    {String, cmpEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {String, cmpEqualsIgnoreCase, true},
	"StringLike":                {String, cmpLike, false},
	"StringNotLike":             {String, cmpLike, true},
	"NumericEquals":             {Numeric, cmpEquals, false},
	"NumericNotEquals":          {Numeric, cmpEquals, true},
	"NumericLessThan":           {Numeric, cmpLessThan, false},
	"NumericLessThanEquals":     {Numeric, cmpLessThanEquals, false},
	"NumericGreaterThan":        {Numeric, cmpGreaterThan, false},
	"NumericGreaterThanEquals":  {Numeric, cmpGreaterThanEquals, false},
	"DateEquals":                {Date, cmpEquals, false},
	"DateNotEquals":             {Date, cmpEquals, true},
	"DateLessThan":              {Date, cmpLessThan, false},
	"DateLessThanEquals":        {Date, cmpLessThanEquals, false},
	"DateGreaterThan":           {Date, cmpGreaterThan, false},
	"DateGreaterThanEquals":     {Date, cmpGreaterThanEquals, false},
	"Bool":                      {Bool, cmpEquals, false},
	"BinaryEquals":              {Binary, cmpEquals, false},
	"IpAddress":                 {IPAddress, cmpEquals, false},
	"NotIpAddress":              {IPAddress, cmpEquals, true},
	"ArnEquals":                 {ARN, cmpLike, false},
	"ArnLike":                   {ARN, cmpLike, false},
	"ArnNotEquals":              {ARN, cmpLike, true},
	"ArnNotLike":                {ARN, cmpLike, true},
	"Null":                      {Null, cmpNull, false},
}

var baseByFold = func() map[string]string {
	m := make(map[string]string, len(baseOps))
	for k := range baseOps {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// BaseOperators lists the operator names without qualifiers or suffixes.
func BaseOperators() []string {
	out := make([]string, 0, len(baseOps))
	for k := range baseOps {
		out = append(out, k)
	}
	return out
}

// Errors of ParseOperator, for callers to branch on with errors.Is.
var (
	// ErrUnknownOperator: the name is not a condition operator, with or
	// without a set qualifier and the IfExists suffix.
	ErrUnknownOperator = errors.New("unknown condition operator")
	// ErrNullIfExists: Null takes no IfExists suffix (the IAM User Guide,
	// "IAM JSON policy elements: Condition operators").
	ErrNullIfExists = errors.New("Null cannot take the IfExists suffix") //nolint:staticcheck // ST1005: "Null" is the operator's name
)

// OperatorError is a name ParseOperator refused; it unwraps to
// ErrUnknownOperator or ErrNullIfExists.
type OperatorError struct {
	Name string
	Err  error
	msg  string
}

func (e *OperatorError) Error() string { return e.msg }
func (e *OperatorError) Unwrap() error { return e.Err }

// ParseOperator parses an operator name. Qualifier, operator and suffix are
// matched case-insensitively and returned in their canonical spelling.
func ParseOperator(name string) (Operator, error) {
	op := Operator{}
	rest := name
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		switch strings.ToLower(rest[:i]) {
		case "forallvalues":
			op.Set = ForAllValues
		case "foranyvalue":
			op.Set = ForAnyValue
		default:
			return op, &OperatorError{Name: name, Err: ErrUnknownOperator, msg: fmt.Sprintf("unknown set qualifier %q (want ForAllValues or ForAnyValue)", rest[:i])}
		}
		rest = rest[i+1:]
	}
	if len(rest) > len("IfExists") && strings.EqualFold(rest[len(rest)-len("IfExists"):], "IfExists") {
		op.IfExists = true
		rest = rest[:len(rest)-len("IfExists")]
	}
	base, ok := baseByFold[strings.ToLower(rest)]
	if !ok {
		return op, &OperatorError{Name: name, Err: ErrUnknownOperator, msg: fmt.Sprintf("unknown condition operator %q", name)}
	}
	b := baseOps[base]
	if b.family == Null && op.IfExists {
		return op, &OperatorError{Name: name, Err: ErrNullIfExists, msg: fmt.Sprintf("condition operator %q: Null cannot take the IfExists suffix", name)}
	}
	op.Base, op.Family, op.cmp, op.Negated = base, b.family, b.cmp, b.negated
	op.VarsAllowed = b.family == String || b.family == Bool || b.family == ARN
	op.Name = base
	if op.IfExists {
		op.Name += "IfExists"
	}
	switch op.Set {
	case ForAllValues:
		op.Name = "ForAllValues:" + op.Name
	case ForAnyValue:
		op.Name = "ForAnyValue:" + op.Name
	}
	return op, nil
}
