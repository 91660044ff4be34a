package contract

import (
	"unicode/utf8"
)

// isJSSpace reports whether r is white space for JavaScript's String.prototype.trim, parseInt and
// Number: WhiteSpace (TAB, VT, FF, SP, NBSP, ZWNBSP and category Zs) plus LineTerminator.
// note: unicode.IsSpace differs (it has U+0085 and lacks U+FEFF), so the set is spelled out.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// trimJSLeft drops leading JavaScript white space.
func trimJSLeft(b []byte) []byte {
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return b
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if !isJSSpace(r) {
			return b
		}
		b = b[n:]
	}
	return b
}

// trimJS drops leading and trailing JavaScript white space, like String.prototype.trim.
func trimJS(b []byte) []byte {
	b = trimJSLeft(b)
	for len(b) > 0 {
		c := b[len(b)-1]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return b
			}
			b = b[:len(b)-1]
			continue
		}
		r, n := utf8.DecodeLastRune(b)
		if !isJSSpace(r) {
			return b
		}
		b = b[:len(b)-n]
	}
	return b
}

// invalidRun returns how many bytes at the start of b (which does not begin with a valid UTF-8
// sequence) one U+FFFD replaces: the maximal subpart of an ill-formed sequence, as the WHATWG
// decoder (and so Node's body text decoding) does. It is at least 1.
func invalidRun(b []byte) int {
	c := b[0]
	need, lo, hi := 0, byte(0x80), byte(0xbf)
	switch {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c >= 0xe0 && c <= 0xef:
		need = 2
		if c == 0xe0 {
			lo = 0xa0
		} else if c == 0xed {
			hi = 0x9f
		}
	case c >= 0xf0 && c <= 0xf4:
		need = 3
		if c == 0xf0 {
			lo = 0x90
		} else if c == 0xf4 {
			hi = 0x8f
		}
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		n++
		lo, hi = 0x80, 0xbf
	}
	return n
}
