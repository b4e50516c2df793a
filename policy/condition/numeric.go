package condition

import (
	"strconv"
	"strings"
)

// Numeric condition operators: NumericEquals, NumericNotEquals,
// NumericLessThan, NumericLessThanEquals, NumericGreaterThan,
// NumericGreaterThanEquals. Policy variables are not supported.

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// matchNumber compares the request value against the policy value p.
// A request value that is not a number matches nothing.
func matchNumber(c cmp, p float64, rv string) bool {
	r, ok := parseNumber(rv)
	if !ok {
		return false
	}
	return compare(c, cmp3(r, p))
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies comparison c to the sign of (request - policy).
func compare(c cmp, sign int) bool {
	switch c {
	case cmpEquals:
		return sign == 0
	case cmpLessThan:
		return sign < 0
	case cmpLessThanEquals:
		return sign <= 0
	case cmpGreaterThan:
		return sign > 0
	case cmpGreaterThanEquals:
		return sign >= 0
	}
	return false
}
