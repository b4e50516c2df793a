package condition

// ARN condition operators: ArnEquals, ArnLike, ArnNotEquals, ArnNotLike.
// ArnEquals and ArnLike behave the same: each of the six colon-delimited
// components is matched on its own and may hold '*' and '?' wildcards and
// policy variables (vars.ARNPattern). A request value that is not an ARN
// matches nothing.
func matchARN(v *value, rv string, ctx Context) (bool, bool) {
	return v.arn.MatchString(rv, ctx)
}
