package validate

import (
	"strings"
	"sync"
)

// fitsTemplate reports whether some ARN could match both a policy's resource
// text (with '*' and '?' wildcards) and a resource type's ARN template from
// the Service Authorization Reference, such as
// arn:${Partition}:s3:::${BucketName}/${ObjectName}. Components are compared
// one by one, as IAM matches ARNs. In a template, a ${Placeholder} stands for
// one or more characters other than ':' and '/'; the last placeholder of a
// resource part that has other text before it (an object key after the bucket
// name, a role name with its path, a log group name) may also hold '/'.
func fitsTemplate(policyARN, template string) bool {
	pc, ok := splitSix(policyARN)
	if !ok {
		return false
	}
	tc, ok := splitSix(template)
	if !ok {
		return false
	}
	for i := 1; i < 6; i++ {
		if !componentFits(pc[i], tc[i], i == 5) {
			return false
		}
	}
	return true
}

// componentFits is fitsTemplate for one component (1 partition ... 5 resource).
func componentFits(policyComp, templateComp string, resource bool) bool {
	if policyComp == "*" {
		return true // '*' matches any text, the empty text too
	}
	return intersects(globTokens(policyComp), cachedTemplateTokens(templateComp, resource))
}

// Catalog templates repeat across every policy checked: tokenize each once.
var templateCache sync.Map // templateKey -> []tok

type templateKey struct {
	text     string
	resource bool
}

func cachedTemplateTokens(s string, resource bool) []tok {
	k := templateKey{s, resource}
	if v, ok := templateCache.Load(k); ok {
		return v.([]tok)
	}
	t := templateTokens(s, resource)
	templateCache.Store(k, t)
	return t
}

func splitSix(s string) ([6]string, bool) {
	var out [6]string
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return out, false
		}
		out[i] = rest[:j]
		rest = rest[j+1:]
	}
	out[5] = rest
	return out, out[0] == "arn"
}

// A token matches one character (one) or any run of characters (star) from a
// class, or one literal character.
type tokKind uint8

const (
	tLit tokKind = iota
	tOne
	tStar
)

type class uint8

const (
	anyChar    class = iota
	noColon          // anything but ':'
	noColonNor       // anything but ':' and '/'
)

type tok struct {
	kind tokKind
	c    byte
	cls  class
}

func globTokens(s string) []tok {
	out := make([]tok, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			out = append(out, tok{kind: tStar, cls: anyChar})
		case '?':
			out = append(out, tok{kind: tOne, cls: anyChar})
		default:
			out = append(out, tok{kind: tLit, c: s[i]})
		}
	}
	return out
}

func templateTokens(s string, resource bool) []tok {
	lastVar := strings.LastIndex(s, "${")
	if strings.HasPrefix(s, "${") && strings.Index(s, "}") == len(s)-1 {
		lastVar = -1 // a placeholder that is the whole component (a bucket or queue name) holds no '/'
	}
	out := make([]tok, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				cls := noColonNor
				if resource && i == lastVar {
					cls = noColon
				}
				// One or more characters.
				out = append(out, tok{kind: tOne, cls: cls}, tok{kind: tStar, cls: cls})
				i += j
				continue
			}
		}
		out = append(out, tok{kind: tLit, c: s[i]})
	}
	return out
}

func (c class) has(b byte) bool {
	switch c {
	case noColon:
		return b != ':'
	case noColonNor:
		return b != ':' && b != '/'
	}
	return true
}

// compatible reports whether two single-character tokens can match the same
// character.
func compatible(a, b tok) bool {
	switch {
	case a.kind == tLit && b.kind == tLit:
		return a.c == b.c
	case a.kind == tLit:
		return b.cls.has(a.c)
	case b.kind == tLit:
		return a.cls.has(b.c)
	}
	return true // every class holds ordinary letters
}

// intersects reports whether some string matches both token sequences. It
// explores pairs of positions once each (memoized), so it is O(len(a)*len(b)).
func intersects(a, b []tok) bool {
	seen := make([]bool, (len(a)+1)*(len(b)+1))
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		k := i*(len(b)+1) + j
		if seen[k] {
			return false
		}
		seen[k] = true
		if i == len(a) && j == len(b) {
			return true
		}
		if i < len(a) && a[i].kind == tStar {
			if walk(i+1, j) { // the star matches nothing more
				return true
			}
			if j < len(b) && b[j].kind != tStar && compatible(tok{kind: tOne, cls: a[i].cls}, b[j]) && walk(i, j+1) {
				return true
			}
		}
		if j < len(b) && b[j].kind == tStar {
			if walk(i, j+1) {
				return true
			}
			if i < len(a) && a[i].kind != tStar && compatible(a[i], tok{kind: tOne, cls: b[j].cls}) && walk(i+1, j) {
				return true
			}
		}
		if i < len(a) && j < len(b) && a[i].kind != tStar && b[j].kind != tStar && compatible(a[i], b[j]) {
			return walk(i+1, j+1)
		}
		return false
	}
	return walk(0, 0)
}

// Overlap reports whether some text matches both patterns, '*' and '?'
// being IAM's wildcards: whether two Resource (or Action) values can name
// the same thing.
func Overlap(a, b string) bool { return intersects(globTokens(a), globTokens(b)) }

// FitsTemplate reports whether some ARN could match both a policy's
// resource text and a resource type's ARN template from the Service
// Authorization Reference, component by component.
func FitsTemplate(policyARN, template string) bool { return fitsTemplate(policyARN, template) }
