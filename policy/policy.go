package policy

import (
	"github.com/iamgate/iamgate/policy/condition"
)

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return ""
}

// Policy is a parsed policy document.
type Policy struct {
	// File is the name given to Parse, used in error messages.
	File string
	// Version is the Version element; empty when the document has none, in
	// which case AWS applies 2008-10-17 (no policy variables).
	Version    string
	VersionPos Position
	ID         string
	IDPos      Position
	Statements []*Statement
	// StatementIsList reports whether Statement was an array.
	StatementIsList bool
	StatementPos    Position
	// Warnings are problems AWS tolerates, such as duplicate keys (the last
	// one wins, as in most JSON parsers); the validator reports them.
	Warnings Errors
	Pos      Position
}

// VariablesEnabled reports whether policy variables are substituted: only
// under Version 2012-10-17.
func (p *Policy) VariablesEnabled() bool { return p.Version == Version2012 }

// Statement is one statement of a policy.
type Statement struct {
	// Index is the statement's 0-based position in the document.
	Index        int
	Path         string // "Statement[2]", or "Statement" for a lone object
	Sid          string
	HasSid       bool
	SidPos       Position
	Effect       Effect
	EffectPos    Position
	Principal    *Principal
	NotPrincipal *Principal
	Action       *List
	NotAction    *List
	Resource     *List
	NotResource  *List
	Conditions   []*Condition
	ConditionPos Position
	Pos          Position
}

// Value is a string from the document with its position.
type Value struct {
	Text string
	Pos  Position
}

// List is an element that takes a string or an array of strings.
type List struct {
	Values []Value
	IsList bool
	Pos    Position
}

// Texts returns the list's strings.
func (l *List) Texts() []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l.Values))
	for i, v := range l.Values {
		out[i] = v.Text
	}
	return out
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	// Wildcard is true for "Principal": "*" (which AWS also treats as
	// {"AWS": "*"}).
	Wildcard      bool
	AWS           []Value
	Service       []Value
	Federated     []Value
	CanonicalUser []Value
	Pos           Position
}

// Condition is one key under one operator of a Condition element.
type Condition struct {
	Operator     condition.Operator
	OperatorText string
	OperatorPos  Position
	Key          string
	KeyPos       Position
	Values       []Value
	ValuesIsList bool
	Pos          Position
	Path         string
}

// Texts returns the condition's values.
func (c *Condition) Texts() []string {
	out := make([]string, len(c.Values))
	for i, v := range c.Values {
		out[i] = v.Text
	}
	return out
}
