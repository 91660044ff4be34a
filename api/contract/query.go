package contract

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ParseInt reads s as JavaScript's parseInt(s, 10) does (CONTRACT 2.5): leading white space, an
// optional sign, then the longest run of decimal digits; the rest is ignored ("12abc" → 12,
// "1.9" → 1, "1e3" → 1). No digits (e.g. "", "abc", "-") returns false, JavaScript's NaN. A value
// beyond the int64 range saturates at math.MaxInt64 or math.MinInt64.
// note: with no radix JavaScript would also read "0x1f" as hex; the contract asks for decimal digits.
func ParseInt(s string) (int64, bool) {
	b := trimJSLeft([]byte(s))
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	var v uint64
	n, over := 0, false
	for ; n < len(b) && b[n] >= '0' && b[n] <= '9'; n++ {
		d := uint64(b[n] - '0')
		if v > (math.MaxUint64-d)/10 {
			over = true
		} else {
			v = v*10 + d
		}
	}
	switch {
	case n == 0:
		return 0, false
	case neg && (over || v > 1<<63):
		return math.MinInt64, true
	case neg:
		return -int64(v), true
	case over || v > math.MaxInt64:
		return math.MaxInt64, true
	}
	return int64(v), true
}

// ParseNumber reads s as JavaScript's Number(s) does: the whole string, trimmed of white space, must
// be a decimal literal ("12", "-1.5", ".5", "5.", "1e3", "+2") or a 0x/0o/0b integer; "12abc" returns
// false. An empty or blank string is 0 (as in JavaScript; callers treat empty as missing). Infinity,
// and values too large for a float64, return false.
func ParseNumber(s string) (float64, bool) {
	b := trimJS([]byte(s))
	if len(b) == 0 {
		return 0, true
	}
	if len(b) > 2 && b[0] == '0' {
		base := 0
		switch b[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			return parseRadix(string(b[2:]), base)
		}
	}
	i := 0
	if b[0] == '+' || b[0] == '-' {
		i++
	}
	intDigits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		intDigits++
	}
	fracDigits := 0
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return 0, false // also "Infinity"
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		expDigits := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			expDigits++
		}
		if expDigits == 0 {
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseRadix reads the digits of a 0x/0o/0b literal, rounding to the nearest float64.
func parseRadix(digits string, base int) (float64, bool) {
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return 0, false
	}
	if v, err := strconv.ParseUint(digits, base, 64); err == nil {
		return float64(v), true
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return 0, false
	}
	f, _ := new(big.Float).SetInt(v).Float64()
	if math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
