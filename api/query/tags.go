package query

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamgate/iamgate/api/awserr"
)

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

// Tags reads Name.member.N.Key / .Value, in order, until the first N
// with neither. Their constraints (botocore iam/2010-05-08 and
// sts/2011-06-15: Tag, tagKeyType, tagValueType, tagListType) are the
// model's, checked by the edge before any handler (api/model).
func (p Params) Tags(name string) [][2]string {
	var out [][2]string
	for i := 1; ; i++ {
		prefix := name + ".member." + strconv.Itoa(i)
		k, hasKey := p.Values[prefix+".Key"]
		v, hasValue := p.Values[prefix+".Value"]
		if !hasKey && !hasValue {
			return out
		}
		var key, value string
		if hasKey {
			key = k[0]
		}
		if hasValue {
			value = v[0]
		}
		out = append(out, [2]string{key, value})
	}
}

// SessionTagRules checks what the model cannot of STS session tags: no key with the reserved aws: prefix, and no
// two keys that differ only in case ("you cannot have separate Department
// and department tag keys", the STS API Reference, AssumeRole). AWS names
// no code for these; ValidationError, the code of every other bad tag, is
// the one answered.
func SessionTagRules(tags [][2]string) *Error {
	seen := map[string]bool{}
	for _, t := range tags {
		if ReservedTagKey(t[0]) {
			return awserr.ValidationError("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Tag keys beginning with aws: are reserved for AWS use", t[0])
		}
		k := strings.ToLower(t[0])
		if seen[k] {
			return awserr.ValidationError("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}
