package contract

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// CompactJSON re-serializes one JSON value the way JavaScript's JSON.stringify(JSON.parse(raw))
// does, which is what CONTRACT section 6 measures and stores:
//   - no insignificant white space; object keys keep their input order;
//   - a key repeated in one object keeps its first position and its last value (as JSON.parse);
//   - strings are re-escaped minimally: only '"', '\\' and control characters are escaped (\b \t \n
//     \f \r or \u00xx); '<', '>', '&', U+2028 and U+2029 stay literal; non-ASCII is UTF-8; an unpaired
//     surrogate escape stays escaped (\udxxx); ill-formed UTF-8 becomes U+FFFD;
//   - numbers are written as JavaScript's Number#toString writes them (1.0 → 1, 1e3 → 1000,
//     1.50 → 1.5, 1e21 → 1e+21, -0 → 0); a number too large for a float64 becomes null.
//
// Surrounding white space is allowed. Text that is not exactly one JSON value (nesting deeper than
// 10000 included, as encoding/json) returns an error wrapping ErrInvalidJSON. The result is a new
// slice.
func CompactJSON(raw []byte) ([]byte, error) {
	c := getCompactor(raw)
	defer putCompactor(c)
	if !c.run() {
		return nil, fmt.Errorf("contract: compact JSON at byte %d: %w", c.i, ErrInvalidJSON)
	}
	return append([]byte(nil), c.out...), nil
}

// member is one key/value pair of an object in the compactor's output: key [k0,k1) (with quotes) and
// value [v0,v1).
type member struct{ k0, k1, v0, v1 int }

// compactor writes the canonical form of the JSON text it scans (see CompactJSON).
type compactor struct {
	scanner
	out []byte
	mem []member // members of the objects being written, innermost last
	top []member // members of the root value when it is an object
}

var compactors = sync.Pool{New: func() any { return new(compactor) }}

func getCompactor(raw []byte) *compactor {
	c := compactors.Get().(*compactor)
	c.b, c.i = raw, 0
	c.out, c.mem, c.top = c.out[:0], c.mem[:0], c.top[:0]
	return c
}

func putCompactor(c *compactor) {
	if cap(c.out) > 64<<10 {
		c.out = nil
	}
	c.b = nil
	compactors.Put(c)
}

// run compacts the whole input: one value with optional surrounding white space.
func (c *compactor) run() bool {
	c.ws()
	return c.value(0) && c.end()
}

func (c *compactor) value(depth int) bool {
	if c.i >= len(c.b) {
		return false
	}
	switch c.b[c.i] {
	case '{':
		return c.object(depth + 1)
	case '[':
		if depth++; depth > maxDepth {
			return false
		}
		c.out = append(c.out, '[')
		c.i++
		c.ws()
		if c.i < len(c.b) && c.b[c.i] == ']' {
			c.i++
			c.out = append(c.out, ']')
			return true
		}
		for {
			if !c.value(depth) {
				return false
			}
			c.ws()
			if c.i >= len(c.b) {
				return false
			}
			switch c.b[c.i] {
			case ',':
				c.i++
				c.ws()
				c.out = append(c.out, ',')
			case ']':
				c.i++
				c.out = append(c.out, ']')
				return true
			default:
				return false
			}
		}
	case '"':
		return c.str()
	case 't':
		c.out = append(c.out, "true"...)
		return c.lit("true")
	case 'f':
		c.out = append(c.out, "false"...)
		return c.lit("false")
	case 'n':
		c.out = append(c.out, "null"...)
		return c.lit("null")
	}
	start := c.i
	if !c.num() {
		return false
	}
	c.out = appendNumber(c.out, c.b[start:c.i])
	return true
}

func (c *compactor) object(depth int) bool {
	if depth > maxDepth {
		return false
	}
	start, base := len(c.out), len(c.mem)
	c.out = append(c.out, '{')
	c.i++
	c.ws()
	if c.i < len(c.b) && c.b[c.i] == '}' {
		c.i++
		c.out = append(c.out, '}')
		if depth == 1 {
			c.top = c.top[:0]
		}
		return true
	}
	for {
		if c.i >= len(c.b) || c.b[c.i] != '"' {
			return false
		}
		k0 := len(c.out)
		if !c.str() {
			return false
		}
		k1 := len(c.out)
		c.ws()
		if c.i >= len(c.b) || c.b[c.i] != ':' {
			return false
		}
		c.i++
		c.ws()
		c.out = append(c.out, ':')
		if !c.value(depth) {
			return false
		}
		c.mem = append(c.mem, member{k0, k1, k1 + 1, len(c.out)})
		c.ws()
		if c.i >= len(c.b) {
			return false
		}
		if c.b[c.i] == '}' {
			c.i++
			break
		}
		if c.b[c.i] != ',' {
			return false
		}
		c.i++
		c.ws()
		c.out = append(c.out, ',')
	}
	c.out = append(c.out, '}')
	if c.hasDuplicate(base) {
		c.dedup(start, base)
	}
	if depth == 1 {
		c.top = append(c.top[:0], c.mem[base:]...)
	}
	c.mem = c.mem[:base]
	return true
}

func (c *compactor) key(m member) string { return string(c.out[m.k0:m.k1]) }

// hasDuplicate reports whether the members from base on repeat a key. Keys are compared in their
// canonical output form, so "a" and "\u0061" are the same key, as in JavaScript.
func (c *compactor) hasDuplicate(base int) bool {
	ms := c.mem[base:]
	if len(ms) > 32 {
		seen := make(map[string]struct{}, len(ms))
		for _, m := range ms {
			k := c.key(m)
			if _, ok := seen[k]; ok {
				return true
			}
			seen[k] = struct{}{}
		}
		return false
	}
	for i := 1; i < len(ms); i++ {
		ki := c.out[ms[i].k0:ms[i].k1]
		for j := 0; j < i; j++ {
			if string(c.out[ms[j].k0:ms[j].k1]) == string(ki) {
				return true
			}
		}
	}
	return false
}

// dedup rewrites the object written from start (its members from base on) so that each key appears
// once, at its first position, with its last value: what JSON.stringify(JSON.parse(text)) gives.
func (c *compactor) dedup(start, base int) {
	ms := c.mem[base:]
	last := make(map[string]int, len(ms)) // key → index of its last member
	for i, m := range ms {
		last[c.key(m)] = i
	}
	seg := append([]byte(nil), c.out[start:]...) // c.out is rewritten below
	at := func(p int) int { return p - start }
	kept := make([]member, 0, len(last))
	c.out = append(c.out[:start], '{')
	done := make(map[string]bool, len(last))
	for _, m := range ms {
		k := string(seg[at(m.k0):at(m.k1)])
		if done[k] {
			continue
		}
		done[k] = true
		v := ms[last[k]]
		if len(kept) > 0 {
			c.out = append(c.out, ',')
		}
		k0 := len(c.out)
		c.out = append(c.out, seg[at(m.k0):at(m.k1)]...)
		k1 := len(c.out)
		c.out = append(c.out, ':')
		c.out = append(c.out, seg[at(v.v0):at(v.v1)]...)
		kept = append(kept, member{k0, k1, k1 + 1, len(c.out)})
	}
	c.out = append(c.out, '}')
	c.mem = append(c.mem[:base], kept...)
}

const hexDigits = "0123456789abcdef"

// str writes the string at c.i in canonical form (see CompactJSON).
func (c *compactor) str() bool {
	b, out := c.b, append(c.out, '"')
	i := c.i + 1
	start := i
	for i < len(b) {
		ch := b[i]
		if ch < utf8.RuneSelf && plain[ch] {
			i = plainRun(b, i+1, true)
			continue
		}
		if ch >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				out = append(out, b[start:i]...)
				out = utf8.AppendRune(out, utf8.RuneError)
				i += invalidRun(b[i:])
				start = i
				continue
			}
			i += n
			continue
		}
		switch {
		case ch == '"':
			out = append(out, b[start:i]...)
			c.out = append(out, '"')
			c.i = i + 1
			return true
		case ch < 0x20:
			c.out, c.i = out, i
			return false
		case ch != '\\':
			i++
			continue
		}
		out = append(out, b[start:i]...)
		if i+1 >= len(b) {
			c.out, c.i = out, i
			return false
		}
		switch e := b[i+1]; e {
		case '"', '\\', 'b', 'f', 'n', 'r', 't':
			out = append(out, '\\', e)
			i += 2
		case '/':
			out = append(out, '/')
			i += 2
		case 'u':
			if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
				c.out, c.i = out, i
				return false
			}
			r := hex4(b[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if r < 0xdc00 && i+5 < len(b) && b[i] == '\\' && b[i+1] == 'u' &&
					isHex(b[i+2]) && isHex(b[i+3]) && isHex(b[i+4]) && isHex(b[i+5]) {
					if r2 := hex4(b[i+2:]); r2 >= 0xdc00 && r2 <= 0xdfff {
						out = utf8.AppendRune(out, utf16.DecodeRune(r, r2))
						i += 6
						start = i
						continue
					}
				}
				out = append(out, '\\', 'u', hexDigits[r>>12], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			} else {
				out = appendEscapedRune(out, r)
			}
		default:
			c.out, c.i = out, i
			return false
		}
		start = i
	}
	c.out, c.i = out, i
	return false
}

// appendEscapedRune writes r as JSON.stringify does inside a string.
func appendEscapedRune(out []byte, r rune) []byte {
	switch r {
	case '"', '\\':
		return append(out, '\\', byte(r))
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	}
	if r < 0x20 {
		return append(out, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
	}
	return utf8.AppendRune(out, r)
}

// appendNumber writes the JSON number text num (already checked) as JavaScript's JSON.stringify
// writes the number JSON.parse reads from it.
func appendNumber(out, num []byte) []byte {
	// Fast path: an integer of at most 15 digits is exact in a float64 and already canonical
	// (JSON forbids leading zeros), except -0.
	digits := num
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) <= 15 {
		plain := true
		for _, d := range digits {
			if d < '0' || d > '9' {
				plain = false
				break
			}
		}
		if plain {
			if len(num) == 2 && num[0] == '-' && num[1] == '0' { // -0
				return append(out, '0')
			}
			return append(out, num...)
		}
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil && !math.IsInf(f, 0) {
		return append(out, "null"...) // unreachable for checked text
	}
	return appendJSNumber(out, f)
}

// appendJSNumber writes f as JSON.stringify does: Number#toString for finite values, null otherwise.
func appendJSNumber(out []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(out, "null"...)
	}
	if f == 0 {
		return append(out, '0')
	}
	if f < 0 {
		out = append(out, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // shortest digits: d[.ddd]e±XX
	var dig [24]byte
	digits := dig[:0]
	p := 0
	for ; e[p] != 'e'; p++ {
		if e[p] != '.' {
			digits = append(digits, e[p])
		}
	}
	exp, neg := 0, e[p+1] == '-'
	for _, d := range e[p+2:] {
		exp = exp*10 + int(d-'0')
	}
	if neg {
		exp = -exp
	}
	k, n := len(digits), exp+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		out = append(out, digits...)
		for range n - k {
			out = append(out, '0')
		}
	case 0 < n && n <= 21:
		out = append(out, digits[:n]...)
		out = append(out, '.')
		out = append(out, digits[n:]...)
	case -6 < n && n <= 0:
		out = append(out, '0', '.')
		for range -n {
			out = append(out, '0')
		}
		out = append(out, digits...)
	default:
		out = append(out, digits[0])
		if k > 1 {
			out = append(out, '.')
			out = append(out, digits[1:]...)
		}
		out = append(out, 'e')
		if n-1 >= 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, int64(n-1), 10)
	}
	return out
}
