package analyzer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Criterion is a filter's test of one key (botocore: Criterion): the
// finding's value equals one of Eq, equals none of Neq, contains one of
// Contains, exists or not.
type Criterion struct {
	Eq       []string `json:"eq,omitempty"`
	Neq      []string `json:"neq,omitempty"`
	Contains []string `json:"contains,omitempty"`
	Exists   *bool    `json:"exists,omitempty"`
}

// Filter holds, by filter key, the criteria a finding must all meet.
type Filter map[string]Criterion

// Rule is an archive rule: its name, filter and times.
type Rule struct {
	Name      string            `json:"name"`
	Filter    Filter            `json:"filter"`
	Tags      map[string]string `json:"tags,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// The filter keys of external access findings (the IAM User Guide, "IAM
// Access Analyzer filter keys",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html):
// resource, resourceType, resourceOwnerAccount, status, isPublic, id,
// error, action, principal.AWS, principal.Service, principal.Federated,
// principal.CanonicalUser and condition.<key> (a condition key of the
// finding, such as condition.aws:SourceVpce).
var filterKeys = map[string]bool{"resource": true, "resourceType": true, "resourceOwnerAccount": true, "status": true, "isPublic": true,
	"id": true, "error": true, "action": true, "principal.AWS": true, "principal.Service": true, "principal.Federated": true,
	"principal.CanonicalUser": true}

// InvalidKeyError is a filter key no finding has.
type InvalidKeyError struct{ Key string }

func (e *InvalidKeyError) Error() string {
	return fmt.Sprintf("%s is not a filter key of external access findings (the IAM User Guide, \"IAM Access Analyzer filter keys\")", e.Key)
}

// EmptyCriterionError is a criterion with no test.
type EmptyCriterionError struct{ Key string }

func (e *EmptyCriterionError) Error() string {
	return fmt.Sprintf("the criterion of %s has none of eq, neq, contains, exists", e.Key)
}

// Check refuses a filter with a key findings do not have, or a criterion
// that tests nothing.
func (flt Filter) Check() error {
	keys := make([]string, 0, len(flt))
	for k := range flt {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !filterKeys[k] && !(strings.HasPrefix(k, "condition.") && len(k) > len("condition.")) {
			return &InvalidKeyError{Key: k}
		}
		c := flt[k]
		if len(c.Eq) == 0 && len(c.Neq) == 0 && len(c.Contains) == 0 && c.Exists == nil {
			return &EmptyCriterionError{Key: k}
		}
	}
	return nil
}

// values are a finding's values under a filter key (several for action),
// and whether it has the key.
func values(f Finding, key string) ([]string, bool) {
	one := func(v string) ([]string, bool) { return []string{v}, v != "" }
	switch key {
	case "resource":
		return one(f.Resource)
	case "resourceType":
		return one(f.ResourceType)
	case "resourceOwnerAccount":
		return one(f.ResourceOwnerAccount)
	case "status":
		return one(f.Status)
	case "id":
		return one(f.ID)
	case "error":
		return one(f.Error)
	case "isPublic":
		return []string{strconv.FormatBool(f.IsPublic)}, f.Error == ""
	case "action":
		return f.Actions, len(f.Actions) > 0
	}
	if p, ok := strings.CutPrefix(key, "principal."); ok {
		v, ok := f.Principal[p]
		return []string{v}, ok
	}
	if c, ok := strings.CutPrefix(key, "condition."); ok {
		v, ok := f.Condition[c]
		return []string{v}, ok
	}
	return nil, false
}

// Match reports whether f meets every criterion of the filter. Of a
// criterion, eq holds when a value of the finding equals one of its
// values, neq when none does, contains when a value contains one of its
// values, exists when the finding has the key (or, false, has it not);
// each test given must hold. A finding without the key meets only neq
// and exists false. isPublic compares as "true" or "false".
func (flt Filter) Match(f Finding) bool {
	for k, c := range flt {
		vs, has := values(f, k)
		if c.Exists != nil && *c.Exists != has {
			return false
		}
		if len(c.Eq) > 0 && !(has && anyMatch(vs, c.Eq, func(v, x string) bool { return v == x })) {
			return false
		}
		if len(c.Neq) > 0 && has && anyMatch(vs, c.Neq, func(v, x string) bool { return v == x }) {
			return false
		}
		if len(c.Contains) > 0 && !(has && anyMatch(vs, c.Contains, strings.Contains)) {
			return false
		}
	}
	return true
}

func anyMatch(vs, xs []string, match func(v, x string) bool) bool {
	for _, v := range vs {
		for _, x := range xs {
			if match(v, x) {
				return true
			}
		}
	}
	return false
}

// Values are a finding's values under a filter key (none when it has not
// the key).
func Values(f Finding, key string) []string {
	vs, ok := values(f, key)
	if !ok {
		return nil
	}
	return vs
}

// SortKey reports whether findings sort on attr: a filter key (not a
// condition's), or createdAt, updatedAt, analyzedAt.
func SortKey(attr string) bool {
	return filterKeys[attr] || attr == "createdAt" || attr == "updatedAt" || attr == "analyzedAt"
}
