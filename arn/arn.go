package arn

import (
	"errors"
	"strings"

	"github.com/iamgate/iamgate/wildcard"
)

// ErrMalformed is returned by Parse for text that is not an ARN.
var ErrMalformed = errors.New("arn: malformed ARN (want arn:partition:service:region:account-id:resource)")

// ARN is a parsed Amazon Resource Name. Its fields are substrings of the
// parsed text, so parsing does not allocate.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

// String reassembles the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// Parse splits s into its components. It requires the "arn:" prefix and all
// six components; the resource component may be empty only for wildcard
// patterns and is otherwise taken as is.
func Parse(s string) (ARN, error) {
	var a ARN
	if !strings.HasPrefix(s, "arn:") {
		return a, ErrMalformed
	}
	rest := s[4:]
	var parts [4]string
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return a, ErrMalformed
		}
		parts[i] = rest[:j]
		rest = rest[j+1:]
	}
	a.Partition, a.Service, a.Region, a.AccountID, a.Resource = parts[0], parts[1], parts[2], parts[3], rest
	if a.Partition == "" || a.Service == "" {
		return a, ErrMalformed
	}
	return a, nil
}

// IsARN reports whether s parses as an ARN.
func IsARN(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// Match reports whether the ARN text s matches pattern under the per-component
// rule. A pattern of "*" matches anything, including text that is not an ARN.
// Otherwise both must parse as ARNs. Comparison is case-sensitive.
func Match(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	p, err := Parse(pattern)
	if err != nil {
		return false
	}
	a, err := Parse(s)
	if err != nil {
		return false
	}
	return MatchParsed(p, a)
}

// MatchParsed is Match on already parsed values.
func MatchParsed(p, a ARN) bool {
	return component(p.Partition, a.Partition) &&
		component(p.Service, a.Service) &&
		component(p.Region, a.Region) &&
		component(p.AccountID, a.AccountID) &&
		component(p.Resource, a.Resource)
}

func component(p, s string) bool {
	if p == "*" {
		return true
	}
	if !wildcard.HasWildcard(p) {
		return p == s
	}
	return wildcard.Match(p, s)
}

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
