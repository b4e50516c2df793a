package policy

import "unicode"

// Size is a document's length as IAM counts it against its quotas: in
// characters, whitespace not counted ("IAM doesn't count white space when
// calculating the size of a policy against these quotas", the IAM User
// Guide, "IAM and AWS STS quotas"). A managed policy holds at most 6,144;
// a role's inline policies 10,240 together.
func Size(doc []byte) int {
	n := 0
	for _, r := range string(doc) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
