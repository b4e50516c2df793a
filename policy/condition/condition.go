package condition

import (
	"net/netip"
	"strings"
	"time"

	"github.com/iamgate/iamgate/policy/vars"
)

// Context is the request context as conditions read it: keys in lower case,
// each with one or more string values.
type Context = vars.Resolver

// Condition is one compiled (operator, key, values) triple.
type Condition struct {
	Op     Operator
	Key    string // as written in the policy
	key    string // lower case
	Values []string
	vals   []value
}

type value struct {
	ok     bool // the policy value parsed for this family
	tmpl   vars.Template
	arn    vars.ARNPattern
	num    float64
	t      time.Time
	prefix netip.Prefix
	b      bool
	bin    string
}

// Compile compiles a condition. useVars is false for policies without
// Version 2012-10-17. A value that does not parse for the operator's family
// (a bad number, date or CIDR) is kept but can never match; Invalid lists them.
func Compile(op Operator, key string, values []string, useVars bool) *Condition {
	c := &Condition{Op: op, Key: key, key: strings.ToLower(key), Values: values}
	c.vals = make([]value, len(values))
	for i, raw := range values {
		v := &c.vals[i]
		switch op.Family {
		case String:
			v.tmpl, v.ok = vars.Compile(raw, useVars && op.VarsAllowed), true
		case ARN:
			v.arn = vars.CompileARN(raw, useVars)
			v.ok = v.arn.Valid()
		case Numeric:
			v.num, v.ok = parseNumber(raw)
		case Date:
			v.t, v.ok = ParseDate(raw)
		case Bool:
			v.tmpl, v.ok = vars.Compile(raw, useVars), true
		case Binary:
			v.bin, v.ok = strings.TrimSpace(raw), true
		case IPAddress:
			v.prefix, v.ok = ParseCIDR(raw)
		case Null:
			switch strings.ToLower(raw) {
			case "true":
				v.b, v.ok = true, true
			case "false":
				v.b, v.ok = false, true
			}
		}
	}
	return c
}

// LowerKey returns the condition key in lower case.
func (c *Condition) LowerKey() string { return c.key }

// Invalid returns the policy values that do not parse for the operator.
func (c *Condition) Invalid() []string {
	var out []string
	for i, v := range c.vals {
		if !v.ok {
			out = append(out, c.Values[i])
		}
	}
	return out
}

// Eval evaluates the condition against ctx.
func (c *Condition) Eval(ctx Context) bool {
	reqVals, present := ctx.Lookup(c.key)
	if c.Op.Family == Null {
		return c.evalNull(!present || len(reqVals) == 0)
	}
	if !present || len(reqVals) == 0 {
		if c.Op.IfExists {
			return true
		}
		switch c.Op.Set {
		case ForAllValues:
			return true
		case ForAnyValue:
			return false
		}
		return c.Op.Negated
	}
	switch c.Op.Set {
	case ForAllValues:
		for _, rv := range reqVals {
			m, resolved := c.matchAny(rv, ctx)
			if !resolved {
				return false
			}
			if m == c.Op.Negated {
				return false
			}
		}
		return true
	case ForAnyValue:
		for _, rv := range reqVals {
			m, resolved := c.matchAny(rv, ctx)
			if !resolved {
				return false
			}
			if m != c.Op.Negated {
				return true
			}
		}
		return false
	}
	// No qualifier: positive operators match when any request value matches
	// any policy value; negated operators when none does.
	for _, rv := range reqVals {
		m, resolved := c.matchAny(rv, ctx)
		if !resolved {
			return false
		}
		if m {
			return !c.Op.Negated
		}
	}
	return c.Op.Negated
}

// matchAny reports whether the request value rv matches at least one policy
// value under the operator's positive comparison. resolved is false when a
// policy variable could not be resolved.
func (c *Condition) matchAny(rv string, ctx Context) (match, resolved bool) {
	for i := range c.vals {
		v := &c.vals[i]
		if !v.ok {
			continue
		}
		var m, res bool
		switch c.Op.Family {
		case String:
			m, res = matchString(c.Op.cmp, v, rv, ctx)
		case ARN:
			m, res = matchARN(v, rv, ctx)
		case Bool:
			m, res = matchBool(v, rv, ctx)
		case Numeric:
			m, res = matchNumber(c.Op.cmp, v.num, rv), true
		case Date:
			m, res = matchDate(c.Op.cmp, v.t, rv), true
		case Binary:
			m, res = matchBinary(v, rv), true
		case IPAddress:
			m, res = matchIP(v.prefix, rv), true
		}
		if !res {
			return false, false
		}
		if m {
			return true, true
		}
	}
	return false, true
}
