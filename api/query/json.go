package query

import (
	"unicode/utf16"
	"unicode/utf8"
)

// ValidJSONText reports whether a JSON body is text that decodes without
// loss: valid UTF-8, and no \u escape of a lone UTF-16 surrogate. Go's
// encoding/json replaces both with U+FFFD without an error, so two
// different requests could store the same string; a JSON-protocol edge
// checks the raw body with this before decoding it. It does not check the
// JSON syntax (json.Valid does).
func ValidJSONText(body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(body) {
				return true // a syntax error: json.Valid refuses it
			}
			i++
			if body[i] != 'u' {
				continue
			}
			r, ok := hex4(body, i+1)
			if !ok {
				continue // a syntax error
			}
			i += 4
			switch {
			case utf16.IsSurrogate(r) && r < 0xDC00: // a high surrogate needs a low one next
				if i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
					if lo, ok := hex4(body, i+3); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						i += 6
						continue
					}
				}
				return false
			case utf16.IsSurrogate(r): // a low surrogate alone
				return false
			}
		}
	}
	return true
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
