package importer

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small, allocation-free JSON walker for log lines. Objects the importer reads are walked member
// by member (key, raw value); everything else is skipped without decoding: strings by searching for
// their closing quote, containers by tracking brackets. It accepts every valid JSON text. It is
// lenient inside the values it skips (a missing comma deep inside a tool result is not noticed):
// what matters is finding where a record ends, so a cut or glued line is still malformed.
//
// note: encoding/json validates and decodes every byte (about 100 MB/s on a transcript full of tool
// output); this walker spends its time in bytes.IndexByte and reaches several hundred MB/s.

// maxDepth bounds container nesting, as encoding/json does.
const maxDepth = 10000

// jscan is a cursor over JSON text.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value skips one value starting at i (after white space) and returns its raw bytes.
func (s *jscan) value() ([]byte, bool) {
	s.ws()
	start := s.i
	if s.i >= len(s.b) {
		return nil, false
	}
	var ok bool
	switch c := s.b[s.i]; {
	case c == '"':
		ok = s.str()
	case c == '{' || c == '[':
		ok = s.container()
	case c == 't':
		ok = s.lit("true")
	case c == 'f':
		ok = s.lit("false")
	case c == 'n':
		ok = s.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		ok = s.num()
	}
	if !ok {
		return nil, false
	}
	return s.b[start:s.i], true
}

func (s *jscan) lit(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

func (s *jscan) num() bool {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' {
			digits++
		} else if c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			break
		}
		s.i++
	}
	return digits > 0 && s.i > start
}

// str skips a string; i is at its opening quote.
func (s *jscan) str() bool {
	i := s.i + 1
	for {
		j := bytes.IndexByte(s.b[i:], '"')
		if j < 0 {
			return false
		}
		i += j
		// The quote is escaped when an odd number of backslashes precede it.
		k := i - 1
		for k > s.i && s.b[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			s.i = i + 1
			return true
		}
		i++
	}
}

// container skips an object or array; i is at its opening bracket. Brackets must match.
func (s *jscan) container() bool {
	var stack [64]byte
	open := stack[:0]
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"':
			if !s.str() {
				return false
			}
			continue
		case '{', '[':
			if len(open) >= maxDepth {
				return false
			}
			open = append(open, c)
		case '}', ']':
			if len(open) == 0 || open[len(open)-1] != c-2 { // '{'+2 == '}', '['+2 == ']'
				return false
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				s.i++
				return true
			}
		}
		s.i++
	}
	return false
}

// members calls fn for each member of the object b (raw key without quotes, raw value) until fn
// returns false. It reports whether b is a well-formed object (as far as it was walked: a false
// from fn stops the walk early and counts as well-formed).
func members(b []byte, fn func(key, val []byte) bool) bool {
	s := jscan{b: b}
	return s.object(fn)
}

// object walks the object at i (after white space), leaving i after its closing brace.
func (s *jscan) object(fn func(key, val []byte) bool) bool {
	b := s.b
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.ws()
		if s.i >= len(b) || b[s.i] != '"' {
			return false
		}
		k0 := s.i
		if !s.str() {
			return false
		}
		key := b[k0+1 : s.i-1]
		s.ws()
		if s.i >= len(b) || b[s.i] != ':' {
			return false
		}
		s.i++
		v, ok := s.value()
		if !ok {
			return false
		}
		if !fn(key, v) {
			return true
		}
		s.ws()
		if s.i >= len(b) {
			return false
		}
		switch b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// wholeObject reports whether line is exactly one object (surrounding white space allowed), calling
// fn for each of its members.
func wholeObject(line []byte, fn func(key, val []byte)) bool {
	s := jscan{b: line}
	if !s.object(func(k, v []byte) bool { fn(k, v); return true }) {
		return false
	}
	s.ws()
	return s.i == len(line)
}

// validValue reports whether b is one JSON value of any kind (surrounding white space allowed).
func validValue(b []byte) bool {
	s := jscan{b: b}
	if _, ok := s.value(); !ok {
		return false
	}
	s.ws()
	return s.i == len(b)
}

// elements calls fn for each element of the array b; it reports whether b is a well-formed array.
func elements(b []byte, fn func(val []byte)) bool {
	s := jscan{b: b}
	s.ws()
	if s.i >= len(b) || b[s.i] != '[' {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(b) && b[s.i] == ']' {
		return true
	}
	for {
		v, ok := s.value()
		if !ok {
			return false
		}
		fn(v)
		s.ws()
		if s.i >= len(b) {
			return false
		}
		switch b[s.i] {
		case ',':
			s.i++
		case ']':
			return true
		default:
			return false
		}
	}
}

// field returns the raw value of key in object b, nil when absent.
func field(b []byte, key string) []byte {
	var out []byte
	members(b, func(k, v []byte) bool {
		if string(k) == key {
			out = v
			return false
		}
		return true
	})
	return out
}

// jstr returns the text of a JSON string value; "" for anything else.
func jstr(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	in := v[1 : len(v)-1]
	if bytes.IndexByte(in, '\\') < 0 {
		return string(in)
	}
	return string(unescape(make([]byte, 0, len(in)), in))
}

// jstrIs reports whether v is the JSON string s (s has no characters that need escaping).
func jstrIs(v []byte, s string) bool {
	return len(v) == len(s)+2 && v[0] == '"' && string(v[1:len(v)-1]) == s
}

// unescape appends the text of the JSON string body b (without quotes) to dst. Invalid escapes
// are kept as written; invalid UTF-8 is kept as data.
func unescape(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			dst = append(dst, c)
			i++
			continue
		}
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
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
			r, ok := hex4(b[i+2:])
			if !ok {
				dst = append(dst, '\\', 'u')
				i += 2
				continue
			}
			n := 6
			if utf16.IsSurrogate(r) {
				if len(b) >= i+12 && b[i+6] == '\\' && b[i+7] == 'u' {
					if r2, ok := hex4(b[i+8:]); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r, n = d, 12
						}
					}
				}
				if n == 6 {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			i += n
			continue
		default:
			dst = append(dst, '\\', e)
		}
		i += 2
	}
	return dst
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// jint returns the integer value of a JSON number (a fraction is dropped); 0 for anything else.
func jint(v []byte) int64 {
	if len(v) == 0 || v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != f || f > 9e18 || f < -9e18 {
		return 0
	}
	return int64(f)
}

// jcount reads a token count: a negative one, which no agent writes, reads as 0.
func jcount(v []byte) int64 { return max(jint(v), 0) }

// jtrue reports whether v is the literal true.
func jtrue(v []byte) bool { return string(v) == "true" }

// jnull reports whether v is absent or null.
func jnull(v []byte) bool { return len(v) == 0 || string(v) == "null" }
