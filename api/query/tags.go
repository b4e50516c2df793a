package query

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The tag rules of the IAM and STS models (botocore iam/2010-05-08 and
// sts/2011-06-15, shapes tagKeyType, tagValueType, tagListType and
// tagKeyListType; the IAM API Reference, "Tag"): a key is 1 to 128
// characters and a value 0 to 256, both of Unicode letters, separators and
// numbers and _ . : / = + - @; a request carries at most 50 of them.
// Organizations (organizations/2016-11-28, TagKey and TagValue) has the
// same character set and lengths.
const (
	TagKeyPatternText   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	TagValuePatternText = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	MaxTagKeyLength     = 128
	MaxTagValueLength   = 256
	MaxTagsPerRequest   = 50
)

var (
	tagKeyPattern   = regexp.MustCompile(`^` + TagKeyPatternText + `$`)
	tagValuePattern = regexp.MustCompile(`^` + TagValuePatternText + `$`)
)

// ValidTagKey reports whether k is a tag key by the models' rules (length
// in characters, pattern; invalid UTF-8 is never one).
func ValidTagKey(k string) bool { return len(TagKeyViolations(k, "")) == 0 }

// ValidTagValue reports whether v is a tag value by the models' rules.
func ValidTagValue(v string) bool { return len(TagValueViolations(v, "")) == 0 }

// TagKeyViolations lists what is wrong with a tag key at field.
func TagKeyViolations(k, field string) []Violation {
	return stringViolations(k, field, 1, MaxTagKeyLength, tagKeyPattern, TagKeyPatternText)
}

// TagValueViolations lists what is wrong with a tag value at field.
func TagValueViolations(v, field string) []Violation {
	return stringViolations(v, field, 0, MaxTagValueLength, tagValuePattern, TagValuePatternText)
}

func stringViolations(s, field string, min, max int, re *regexp.Regexp, reText string) []Violation {
	if !utf8.ValidString(s) {
		// Never echo bytes that are not text; the edge refuses these first.
		return []Violation{{Field: field, Constraint: "Member must be valid UTF-8", Rule: RuleUTF8}}
	}
	var vs []Violation
	n := utf8.RuneCountInString(s)
	if n < min {
		vs = append(vs, Violation{Value: &s, Field: field, Constraint: "Member must have length greater than or equal to " + strconv.Itoa(min), Rule: RuleMinLength})
	}
	if n > max {
		vs = append(vs, Violation{Value: &s, Field: field, Constraint: "Member must have length less than or equal to " + strconv.Itoa(max), Rule: RuleMaxLength})
	}
	if !re.MatchString(s) {
		vs = append(vs, Violation{Value: &s, Field: field, Constraint: "Member must satisfy regular expression pattern: " + reText, Rule: RulePattern})
	}
	return vs
}

// ReservedTagKey reports whether a tag key begins with aws:, in any case,
// which AWS reserves for its own tags (the IAM User Guide, "Tagging IAM
// resources"; the Organizations API's INVALID_SYSTEM_TAGS_PARAMETER). The
// comparison folds case the Unicode way, so that no spelling a
// case-insensitive reader would take for aws: gets through.
func ReservedTagKey(k string) bool {
	i := 0
	for n := 0; n < 4 && i < len(k); n++ {
		_, size := utf8.DecodeRuneInString(k[i:])
		i += size
	}
	return strings.EqualFold(k[:i], "aws:")
}

// Tags reads Name.member.N.Key / .Value and checks them against the
// models' rules; every violation is reported in one ValidationError, with
// the member path AWS uses ('tags.1.member.key').
func (p Params) Tags(name string) ([][2]string, *Error) {
	field := lowerFirst(name)
	var out [][2]string
	var vs []Violation
	for i := 1; ; i++ {
		prefix := name + ".member." + strconv.Itoa(i)
		k, hasKey := p.Values[prefix+".Key"]
		v, hasValue := p.Values[prefix+".Value"]
		if !hasKey && !hasValue {
			break
		}
		at := field + "." + strconv.Itoa(i) + ".member"
		var key, value string
		if hasKey {
			key = k[0]
			vs = append(vs, TagKeyViolations(key, at+".key")...)
		} else {
			vs = append(vs, Violation{Null: true, Field: at + ".key", Constraint: "Member must not be null", Rule: RuleNull})
		}
		if hasValue {
			value = v[0]
			vs = append(vs, TagValueViolations(value, at+".value")...)
		} else {
			vs = append(vs, Violation{Null: true, Field: at + ".value", Constraint: "Member must not be null", Rule: RuleNull})
		}
		out = append(out, [2]string{key, value})
	}
	if len(out) > MaxTagsPerRequest {
		vs = append(vs, Violation{Field: field, Constraint: "Member must have length less than or equal to " + strconv.Itoa(MaxTagsPerRequest), Rule: RuleMaxLength})
	}
	if e := Validation(vs...); e != nil {
		return nil, e
	}
	return out, nil
}

// TagKeys reads a list of tag keys (Name.member.N: UntagUser's TagKeys,
// AssumeRole's TransitiveTagKeys) and checks them like Tags.
func (p Params) TagKeys(name string) ([]string, *Error) {
	field := lowerFirst(name)
	keys := p.List(name)
	var vs []Violation
	for i, k := range keys {
		vs = append(vs, TagKeyViolations(k, field+"."+strconv.Itoa(i+1)+".member")...)
	}
	if len(keys) > MaxTagsPerRequest {
		vs = append(vs, Violation{Field: field, Constraint: "Member must have length less than or equal to " + strconv.Itoa(MaxTagsPerRequest), Rule: RuleMaxLength})
	}
	if e := Validation(vs...); e != nil {
		return nil, e
	}
	return keys, nil
}

// SessionTagRules checks what the model cannot of STS session tags
// (already checked by Tags): no key with the reserved aws: prefix, and no
// two keys that differ only in case ("you cannot have separate Department
// and department tag keys", the STS API Reference, AssumeRole). AWS names
// no code for these; ValidationError, the code of every other bad tag, is
// the one answered.
func SessionTagRules(tags [][2]string) *Error {
	seen := map[string]bool{}
	for _, t := range tags {
		if ReservedTagKey(t[0]) {
			return Errorf("ValidationError", "1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Tag keys beginning with aws: are reserved for AWS use", t[0])
		}
		k := strings.ToLower(t[0])
		if seen[k] {
			return Errorf("ValidationError", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}
