package wildcard

// Match reports whether s matches pattern, case-sensitively.
// '*' matches any sequence of bytes (including the empty one), '?' exactly one
// character. There is no escape character: IAM policies express a literal '*'
// or '?' with the policy variables ${*} and ${?}, which callers resolve first.
func Match(pattern, s string) bool { return match(pattern, s, false) }

// MatchFold is Match with ASCII case folding, as IAM uses for action names.
func MatchFold(pattern, s string) bool { return match(pattern, s, true) }

// HasWildcard reports whether pattern contains '*' or '?'.
func HasWildcard(pattern string) bool {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '*' || pattern[i] == '?' {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// match is the classic linear glob with single-star backtracking: on a
// mismatch it retries from the most recent '*', consuming one more byte.
// That is enough for '*' and '?' (no character classes), runs in
// O(len(pattern)*len(s)) worst case and never allocates.
func match(p, s string, fold bool) bool {
	// Fast paths for the very common forms.
	if p == "*" {
		return true
	}
	pi, si := 0, 0
	star, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == '*':
				star, starS = pi, si
				pi++
				continue
			case c == '?':
				// '?' matches one character; consume a whole UTF-8 sequence.
				pi++
				si += utf8Len(s[si])
				continue
			case c == s[si] || (fold && lower(c) == lower(s[si])):
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		starS++
		si = starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p) && si == len(s)
}

func utf8Len(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b>>5 == 0x6:
		return 2
	case b>>4 == 0xe:
		return 3
	case b>>3 == 0x1e:
		return 4
	}
	return 1
}
