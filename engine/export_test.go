package engine

// LowerIs exports lowerIs for the black-box tests.
var LowerIs = lowerIs

// SmallIndexFinds reports which of keys a list index finds key under
// (-1: none), for the black-box tests.
func SmallIndexFinds(keys []string, key string) int {
	big := &bigIndex{exact: map[string][]int32{}}
	for i, k := range keys {
		big.exact[k] = []int32{int32(i)}
	}
	list, ok := listIndex(big, len(keys))
	if !ok {
		panic("index too large for a list")
	}
	for i := range list {
		if list[i].is(key, packKey(key)) {
			return int(list[i].ids[0])
		}
	}
	return -1
}

// ResourcePrefix exports resourcePrefix for the black-box tests.
var ResourcePrefix = resourcePrefix

// ResourceFastMatch is how matchResource decides an ARN for a pattern
// without vars.ARNPattern.Match: decided reports whether it does.
func ResourceFastMatch(pattern, arnText string) (ok, decided bool) {
	prefix := resourcePrefix(pattern)
	switch resourceForm(pattern) {
	case formPrefix:
		return len(arnText) >= len(prefix) && arnText[:len(prefix)] == prefix, true
	case formLiteral:
		return arnText == prefix, true
	}
	return false, false
}

// FilterMayHold exports KeyFilter.mayHold.
func FilterMayHold(f KeyFilter, k string) bool { return f.mayHold(k) }
