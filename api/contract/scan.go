package contract

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit, so the scanner accepts exactly what json.Valid accepts.
const maxDepth = 10000

// scanner walks JSON text (RFC 8259, which is also what JavaScript's JSON.parse accepts). It checks
// syntax as it goes; a method that returns false leaves i at or near the offending byte.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// valid reports whether b is exactly one JSON value, with optional surrounding white space.
func valid(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	return s.skip(0) && s.end()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c >= 'a':
		return rune(c-'a') + 10
	}
	return rune(c-'A') + 10
}

// hex4 decodes the 4 hex digits of a \u escape (already checked).
func hex4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// plain[c] is true for the bytes a string holds as they are: not '"', '\\' or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports whether any of the 8 bytes in x is a control character, '"' or '\\' (and, with
// ascii, ≥ 0x80), eight bytes at a time: the bit tricks of "Bit Twiddling Hacks" (haszero, hasless).
func special(x uint64, ascii bool) bool {
	q, bs := x^(ones*'"'), x^(ones*'\\')
	m := (x-ones*0x20)&^x | (q-ones)&^q | (bs-ones)&^bs
	if ascii {
		m |= x
	}
	return m&highs != 0
}

// plainRun returns the index of the first byte from i on that plain does not accept (or, with
// ascii, that is ≥ 0x80), or len(b).
func plainRun(b []byte, i int, ascii bool) int {
	for ; i+8 <= len(b); i += 8 {
		if special(binary.LittleEndian.Uint64(b[i:]), ascii) {
			break
		}
	}
	for ; i < len(b) && plain[b[i]] && (!ascii || b[i] < utf8.RuneSelf); i++ {
	}
	return i
}

// str skips the string at s.i (a '"'); esc reports whether it holds a backslash.
func (s *scanner) str() (esc, ok bool) {
	b, i := s.b, s.i+1
	for i < len(b) {
		c := b[i]
		if plain[c] {
			i = plainRun(b, i+1, false)
			continue
		}
		switch {
		case c == '"':
			s.i = i + 1
			return esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				s.i = i
				return esc, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.i = i
					return esc, false
				}
				i += 6
			default:
				s.i = i
				return esc, false
			}
		case c < 0x20:
			s.i = i
			return esc, false
		default:
			i++
		}
	}
	s.i = i
	return esc, false
}

// num skips a number at s.i.
func (s *scanner) num() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		s.i = i
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			return false
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			return false
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	s.i = i
	return true
}

// lit skips the literal word at s.i.
func (s *scanner) lit(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// skip skips one value at s.i; depth is the nesting depth of its container.
func (s *scanner) skip(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '{':
		if depth++; depth > maxDepth {
			return false
		}
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return true
		}
		for {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, ok := s.str(); !ok {
				return false
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.ws()
			if !s.skip(depth) {
				return false
			}
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
				s.ws()
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case '[':
		if depth++; depth > maxDepth {
			return false
		}
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		for {
			if !s.skip(depth) {
				return false
			}
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
				s.ws()
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.num()
}

// appendUnescaped appends the text of the JSON string content b (between the quotes, already
// checked by str) to dst as UTF-8. Unpaired surrogates and ill-formed UTF-8 become U+FFFD.
func appendUnescaped(dst, b []byte) []byte {
	start := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, b[start:i]...)
				dst = utf8.AppendRune(dst, utf8.RuneError)
				i += invalidRun(b[i:])
				start = i
				continue
			}
			i += n
			continue
		}
		if c != '\\' {
			i++
			continue
		}
		dst = append(dst, b[start:i]...)
		switch e := b[i+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(b[i+2:])
			if utf16.IsSurrogate(r) {
				if r < 0xdc00 && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
					if r2 := hex4(b[i+8:]); r2 >= 0xdc00 && r2 <= 0xdfff {
						dst = utf8.AppendRune(dst, utf16.DecodeRune(r, r2))
						i += 12
						start = i
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			i += 6
			start = i
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
		start = i
	}
	return append(dst, b[start:]...)
}

// plainString reports whether the JSON string content b needs no decoding: no escapes and valid UTF-8.
func plainString(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(b)
}

// stringText returns the text of the JSON string content b, reusing b when it needs no decoding.
func stringText(b []byte) []byte {
	if plainString(b) {
		return b
	}
	return appendUnescaped(make([]byte, 0, len(b)), b)
}
