package condition

import (
	"strconv"
	"strings"
	"time"
)

// Date condition operators: DateEquals, DateNotEquals, DateLessThan,
// DateLessThanEquals, DateGreaterThan, DateGreaterThanEquals. Values are
// W3C/ISO 8601 dates and times, or epoch seconds (as aws:EpochTime holds).

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseDate parses an ISO 8601 date or date-time, or epoch seconds.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func matchDate(c cmp, p time.Time, rv string) bool {
	r, ok := ParseDate(rv)
	if !ok {
		return false
	}
	return compare(c, r.Compare(p))
}
