package ui

import (
	"strconv"
	"strings"
	"time"
)

// Formatting without fmt: strconv and time keep the wasm small and fast.

// count formats an integer with thin grouping: 1234567 → "1,234,567".
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// compact formats a large number briefly: 950 → "950", 12345 → "12.3k", 4200000 → "4.2M".
func compact(n float64) string {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	switch {
	case abs >= 1e9:
		return trimZero(strconv.FormatFloat(n/1e9, 'f', 1, 64)) + "B"
	case abs >= 1e6:
		return trimZero(strconv.FormatFloat(n/1e6, 'f', 1, 64)) + "M"
	case abs >= 1e4:
		return trimZero(strconv.FormatFloat(n/1e3, 'f', 1, 64)) + "k"
	case abs == float64(int64(abs)):
		return count(int64(n))
	}
	return trimZero(strconv.FormatFloat(n, 'f', 2, 64))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// usd formats money: "$0" for zero, four decimals under a dollar, two above.
func usd(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v < 0.0001 && v > -0.0001:
		return "<$0.0001"
	case v < 1 && v > -1:
		return "$" + strconv.FormatFloat(v, 'f', 4, 64)
	case v >= 10000:
		return "$" + count(int64(v+0.5))
	}
	return "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

// percent formats a ratio (0.1234 → "12.3%").
func percent(r float64) string {
	return trimZero(strconv.FormatFloat(r*100, 'f', 1, 64)) + "%"
}

// duration formats milliseconds: "840 ms", "2.4 s", "3m 05s".
func duration(ms float64) string {
	switch {
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case ms < 60000:
		return trimZero(strconv.FormatFloat(ms/1000, 'f', 1, 64)) + " s"
	}
	s := int64(ms / 1000)
	sec := strconv.FormatInt(s%60, 10)
	if len(sec) == 1 {
		sec = "0" + sec
	}
	return strconv.FormatInt(s/60, 10) + "m " + sec + "s"
}

// parseTime reads the API's times: server time "2006-01-02 15:04:05" (UTC), client time with
// milliseconds and Z, or an hour bucket "2006-01-02T15:00:00Z".
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05.000Z", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ago says how long before now t was: "just now", "42s ago", "5m ago", "3h ago", "2d ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 2*time.Second:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

// clock formats a time in the viewer's zone: the time of day for today, else the date too.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// when formats an API time for a table cell; an unreadable one is shown as is.
func when(s string, now time.Time) string {
	t, ok := parseTime(s)
	if !ok {
		return s
	}
	return clock(t, now)
}

// eventTime is the time an event happened: its client time when it has one.
func eventTime(createdAt string, clientTimestamp *string) time.Time {
	if clientTimestamp != nil {
		if t, ok := parseTime(*clientTimestamp); ok {
			return t
		}
	}
	t, _ := parseTime(createdAt)
	return t
}

// shortID shortens a long id for display, keeping its start and end.
func shortID(id string) string {
	if len(id) <= 14 {
		return id
	}
	return id[:8] + "…" + id[len(id)-4:]
}

// clip cuts s to n runes with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// str is the text of an optional string ("" when nil).
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// agentLabel names an agent type for people.
func agentLabel(t string) string {
	switch t {
	case "claude_code":
		return "Claude Code"
	case "codex":
		return "Codex"
	case "":
		return "unknown"
	}
	return t
}

// reverse reverses s in place.
func reverse[S ~[]E, E any](s S) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// sortBy sorts s stably by less. An insertion sort: the lists are short and mostly in order,
// and sort or slices would add tens of kilobytes to the wasm.
func sortBy[E any](s []E, less func(a, b E) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// plural counts things: "1 event", "2 events".
func plural(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return count(n) + " " + thing + "s"
}
