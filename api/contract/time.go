package contract

import "time"

// Timestamp layouts of CONTRACT 2.2.
const (
	// ServerTimeLayout is the server-time format: created_at, started_at, last_event_at, ended_at...
	ServerTimeLayout = "2006-01-02 15:04:05"
	// ClientTimeLayout is the client-time format: client_timestamp and the SSE connected timestamp.
	ClientTimeLayout = "2006-01-02T15:04:05.000Z"
)

// FormatServerTime formats t in UTC as server time, e.g. "2026-02-18 15:04:05" (fraction dropped).
func FormatServerTime(t time.Time) string { return t.UTC().Format(ServerTimeLayout) }

// FormatClientTime formats t in UTC as client time, e.g. "2026-02-18T15:00:00.000Z" (fraction
// truncated to milliseconds).
func FormatClientTime(t time.Time) string { return t.UTC().Format(ClientTimeLayout) }

// ParseTime parses a permissive ISO-8601 timestamp (CONTRACT 2.3, 4.1) and returns it in UTC:
//
//	YYYY-MM-DD                                    UTC midnight
//	YYYY-MM-DD(T|t| )HH:MM[:SS[(.|,)F...]][zone]  F: any number of fraction digits (ns kept)
//	zone: Z, z, ±HH:MM or ±HHMM; none means UTC
//
// Surrounding JavaScript white space is ignored. Fields must be in range (24:00:00 is accepted as the
// next midnight, as JavaScript's Date does). Anything else, e.g. "not-a-date" or "12345", returns
// false. Callers cut the result to milliseconds (client_timestamp) or seconds (since/until).
func ParseTime(s string) (time.Time, bool) { return parseTime([]byte(s)) }

func parseTime(b []byte) (time.Time, bool) {
	b = trimJS(b)
	if len(b) < 10 {
		return time.Time{}, false
	}
	num := func(p, n int) int {
		v := 0
		for _, c := range b[p : p+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	if year < 0 || b[4] != '-' || month < 1 || month > 12 || b[7] != '-' || day < 1 ||
		day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	if len(b) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' || len(b) < 16 || b[13] != ':' {
		return time.Time{}, false
	}
	hour, minute, sec, nsec := num(11, 2), num(14, 2), 0, 0
	if hour < 0 || hour > 24 || minute < 0 || minute > 59 {
		return time.Time{}, false
	}
	p := 16
	if p < len(b) && b[p] == ':' {
		if p+3 > len(b) {
			return time.Time{}, false
		}
		if sec = num(p+1, 2); sec < 0 || sec > 59 {
			return time.Time{}, false
		}
		p += 3
		if p < len(b) && (b[p] == '.' || b[p] == ',') {
			p++
			start, scale := p, 100000000
			for ; p < len(b) && b[p] >= '0' && b[p] <= '9'; p++ {
				nsec += int(b[p]-'0') * scale
				scale /= 10
			}
			if p == start {
				return time.Time{}, false
			}
		}
	}
	if hour == 24 && (minute != 0 || sec != 0 || nsec != 0) {
		return time.Time{}, false
	}
	offset := 0
	if p < len(b) {
		switch b[p] {
		case 'Z', 'z':
			p++
		case '+', '-':
			sign := 1
			if b[p] == '-' {
				sign = -1
			}
			p++
			rest := len(b) - p
			var oh, om int
			switch {
			case rest == 5 && b[p+2] == ':':
				oh, om = num(p, 2), num(p+3, 2)
			case rest == 4:
				oh, om = num(p, 2), num(p+2, 2)
			default:
				return time.Time{}, false
			}
			if oh < 0 || oh > 23 || om < 0 || om > 59 {
				return time.Time{}, false
			}
			offset = sign * (oh*3600 + om*60)
			p = len(b)
		default:
			return time.Time{}, false
		}
		if p != len(b) {
			return time.Time{}, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
