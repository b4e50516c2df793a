package wildcard

import "unicode/utf8"

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
	if p == "*" {
		return true
	}
	pi, si := 0, 0
	star, starS := -1, 0
	for {
		if pi < len(p) {
			c := p[pi]
			if c == '*' {
				if pi+1 == len(p) {
					return true // a trailing '*' takes whatever is left
				}
				star, starS = pi, si
				pi++
				continue
			}
			if si < len(s) {
				if c == '?' {
					// '?' matches one character: a whole UTF-8 sequence, or
					// one byte of invalid UTF-8.
					_, n := utf8.DecodeRuneInString(s[si:])
					pi++
					si += n
					continue
				}
				if c == s[si] || (fold && lower(c) == lower(s[si])) {
					pi++
					si++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '*' swallow one more character (a whole
		// UTF-8 sequence, so that a '?' after it never starts inside one)
		// and retry.
		if star < 0 || starS >= len(s) {
			return false
		}
		if s[starS] < utf8.RuneSelf {
			starS++
		} else {
			_, n := utf8.DecodeRuneInString(s[starS:])
			starS += n
		}
		pi, si = star+1, starS
	}
}
