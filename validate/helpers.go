package validate

import (
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/wildcard"
)

type (
	catalogService = catalog.Service
)

// catalogAction is a catalog action with the Action value that matched it.
type catalogAction struct {
	*catalog.Action
	from string
}

func matchAction(pattern, action string) bool {
	return pattern == "*" || wildcard.MatchFold(pattern, action)
}

// suggestService names the closest service prefix, if one is close.
func (c *checker) suggestService(prefix string) string {
	best, dist := "", 3
	for _, s := range c.cat.Services {
		if d := levenshtein(strings.ToLower(prefix), s.Prefix); d < dist {
			best, dist = s.Prefix, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(". Did you mean %q?", best)
}

// suggestAction names the closest action of the service, if one is close.
func suggestAction(prefix, name string, svc *catalog.Service) string {
	if strings.ContainsAny(name, "*?") {
		return ": no action of " + svc.Name + " matches it"
	}
	best, dist := "", 4
	for _, a := range svc.Actions {
		if d := levenshtein(strings.ToLower(name), strings.ToLower(a.Name)); d < dist {
			best, dist = a.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(". Did you mean %q?", prefix+":"+best)
}

func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
