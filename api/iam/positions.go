package iam

import (
	"unicode/utf8"

	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// The simulator's MatchedStatements carry each statement's StartPosition
// and EndPosition: "the row and column of the beginning" and "of the end of
// a Statement in an IAM policy" (the IAM API Reference, Statement). Both
// are iamgate's positions of the statement's braces, 1-based lines and
// columns in characters: the start is the opening brace (policy.Statement's
// Pos), the end the closing brace, found in the text the policy was parsed
// from.

// position is a 1-based line and character column.
type position struct{ Line, Column int }

// typed is the position as the model's Position.
func (p position) typed() *iamshape.Position {
	return &iamshape.Position{Line: shape.Ptr(int32(p.Line)), Column: shape.Ptr(int32(p.Column))}
}

// policyTexts finds the text a compiled policy was parsed from: a document
// of the request, or one of the world's.
type policyTexts struct {
	known   map[*policy.Policy][]byte
	w       *world.World
	account string
	walked  bool
}

// matchedPolicy is the compiled policy a matched statement is in.
func matchedPolicy(q *engine.Prepared, m engine.MatchedStatement) *engine.Policy {
	ps := q.Policies
	all := append([]*engine.Policy{ps.Resource, ps.PermissionsBoundary, ps.Endpoint}, ps.Identity...)
	all = append(all, ps.Session...)
	for _, level := range ps.SCP {
		all = append(all, level...)
	}
	for _, level := range ps.RCP {
		all = append(all, level...)
	}
	for _, p := range all {
		if p != nil && p.Name == m.PolicyName && p.Type.String() == m.PolicyType {
			return p
		}
	}
	return nil
}

func (t *policyTexts) text(p *engine.Policy) []byte {
	if p == nil || p.Source == nil {
		return nil
	}
	if b, ok := t.known[p.Source]; ok {
		return b
	}
	if !t.walked && t.w != nil {
		t.walked = true
		t.walk()
	}
	if b, ok := t.known[p.Source]; ok {
		return b
	}
	// An AWS managed policy, or a customer managed one by ARN.
	if t.w != nil {
		if mp, ok := t.w.ManagedPolicy(p.Name); ok {
			for _, v := range mp.Versions {
				if v.Document != nil && v.Document.Policy() == p.Source {
					return v.Document.JSON
				}
			}
		}
	}
	return nil
}

// walk records the texts of the caller's account's documents.
func (t *policyTexts) walk() {
	a := t.w.Accounts.Get(t.account)
	if a == nil {
		return
	}
	add := func(d *world.Document) {
		if d != nil {
			t.known[d.Policy()] = d.JSON
		}
	}
	for _, u := range a.Users.All() {
		for _, ip := range u.Inline {
			add(ip.Document)
		}
	}
	for _, g := range a.Groups.All() {
		for _, ip := range g.Inline {
			add(ip.Document)
		}
	}
	for _, r := range a.Roles.All() {
		add(r.Trust)
		for _, ip := range r.Inline {
			add(ip.Document)
		}
	}
	for _, mp := range a.Policies.All() {
		for _, v := range mp.Versions {
			add(v.Document)
		}
	}
	for _, r := range a.Resources.All() {
		add(r.Policy)
	}
}

// statementEnd finds the closing brace of the object whose opening brace
// is at line and column of text, and returns its position.
func statementEnd(text []byte, line, column int) (position, bool) {
	off, ok := offsetOf(text, line, column)
	if !ok || off >= len(text) || text[off] != '{' {
		return position{}, false
	}
	depth, inString := 0, false
	for i := off; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return positionOf(text, i), true
			}
		}
	}
	return position{}, false
}

// offsetOf is the byte offset of a 1-based line and character column.
func offsetOf(text []byte, line, column int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		i := indexByte(text[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for col := 1; col < column; col++ {
		if off >= len(text) || text[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(text[off:])
		off += size
	}
	return off, true
}

// positionOf is the 1-based line and character column of a byte offset.
func positionOf(text []byte, off int) position {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if text[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return position{Line: line, Column: utf8.RuneCount(text[start:off]) + 1}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
