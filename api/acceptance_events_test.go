package api_test

// Acceptance: GET /api/events (CONTRACT 2.3, 2.5, 8.4; section 16 item 80).

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// day is an arbitrary past day the store's clock is moved to.
var day = time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)

// Order: created_at desc, ties by id desc.
func TestEventsOrder(t *testing.T) {
	h := newHarness(t)
	t1, t2 := day.Add(10*time.Hour), day.Add(11*time.Hour)
	h.clock.Set(t2)
	a := h.store1(ev("o", "codex", "response"))
	h.clock.Set(t1)
	b := h.store1(ev("o", "codex", "response"))
	h.clock.Set(t2)
	c := h.store1(ev("o", "codex", "response"))
	h.clock.Set(t1.Add(30 * time.Minute))
	d := h.store1(ev("o", "codex", "response"))

	l := h.events("")
	var got []int64
	for _, e := range l.Events {
		got = append(got, e.ID)
	}
	want := []int64{c, a, d, b}
	if fmt.Sprint(got) != fmt.Sprint(want) || l.Total != 4 {
		t.Errorf("ids %v (total %d), want %v (total 4)", got, l.Total, want)
	}
	if l.Events[0].CreatedAt != serverTime(t2) || l.Events[3].CreatedAt != serverTime(t1) {
		t.Errorf("created_at %s … %s, want the store's clock %s … %s", l.Events[0].CreatedAt, l.Events[3].CreatedAt,
			serverTime(t2), serverTime(t1))
	}
	// The same order through a filter's index and in a session's detail.
	l = h.events("session_id=o&agent_type=codex")
	got = got[:0]
	for _, e := range l.Events {
		got = append(got, e.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("filtered ids %v, want %v", got, want)
	}
	got = got[:0]
	for _, e := range h.session("o").Events {
		got = append(got, e.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("session detail ids %v, want %v", got, want)
	}
}

// 8.4 limit and offset, read like parseInt.
func TestEventsLimitOffset(t *testing.T) {
	h := newHarness(t)
	var all []any
	for i := range 60 {
		all = append(all, ev(fmt.Sprintf("lo-%d", i%3), "codex", "response"))
	}
	h.batch(all...)
	tests := []struct {
		query     string
		rows      int
		firstID   int64 // id of the first row (newest first: id 60 is the newest)
		wantTotal int64
	}{
		{"", 50, 60, 60},
		{"limit=0", 50, 60, 60},
		{"limit=abc", 50, 60, 60},
		{"limit=", 50, 60, 60},
		{"limit=-1", 60, 60, 60},
		{"limit=-100", 60, 60, 60},
		{"limit=12abc", 12, 60, 60},
		{"limit=%2012", 12, 60, 60},
		{"limit=+7", 7, 60, 60},
		{"limit=3.9", 3, 60, 60},
		{"limit=100", 60, 60, 60},
		{"limit=10&offset=5", 10, 55, 60},
		{"limit=10&offset=55", 5, 5, 60},
		{"limit=10&offset=60", 0, 0, 60},
		{"limit=10&offset=-5", 10, 60, 60},
		{"limit=10&offset=abc", 10, 60, 60},
		{"limit=10&offset=2x", 10, 58, 60},
		{"limit=-1&offset=50", 10, 10, 60},
		{"session_id=lo-0&limit=5&offset=1", 5, 55, 20}, // lo-0 holds ids 1, 4, … 58
		{"session_id=lo-0&limit=-1", 20, 58, 20},
		{"session_id=lo-0&limit=0", 20, 58, 20},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			h := h.with(t)
			l := h.events(tc.query)
			if len(l.Events) != tc.rows || l.Total != tc.wantTotal {
				t.Fatalf("%d rows, total %d; want %d rows, total %d", len(l.Events), l.Total, tc.rows, tc.wantTotal)
			}
			if tc.rows > 0 && l.Events[0].ID != tc.firstID {
				t.Errorf("first id %d, want %d", l.Events[0].ID, tc.firstID)
			}
		})
	}
}

// 8.4 filters are exact matches; item 80.
func TestEventsFilters(t *testing.T) {
	h := newHarness(t)
	h.store1(ev("f1", "claude_code", "tool_use", "tool_name", "Bash", "model", "sonnet", "branch", "main", "source", "hook"))
	h.store1(ev("f2", "codex", "llm_response", "model", "o3", "branch", "dev"))
	h.store1(ev("f2", "codex", "tool_use", "tool_name", "Bash"))
	h.store1(ev("f3", "codex_x", "tool_use", "tool_name", "bash"))
	tests := []struct {
		query string
		total int64
	}{
		{"agent_type=codex&limit=10&offset=0", 2},
		{"agent_type=codex&event_type=llm_response", 1},
		{"agent_type=code", 0},
		{"agent_type=CODEX", 0},
		{"event_type=tool_use", 3},
		{"tool_name=Bash", 2},
		{"tool_name=bash", 1},
		{"session_id=f2", 2},
		{"session_id=f2&tool_name=Bash", 1},
		{"branch=main", 1},
		{"branch=dev", 2}, // backfilled from the session
		{"model=o3", 1},
		{"source=hook", 1},
		{"source=api", 3},
		{"agent_type=claude_code&source=api", 0},
		{"agent_type=", 4},
		{"unknown_param=1", 4},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			h := h.with(t)
			l := h.events(tc.query)
			if l.Total != tc.total || int64(len(l.Events)) != tc.total {
				t.Errorf("total %d, %d rows; want %d", l.Total, len(l.Events), tc.total)
			}
		})
	}
	// Item 80.
	l := h.events("agent_type=codex&event_type=llm_response&limit=10&offset=0")
	if len(l.Events) != 1 || l.Events[0].AgentType != "codex" || l.Events[0].EventType != "llm_response" {
		t.Errorf("item 80: %+v", l)
	}
}

// 2.3: since/until on created_at, inclusive, whole seconds; unparseable matches nothing.
func TestEventsTimeRange(t *testing.T) {
	h := newHarness(t)
	at := func(hh, mm, ss int) time.Time {
		return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second)
	}
	for _, tm := range []time.Time{at(10, 10, 0), at(10, 50, 0), at(12, 0, 0)} {
		h.clock.Set(tm)
		h.store1(ev("tr", "codex", "response"))
	}
	tests := []struct {
		since, until string
		total        int64
	}{
		{"", "", 3},
		{"2025-03-04", "", 3},
		{"2025-03-05", "", 0},
		{"2025-03-04T10:30:00Z", "", 2},
		{"2025-03-04T10:50:00Z", "", 2},
		{"2025-03-04T10:50:00.999Z", "", 2}, // cut to whole seconds: 10:50:00
		{"2025-03-04T10:50:01Z", "", 1},
		{"2025-03-04 10:50:00", "", 2},
		{"2025-03-04T12:50:00+02:00", "", 2}, // 10:50 UTC
		{"2025-03-04T05:50:00-05:00", "", 2},
		{"2025-03-04T10:50", "", 2},
		{"", "2025-03-04T10:50:00Z", 2},
		{"", "2025-03-04T10:49:59Z", 1},
		{"", "2025-03-04T10:50:00.5Z", 2},
		{"", "2025-03-04", 0}, // midnight
		{"2025-03-04T10:10:00Z", "2025-03-04T10:10:00Z", 1},
		{"2025-03-04T10:11:00Z", "2025-03-04T12:00:00Z", 2},
		{"not-a-date", "", 0},
		{"", "yesterday", 0},
		{"12345", "", 0},
		{"2025-03-04T10:00:00Z", "garbage", 0},
		{"2025-13-04", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.since+"/"+tc.until, func(t *testing.T) {
			h := h.with(t)
			q := url.Values{}
			if tc.since != "" {
				q.Set("since", tc.since)
			}
			if tc.until != "" {
				q.Set("until", tc.until)
			}
			l := h.events(q.Encode())
			if l.Total != tc.total || int64(len(l.Events)) != tc.total {
				t.Errorf("total %d, %d rows; want %d", l.Total, len(l.Events), tc.total)
			}
			// With a filter field too (the index walk).
			if l := h.events(q.Encode() + "&agent_type=codex"); l.Total != tc.total {
				t.Errorf("with agent_type: total %d, want %d", l.Total, tc.total)
			}
		})
	}
	// An empty parameter is no condition.
	if l := h.events("since=&until="); l.Total != 3 {
		t.Errorf("empty since/until: total %d, want 3", l.Total)
	}
}
