package condition

import "strings"

// Bool compares "true"/"false" ignoring case; policy variables are allowed.
func matchBool(v *value, rv string, ctx Context) (bool, bool) {
	return v.tmpl.Equal(rv, ctx, true)
}

// BinaryEquals compares the base64 text of a binary value.
func matchBinary(v *value, rv string) bool {
	return strings.TrimSpace(rv) == v.bin
}
