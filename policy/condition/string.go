package condition

// String condition operators: StringEquals, StringNotEquals,
// StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike.
// Matching is case-sensitive except for the IgnoreCase pair; only the Like
// pair treats '*' and '?' as wildcards.

func matchString(c cmp, v *value, rv string, ctx Context) (bool, bool) {
	switch c {
	case cmpEqualsIgnoreCase:
		return v.tmpl.Equal(rv, ctx, true)
	case cmpLike:
		return v.tmpl.Like(rv, ctx, false)
	default:
		return v.tmpl.Equal(rv, ctx, false)
	}
}
