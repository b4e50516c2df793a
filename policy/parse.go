package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/policy/condition"
)

// Parse parses the policy document data; name is used in error positions.
// On failure the error is an Errors value listing every problem found; the
// returned policy then holds what could be parsed and may be nil.
func Parse(name string, data []byte) (*Policy, error) {
	p := &parser{file: name, lines: newLines(data)}
	pol := p.parse(data)
	if pol != nil {
		sort.SliceStable(pol.Warnings, func(i, j int) bool { return pol.Warnings[i].Pos.Offset < pol.Warnings[j].Pos.Offset })
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Pos.Offset < p.errs[j].Pos.Offset })
		return pol, p.errs
	}
	return pol, nil
}

// MustParse is Parse for policies known to be valid, such as literals in
// tests and examples; it panics on error.
func MustParse(name, text string) *Policy {
	p, err := Parse(name, []byte(text))
	if err != nil {
		panic(err)
	}
	return p
}

type parser struct {
	file  string
	lines *lines
	errs  Errors
	warns Errors
}

func (p *parser) errorf(off int, path, code, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Pos: p.lines.pos(off), Path: path, Code: code, Msg: fmt.Sprintf(format, args...), AWS: awsWords[code]})
}

// awsWords is IAM's MalformedPolicyDocument message for a parse error of
// each code where the code alone decides it (see iam.go for the sources);
// the action and resource errors set theirs from the value.
var awsWords = map[string]string{
	CodeJSONSyntax: MsgSyntax, CodeDataType: MsgSyntax, CodeInvalidVersion: MsgSyntax, CodeMissingStatement: MsgSyntax,
	CodeInvalidElement: MsgSyntax, CodeMissingEffect: MsgSyntax, CodeElementCombination: MsgSyntax,
	CodeInvalidOperator: MsgSyntax, CodeNullWithIfExists: MsgSyntax, CodeMissingAction: MsgNoActions,
}

// lastAWS sets IAM's message on the error just reported.
func (p *parser) lastAWS(msg string) {
	if len(p.errs) > 0 {
		p.errs[len(p.errs)-1].AWS = msg
	}
}

func (p *parser) warnf(off int, path, code, format string, args ...any) {
	p.warns = append(p.warns, &Error{File: p.file, Pos: p.lines.pos(off), Path: path, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) pos(off int) Position { return p.lines.pos(off) }

func (p *parser) parse(data []byte) *Policy {
	root, err := parseTree(data)
	if err != nil {
		var se *jsonSyntaxError
		errors.As(err, &se) // parseTree's only error type
		p.errorf(se.off, "", CodeJSONSyntax, "%s", se.msg)
		return nil
	}
	if root.kind != kObject {
		p.errorf(root.off, "", CodeDataType, "policy must be a JSON object, got %s", root.kind)
		return nil
	}
	pol := &Policy{File: p.file, Pos: p.pos(root.off)}
	p.checkKeys(root, "", []string{"Version", "Id", "Statement"})
	if v, _ := root.get("Version"); v != nil {
		pol.VersionPos = p.pos(v.off)
		if v.kind != kString {
			p.errorf(v.off, "Version", CodeDataType, "must be a string, got %s", v.kind)
		} else if v.str != Version2012 && v.str != Version2008 {
			p.errorf(v.off, "Version", CodeInvalidVersion, "must be %q or %q, got %q", Version2012, Version2008, v.str)
		} else {
			pol.Version = v.str
		}
	}
	if v, _ := root.get("Id"); v != nil {
		pol.IDPos = p.pos(v.off)
		if v.kind != kString {
			p.errorf(v.off, "Id", CodeDataType, "must be a string, got %s", v.kind)
		} else {
			pol.ID = v.str
		}
	}
	st, _ := root.get("Statement")
	switch {
	case st == nil:
		p.errorf(root.off, "", CodeMissingStatement, "missing required element Statement")
	case st.kind == kObject:
		pol.StatementPos = p.pos(st.off)
		pol.Statements = append(pol.Statements, p.statement(st, 0, "Statement"))
	case st.kind == kArray:
		pol.StatementPos = p.pos(st.off)
		pol.StatementIsList = true
		for i, e := range st.elems {
			path := fmt.Sprintf("Statement[%d]", i)
			if e.kind != kObject {
				p.errorf(e.off, path, CodeDataType, "must be an object, got %s", e.kind)
				continue
			}
			pol.Statements = append(pol.Statements, p.statement(e, i, path))
		}
	default:
		p.errorf(st.off, "Statement", CodeDataType, "must be an object or an array of objects, got %s", st.kind)
	}
	pol.Warnings = p.warns
	return pol
}

// checkKeys reports unknown and duplicate keys of an object.
func (p *parser) checkKeys(n *node, path string, known []string) {
	seen := map[string]bool{}
	for _, m := range n.members {
		at := join(path, m.key)
		ok := false
		for _, k := range known {
			if m.key == k {
				ok = true
				break
			}
		}
		if !ok {
			hint := ""
			for _, k := range known {
				if strings.EqualFold(m.key, k) {
					hint = fmt.Sprintf(" (element names are case-sensitive: did you mean %q?)", k)
				}
			}
			p.errorf(m.keyOff, at, CodeInvalidElement, "unknown element %q%s; allowed: %s", m.key, hint, strings.Join(known, ", "))
			continue
		}
		if seen[m.key] {
			p.warnf(m.keyOff, at, CodeDuplicateElement, "duplicate element %q: the last one is used", m.key)
		}
		seen[m.key] = true
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *parser) statement(n *node, idx int, path string) *Statement {
	s := &Statement{Index: idx, Path: path, Pos: p.pos(n.off)}
	p.checkKeys(n, path, []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"})
	if v, _ := n.get("Sid"); v != nil {
		s.SidPos = p.pos(v.off)
		if v.kind != kString {
			p.errorf(v.off, path+".Sid", CodeDataType, "must be a string, got %s", v.kind)
		} else {
			s.Sid, s.HasSid = v.str, true
		}
	}
	if v, _ := n.get("Effect"); v == nil {
		p.errorf(n.off, path, CodeMissingEffect, "missing required element Effect")
	} else {
		s.EffectPos = p.pos(v.off)
		switch {
		case v.kind != kString:
			p.errorf(v.off, path+".Effect", CodeInvalidEffect, `must be "Allow" or "Deny", got %s`, v.kind)
			p.lastAWS(MsgSyntax)
		case v.str == "Allow":
			s.Effect = Allow
		case v.str == "Deny":
			s.Effect = Deny
		default:
			p.errorf(v.off, path+".Effect", CodeInvalidEffect, `must be "Allow" or "Deny", got %q`, v.str)
			if strings.EqualFold(v.str, "Allow") || strings.EqualFold(v.str, "Deny") {
				p.lastAWS(MsgLegacy)
			} else {
				p.lastAWS(MsgSyntax)
			}
		}
	}
	pr, _ := n.get("Principal")
	npr, _ := n.get("NotPrincipal")
	if pr != nil && npr != nil {
		p.errorf(npr.off, path+".NotPrincipal", CodeElementCombination, "a statement cannot have both Principal and NotPrincipal")
	}
	if pr != nil {
		s.Principal = p.principal(pr, path+".Principal")
	}
	if npr != nil {
		s.NotPrincipal = p.principal(npr, path+".NotPrincipal")
	}
	a, _ := n.get("Action")
	na, _ := n.get("NotAction")
	switch {
	case a != nil && na != nil:
		p.errorf(na.off, path+".NotAction", CodeElementCombination, "a statement cannot have both Action and NotAction")
	case a == nil && na == nil:
		p.errorf(n.off, path, CodeMissingAction, "missing required element Action or NotAction")
	}
	if a != nil {
		s.Action = p.actions(a, path+".Action")
	}
	if na != nil {
		s.NotAction = p.actions(na, path+".NotAction")
	}
	r, _ := n.get("Resource")
	nr, _ := n.get("NotResource")
	if r != nil && nr != nil {
		p.errorf(nr.off, path+".NotResource", CodeElementCombination, "a statement cannot have both Resource and NotResource")
	}
	if r != nil {
		s.Resource = p.resources(r, path+".Resource")
	}
	if nr != nil {
		s.NotResource = p.resources(nr, path+".NotResource")
	}
	if c, _ := n.get("Condition"); c != nil {
		s.ConditionPos = p.pos(c.off)
		s.Conditions = p.conditions(c, path+".Condition")
	}
	return s
}

// stringList reads a string or a non-empty array of strings. A Resource or
// NotResource array may hold nulls, which IAM ignores (and so does this).
func (p *parser) stringList(n *node, path, emptyCode string) *List {
	l := &List{Pos: p.pos(n.off)}
	switch n.kind {
	case kString:
		l.Values = []Value{{Text: n.str, Pos: p.pos(n.off)}}
	case kArray:
		l.IsList = true
		if len(n.elems) == 0 {
			p.warnf(n.off, path, emptyCode, "empty array: this element matches nothing and the statement has no effect")
		}
		for i, e := range n.elems {
			if e.kind == kNull && emptyCode == CodeEmptyArrayResource {
				continue
			}
			if e.kind != kString {
				p.errorf(e.off, fmt.Sprintf("%s[%d]", path, i), CodeDataType, "must be a string, got %s", e.kind)
				continue
			}
			l.Values = append(l.Values, Value{Text: e.str, Pos: p.pos(e.off)})
		}
	default:
		p.errorf(n.off, path, CodeDataType, "must be a string or an array of strings, got %s", n.kind)
	}
	return l
}

func (p *parser) elemPath(l *List, path string, i int) string {
	if l.IsList {
		return fmt.Sprintf("%s[%d]", path, i)
	}
	return path
}

func (p *parser) actions(n *node, path string) *List {
	l := p.stringList(n, path, CodeEmptyArrayAction)
	for i, v := range l.Values {
		if msg := checkAction(v.Text); msg != "" {
			p.errorf(v.Pos.Offset, p.elemPath(l, path, i), CodeInvalidAction, "%s", msg)
			p.lastAWS(actionError(v.Text))
		}
	}
	return l
}

// checkAction applies IAM's action grammar: "*" or "vendor:name", the
// vendor of letters, digits, '.' and '-' (or "*"). IAM does not look at the
// name, so "s3:GetObject,PutObject" is stored, and matches no action.
func checkAction(s string) string {
	switch actionError(s) {
	case "":
		return ""
	case MsgNoVendor:
		return fmt.Sprintf(`must be "*" or "service:action", got %q`, s)
	case MsgOneColon:
		return fmt.Sprintf("an action has one colon, between service prefix and action name, got %q", s)
	}
	svc, _, _ := strings.Cut(s, ":")
	return fmt.Sprintf("invalid service prefix %q in action %q (letters, digits, '.' and '-')", svc, s)
}

func (p *parser) resources(n *node, path string) *List {
	l := p.stringList(n, path, CodeEmptyArrayResource)
	for i := range l.Values {
		v := &l.Values[i]
		at := p.elemPath(l, path, i)
		switch {
		case v.Text == "*":
		case !strings.HasPrefix(v.Text, "arn:"):
			msg := (&iamCheck{opts: IAMOptions{Partition: "aws"}}).resourceError(v.Text)
			if msg == "" {
				// IAM does not read the first field, so it stores this;
				// no request's resource is named so, and it matches none.
				p.warnf(v.Pos.Offset, at, CodeInvalidARNPrefix, "an ARN begins with \"arn:\", got %q: IAM stores it and it matches no resource", v.Text)
				continue
			}
			p.errorf(v.Pos.Offset, at, CodeInvalidARNPrefix, `must be "*" or an ARN (arn:partition:service:region:account:resource), got %q`, v.Text)
			p.lastAWS(msg)
		case strings.Count(v.Text, ":") < 5 && (strings.Contains(v.Text, "::") || strings.Count(v.Text, ":") < 2):
			p.errorf(v.Pos.Offset, at, CodeMissingARNField, `an ARN needs six fields (arn:partition:service:region:account:resource), got %q`, v.Text)
			if strings.Count(v.Text, ":") < 2 {
				p.lastAWS(MsgResourceVendor)
			} else {
				p.lastAWS(MsgLegacy)
			}
		case strings.Count(v.Text, ":") < 5:
			// IAM stores a short ARN and reads the missing fields as "*"
			// (arn:aws:fdsasf is arn:aws:fdsasf:*:*:*; moto's
			// reverse-engineered corpus, getmoto/moto
			// tests/test_iam/test_iam_policies.py).
			padded := v.Text + strings.Repeat(":*", 5-strings.Count(v.Text, ":"))
			p.warnf(v.Pos.Offset, at, CodeMissingARNField, "an ARN has six fields: IAM reads %q as %q", v.Text, padded)
			v.Text = padded
		}
	}
	return l
}

func (p *parser) principal(n *node, path string) *Principal {
	pr := &Principal{Pos: p.pos(n.off)}
	switch n.kind {
	case kString:
		if n.str != "*" {
			p.errorf(n.off, path, CodePrincipalFormat, `must be "*" or an object such as {"AWS": ...}, got %q`, n.str)
			p.lastAWS(MsgSyntax)
		}
		pr.Wildcard = true
		return pr
	case kObject:
	default:
		p.errorf(n.off, path, CodePrincipalFormat, `must be "*" or an object, got %s`, n.kind)
		p.lastAWS(MsgSyntax)
		return pr
	}
	if len(n.members) == 0 {
		p.warnf(n.off, path, CodeEmptyObjectPrincipal, "empty object: this statement names no principal and has no effect")
	}
	p.checkKeys(n, path, []string{"AWS", "Service", "Federated", "CanonicalUser"})
	for _, m := range n.members {
		at := join(path, m.key)
		l := p.stringList(m.val, at, CodeEmptyArrayPrincipal)
		switch m.key {
		case "AWS":
			for i, v := range l.Values {
				if code, msg := checkAWSPrincipal(v.Text); msg != "" {
					p.errorf(v.Pos.Offset, p.elemPath(l, at, i), code, "%s", msg)
					p.lastAWS(`Invalid principal in policy: "AWS":"` + v.Text + `"`)
				}
			}
			pr.AWS = append(pr.AWS, l.Values...)
		case "Service":
			for i, v := range l.Values {
				if v.Text != "*" && (v.Text == "" || strings.ContainsAny(v.Text, " */:?")) {
					p.errorf(v.Pos.Offset, p.elemPath(l, at, i), CodePrincipalFormat, "invalid service principal %q (want a name such as lambda.amazonaws.com)", v.Text)
					p.lastAWS(`Invalid principal in policy: "SERVICE":"` + v.Text + `"`)
				}
			}
			pr.Service = append(pr.Service, l.Values...)
		case "Federated":
			for i, v := range l.Values {
				if v.Text == "" {
					p.errorf(v.Pos.Offset, p.elemPath(l, at, i), CodePrincipalFormat, "federated principal must not be empty")
				}
			}
			pr.Federated = append(pr.Federated, l.Values...)
		case "CanonicalUser":
			for i, v := range l.Values {
				if v.Text == "" {
					p.errorf(v.Pos.Offset, p.elemPath(l, at, i), CodePrincipalFormat, "canonical user ID must not be empty")
				}
			}
			pr.CanonicalUser = append(pr.CanonicalUser, l.Values...)
		}
	}
	return pr
}

// checkAWSPrincipal accepts "*", a 12-digit account ID, an IAM or STS ARN, or
// a unique ID (which AWS shows when the principal it named was deleted).
// Wildcards cannot match part of a principal (the IAM User Guide, "AWS JSON
// policy elements: Principal").
func checkAWSPrincipal(s string) (code, msg string) {
	if s == "*" || arn.IsAccountID(s) {
		return "", ""
	}
	if strings.ContainsAny(s, "*?") {
		return CodeWildcardInPrincipal, fmt.Sprintf("wildcards cannot match part of a principal, got %q (use \"*\" with a condition on aws:PrincipalArn)", s)
	}
	if strings.HasPrefix(s, "arn:") {
		a, err := arn.Parse(s)
		if err != nil || (a.Service != "iam" && a.Service != "sts") || !arn.IsAccountID(a.AccountID) || a.Resource == "" {
			return CodePrincipalFormat, fmt.Sprintf("invalid AWS principal ARN %q (want arn:aws:iam::ACCOUNT:root, :user/NAME, :role/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)", s)
		}
		return "", ""
	}
	if isUniqueID(s) {
		return "", ""
	}
	return CodePrincipalFormat, fmt.Sprintf("invalid AWS principal %q (want \"*\", a 12-digit account ID or an ARN)", s)
}

func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || !strings.HasPrefix(s, "A") {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (p *parser) conditions(n *node, path string) []*Condition {
	if n.kind != kObject {
		p.errorf(n.off, path, CodeDataType, "must be an object of condition operators, got %s", n.kind)
		return nil
	}
	if len(n.members) == 0 {
		p.warnf(n.off, path, CodeEmptyObjectCondition, "empty object: this condition block is empty and has no effect")
	}
	var out []*Condition
	seenOp := map[string]bool{}
	for _, m := range n.members {
		opPath := join(path, m.key)
		op, err := condition.ParseOperator(m.key)
		if err != nil {
			code := CodeInvalidOperator
			if errors.Is(err, condition.ErrNullIfExists) {
				code = CodeNullWithIfExists
			}
			if m.val.kind == kObject && len(m.val.members) == 0 {
				// IAM stores an operator it does not know when its block
				// is empty; it tests nothing.
				p.warnf(m.keyOff, opPath, code, "%v (its block is empty, so IAM stores it and it tests nothing)", err)
				continue
			}
			p.errorf(m.keyOff, opPath, code, "%v", err)
			continue
		}
		if seenOp[m.key] {
			p.warnf(m.keyOff, opPath, CodeDuplicateElement, "duplicate condition operator %q: the last one is used", m.key)
			// Drop the earlier block, as a JSON object would.
			kept := out[:0]
			for _, c := range out {
				if c != nil && c.OperatorText != m.key {
					kept = append(kept, c)
				}
			}
			out = kept
		}
		seenOp[m.key] = true
		if m.val.kind != kObject {
			p.errorf(m.val.off, opPath, CodeDataType, "must be an object of condition keys, got %s", m.val.kind)
			continue
		}
		if len(m.val.members) == 0 {
			p.warnf(m.val.off, opPath, CodeEmptyObjectCondition, "empty object: this condition block has no keys")
		}
		seenKey := map[string]int{}
		for _, km := range m.val.members {
			keyPath := opPath + "." + km.key
			if strings.TrimSpace(km.key) == "" {
				// IAM stores it; no request has such a key.
				p.warnf(km.keyOff, keyPath, CodeConditionKeyFormat, "condition key must not be empty")
			}
			c := &Condition{
				Operator: op, OperatorText: m.key, OperatorPos: p.pos(m.keyOff),
				Key: km.key, KeyPos: p.pos(km.keyOff), Pos: p.pos(km.keyOff), Path: keyPath,
			}
			lk := strings.ToLower(km.key)
			if j, dup := seenKey[lk]; dup {
				if prev := out[j]; prev != nil && prev.Key != km.key {
					p.warnf(km.keyOff, keyPath, CodeDuplicateKeysCase, "the condition key %q appears more than once with different capitalization (%q) under %s: the last one is used", km.key, prev.Key, m.key)
				} else {
					p.warnf(km.keyOff, keyPath, CodeDuplicateElement, "duplicate condition key %q under %s: the last one is used", km.key, m.key)
				}
				out[j] = nil
			}
			v := km.val
			switch v.kind {
			case kString, kNumber, kBool:
				c.Values = []Value{{Text: v.str, Pos: p.pos(v.off)}}
			case kArray:
				c.ValuesIsList = true
				if len(v.elems) == 0 {
					p.warnf(v.off, keyPath, CodeEmptyArrayCondition, "empty array: there are no values for the condition key %q", km.key)
				}
				for i, e := range v.elems {
					if e.kind != kString && e.kind != kNumber && e.kind != kBool {
						p.errorf(e.off, fmt.Sprintf("%s[%d]", keyPath, i), CodeDataType, "must be a string, number or boolean, got %s", e.kind)
						continue
					}
					c.Values = append(c.Values, Value{Text: e.str, Pos: p.pos(e.off)})
				}
			default:
				p.errorf(v.off, keyPath, CodeDataType, "must be a string or an array of strings, got %s", v.kind)
				continue
			}
			seenKey[lk] = len(out)
			out = append(out, c)
		}
	}
	kept := out[:0]
	for _, c := range out {
		if c != nil {
			kept = append(kept, c)
		}
	}
	return kept
}
