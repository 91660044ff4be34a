package api_test

// Acceptance: sessions, their lifecycle and transcripts (CONTRACT 5, 7, 8.9–8.11; section 16
// items 24–29, 57–66, 76–78).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
)

// Items 24 and 25.
func TestSessionsByAgentType(t *testing.T) {
	h := newHarness(t)
	l := h.sessions("agent_type=__parity_no_match__")
	if l.Sessions == nil || len(l.Sessions) != 0 || l.Total != 0 {
		t.Errorf("no match: %+v, want sessions [] and total 0", l)
	}
	r := h.get("/api/sessions?agent_type=__parity_no_match__")
	if string(r.body) != `{"sessions":[],"total":0}` {
		t.Errorf("no match body %s", r.body)
	}
	h.store1(ev("S25", "agent-25", "tool_use"))
	h.store1(ev("other", "claude_code", "tool_use"))
	l = h.sessions("agent_type=agent-25&limit=50")
	if len(l.Sessions) != 1 || l.Sessions[0].ID != "S25" || l.Total != 1 {
		t.Errorf("agent_type=agent-25: %+v, want only S25", l)
	}
}

// 8.9: the session row, its totals and files/lines aggregates.
func TestSessionRow(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Now().UTC().Add(-time.Minute).Truncate(time.Second))
	start := h.clock.Now()
	h.store1(ev("row", "claude_code", "session_start", "project", "app", "branch", "main"))
	h.clock.Set(start.Add(20 * time.Second))
	for _, e := range []map[string]any{
		ev("row", "codex", "tool_use", "tool_name", "Edit", "tokens_in", 10, "tokens_out", 5, "cost_usd", 0.25,
			"metadata", map[string]any{"file_path": "/a.go", "lines_added": 5, "lines_removed": 2.9}),
		ev("row", "codex", "tool_use", "tool_name", "Edit", "metadata", map[string]any{"file_path": "/a.go", "lines_added": "3"}),
		ev("row", "codex", "tool_use", "tool_name", "Write", "metadata", map[string]any{"file_path": "/b.go", "lines_added": "x"}),
		ev("row", "codex", "tool_use", "tool_name", "apply_patch", "metadata", map[string]any{"file_path": "/c.go", "lines_removed": "4abc"}),
		ev("row", "codex", "tool_use", "tool_name", "Read", "metadata", map[string]any{"file_path": "/d.go", "lines_added": 1}),
		ev("row", "codex", "tool_use", "tool_name", "Edit", "metadata", map[string]any{"file_path": nil}),
		ev("row", "codex", "tool_use", "tool_name", "MultiEdit", "metadata", `{"file_path":"/e.go"}`), // a JSON string, not an object
		ev("row", "codex", "response", "tokens_in", 1, "cost_usd", 0.5, "project", "app2"),
	} {
		h.store1(e)
	}
	var d struct {
		Session map[string]any `json:"session"`
	}
	h.getJSON("/api/sessions/row", &d)
	want := map[string]any{
		"id": "row", "agent_id": "claude_code-default", "agent_type": "claude_code", "project": "app2",
		"branch": "main", "status": "active", "started_at": serverTime(start),
		"last_event_at": serverTime(start.Add(20 * time.Second)), "ended_at": nil, "metadata": "{}",
		"event_count": 9.0, "tokens_in": 11.0, "tokens_out": 5.0, "total_cost_usd": 0.75,
		"files_edited": 3.0, "lines_added": 9.0, "lines_removed": 6.0,
	}
	for k, v := range want {
		if got, ok := d.Session[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	// The list carries the same row.
	l := h.sessions("")
	if s, ok := l.find("row"); !ok || s.EventCount != 9 || s.FilesEdited != 3 || s.Project == nil || *s.Project != "app2" {
		t.Errorf("listed row %+v", s)
	}
}

// 8.9: files_edited counts distinct paths, also when one request (or one group commit) edits a
// file twice.
func TestSessionFilesEditedInOneBatch(t *testing.T) {
	h := newHarness(t)
	e := ev("fe", "codex", "tool_use", "tool_name", "Edit", "metadata", map[string]any{"file_path": "/a.go"})
	h.batch(e, e, ev("fe", "codex", "tool_use", "tool_name", "Write", "metadata", map[string]any{"file_path": "/a.go"}))
	if got := h.session("fe").Session.FilesEdited; got != 1 {
		t.Errorf("files_edited %d after one batch editing /a.go three times, want 1", got)
	}
}

// 8.9: active first, then idle, then ended; each by last_event_at desc; limit; since.
func TestSessionsOrderAndLimit(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Second)
	put := func(id, agent, typ string, ago time.Duration) {
		h.clock.Set(now.Add(-ago))
		h.store1(ev(id, agent, typ))
	}
	put("ended-new", "codex", "session_end", 10*time.Second)
	put("active-old", "codex", "tool_use", 3*time.Minute)
	put("idle-new", "claude_code", "session_end", 20*time.Second)
	put("active-new", "codex", "tool_use", 1*time.Minute)
	put("ended-old", "codex", "session_end", 4*time.Minute)
	put("idle-old", "claude_code", "session_end", 2*time.Minute)
	h.clock.Set(time.Time{})

	ids := func(l sessionList) []string {
		var out []string
		for _, s := range l.Sessions {
			out = append(out, s.ID)
		}
		return out
	}
	all := []string{"active-new", "active-old", "idle-new", "idle-old", "ended-new", "ended-old"}
	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"limit=abc", all},
		{"limit=0", all},
		{"limit=-3", all},
		{"limit=2", all[:2]},
		{"limit=3x", all[:3]},
		{"status=idle", []string{"idle-new", "idle-old"}},
		{"exclude_status=ended", all[:4]},
		{"exclude_status=ended&limit=1", all[:1]},
		{"status=active&agent_type=codex", all[:2]},
		{"agent_type=claude_code", []string{"idle-new", "idle-old"}},
		{"since=" + url.QueryEscape(now.Add(-time.Minute).Format(time.RFC3339)), []string{"active-new", "idle-new", "ended-new"}},
		{"since=garbage", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			h := h.with(t)
			l := h.sessions(tc.query)
			if got := ids(l); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
			if l.Total != len(tc.want) {
				t.Errorf("total %d, want the returned length %d", l.Total, len(tc.want))
			}
		})
	}
	// limit defaults to 50.
	var many []any
	for i := range 60 {
		many = append(many, ev("many-"+string(rune('A'+i%26))+string(rune('a'+i/26)), "codex", "response"))
	}
	h.batch(many...)
	if l := h.sessions(""); len(l.Sessions) != 50 || l.Total != 50 {
		t.Errorf("default limit: %d sessions, total %d, want 50 and 50", len(l.Sessions), l.Total)
	}
	if l := h.sessions("limit=0"); len(l.Sessions) != 66 || l.Total != 66 {
		t.Errorf("limit=0: %d sessions, want 66", len(l.Sessions))
	}
}

// Items 26, 27 and 8.10: event_limit, else limit; ids are path-decoded.
func TestSessionDetail(t *testing.T) {
	h := newHarness(t)
	for range 12 {
		h.store1(ev("S26", "codex", "tool_use"))
	}
	tests := []struct {
		query  string
		events int
	}{
		{"", 10},
		{"event_limit=1", 1},
		{"event_limit=0", 0},
		{"event_limit=-1", 12},
		{"event_limit=abc", 10},
		{"event_limit=3abc", 3},
		{"limit=3", 3},
		{"limit=0", 0},
		{"limit=-5", 12},
		{"event_limit=2&limit=5", 2},
		{"event_limit=&limit=5", 5},
		{"event_limit=50", 12},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			h := h.with(t)
			var d struct {
				Session map[string]any    `json:"session"`
				Events  []json.RawMessage `json:"events"`
			}
			h.getJSON("/api/sessions/S26?"+tc.query, &d)
			if d.Session["id"] != "S26" || d.Events == nil || len(d.Events) != tc.events {
				t.Errorf("session %v, %d events (nil %v); want S26 and %d events", d.Session["id"], len(d.Events), d.Events == nil, tc.events)
			}
		})
	}

	// Item 27.
	for _, path := range []string{"/api/sessions/unknown", "/api/sessions/S26x", "/api/sessions/%20"} {
		r := h.get(path)
		if r.status != http.StatusNotFound || string(r.body) != `{"error":"Session not found"}` {
			t.Errorf("GET %s: %d %s, want 404 {\"error\":\"Session not found\"}", path, r.status, r.body)
		}
	}

	// Ids with reserved characters, %2F included.
	for _, id := range []string{"a/b", "dir/x/transcript", "with space", "ü+%", "x?y#z", "transcript"} {
		t.Run("id "+id, func(t *testing.T) {
			h := h.with(t)
			h.store1(ev(id, "codex", "user_prompt", "metadata", map[string]any{"message": "hi " + id}))
			var d struct {
				Session struct {
					ID string `json:"id"`
				} `json:"session"`
				Events []struct {
					SessionID string `json:"session_id"`
				} `json:"events"`
			}
			h.getJSON("/api/sessions/"+url.PathEscape(id), &d)
			if d.Session.ID != id || len(d.Events) != 1 || d.Events[0].SessionID != id {
				t.Errorf("GET /api/sessions/%s: %+v", url.PathEscape(id), d)
			}
			var tr struct {
				SessionID string `json:"session_id"`
				Entries   []struct {
					Detail string `json:"detail"`
				} `json:"entries"`
			}
			h.getJSON("/api/sessions/"+url.PathEscape(id)+"/transcript", &tr)
			if tr.SessionID != id || len(tr.Entries) != 1 || tr.Entries[0].Detail != "hi "+id {
				t.Errorf("transcript of %q: %+v", id, tr)
			}
		})
	}
	if r := h.get("/api/sessions/a%2Fc"); r.status != http.StatusNotFound || string(r.body) != `{"error":"Session not found"}` {
		t.Errorf("GET /api/sessions/a%%2Fc: %d %s, want 404 Session not found", r.status, r.body)
	}
}

// Items 57 and 58: session_end idles claude_code sessions and ends the others; events reactivate.
func TestSessionLifecycle(t *testing.T) {
	h := newHarness(t)
	status := func(id string) (string, *string) {
		t.Helper()
		s, ok := h.sessions("limit=0").find(id)
		if !ok {
			t.Fatalf("session %s not listed", id)
		}
		return s.Status, s.EndedAt
	}
	h.store1(ev("cc", "claude_code", "session_start"))
	if st, _ := status("cc"); st != "active" {
		t.Errorf("after session_start: %s, want active", st)
	}
	h.store1(ev("cc", "claude_code", "session_end"))
	if st, end := status("cc"); st != "idle" || end != nil {
		t.Errorf("claude_code after session_end: %s ended_at %s, want idle with null ended_at", st, str(end))
	}
	h.store1(ev("cc", "claude_code", "tool_use"))
	if st, _ := status("cc"); st != "active" {
		t.Errorf("after a later tool_use: %s, want active", st)
	}

	before := time.Now().UTC().Truncate(time.Second)
	h.store1(ev("cx", "codex", "session_end"))
	st, end := status("cx")
	if st != "ended" || end == nil {
		t.Fatalf("codex after session_end: %s ended_at %s, want ended with ended_at", st, str(end))
	}
	if at, err := time.Parse("2006-01-02 15:04:05", *end); err != nil || at.Before(before) || time.Since(at) > time.Minute {
		t.Errorf("ended_at %s, want the time of the session_end in server format", *end)
	}
	// Reactivation clears ended_at.
	h.store1(ev("cx", "codex", "response"))
	if st, end := status("cx"); st != "active" || end != nil {
		t.Errorf("codex after a later event: %s ended_at %s, want active, null", st, str(end))
	}
	// 5 step 4: a session's agent never changes; project and branch change only when given.
	h.store1(ev("cc", "codex", "tool_use", "project", "p1", "branch", "b1"))
	h.store1(ev("cc", "codex", "tool_use", "project", "", "branch", nil))
	s := h.session("cc").Session
	if s.AgentType != "claude_code" || s.AgentID != "claude_code-default" || str(s.Project) != "p1" || str(s.Branch) != "b1" {
		t.Errorf("session cc: agent %s/%s project %s branch %s; want claude_code, p1, b1", s.AgentType, s.AgentID, str(s.Project), str(s.Branch))
	}
	// 5 step 5: the event without project/branch got the session's.
	e := h.session("cc").Events[0]
	if str(e.Project) != "p1" || str(e.Branch) != "b1" {
		t.Errorf("backfill: event project %s branch %s, want p1 b1", str(e.Project), str(e.Branch))
	}
}

// Item 45: a duplicate changes nothing. The session is made idle in 2000 by moving the store's
// clock (white-box through kv.Options.Now instead of editing the file): a claude_code session_end
// stored at 2000-01-01 00:00:00 leaves it idle with that last_event_at. The clock then goes back to
// the real time, so a duplicate that wrongly touched the session would make it active "now".
// GET /api/sessions/:id does not sweep, so nothing else moves it.
func TestDuplicateChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	dup := ev("S45", "claude_code", "tool_use", "event_id", "E45", "tokens_in", 5)
	h.store1(dup)
	h.store1(ev("S45", "claude_code", "session_end"))
	h.clock.Set(time.Time{})

	res := h.ingest(dup, http.StatusOK)
	if res.Duplicates != 1 || res.Received != 0 {
		t.Fatalf("duplicate reply %+v", res)
	}
	res = h.batch(dup)
	if res.Duplicates != 1 || res.Received != 0 {
		t.Fatalf("duplicate in a batch: %+v", res)
	}
	s := h.session("S45").Session
	if s.Status != "idle" || s.LastEventAt != "2000-01-01 00:00:00" || s.EventCount != 2 || s.TokensIn != 5 {
		t.Errorf("after duplicates: status %s, last_event_at %s, %d events, %d tokens; want idle, 2000-01-01 00:00:00, 2, 5",
			s.Status, s.LastEventAt, s.EventCount, s.TokensIn)
	}
}

// Item 64: a duplicate session_end does not end a reactivated session.
func TestDuplicateSessionEnd(t *testing.T) {
	h := newHarness(t)
	end := ev("S64", "codex", "session_end", "event_id", "E64")
	h.store1(end)
	h.store1(ev("S64", "codex", "tool_use"))
	res := h.ingest(end, http.StatusOK)
	if res.Duplicates != 1 {
		t.Fatalf("reply %+v, want a duplicate", res)
	}
	s, _ := h.sessions("limit=0").find("S64")
	if s.Status != "active" || s.EndedAt != nil {
		t.Errorf("status %s ended_at %s, want active, null", s.Status, str(s.EndedAt))
	}
}

// Item 59 and 7: the sweep ends idle sessions idle for 2T. White-box through the store's clock:
// a claude_code session_end at 2000-01-01 leaves S idle with last_event_at in 2000; the sweep that
// GET /api/sessions runs with the real clock must end it, with ended_at = now. (The contract's
// "ended_at already non-null" cannot be reached in this store: every stored event clears ended_at
// and sweep step 1 leaves it null; the part that can be reached is tested.)
func TestSweepEndsOldIdleSessions(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	h.store1(ev("S59", "claude_code", "session_start"))
	h.store1(ev("S59", "claude_code", "session_end"))
	h.store1(ev("A59", "codex", "tool_use")) // active in 2000: idled then ended by the same sweep
	h.clock.Set(time.Time{})
	h.store1(ev("live", "codex", "tool_use"))

	if s := h.session("S59").Session; s.Status != "idle" {
		t.Fatalf("before any sweep S59 is %s, want idle (GET /api/sessions/:id does not sweep)", s.Status)
	}
	if s := h.session("A59").Session; s.Status != "active" {
		t.Fatalf("before any sweep A59 is %s, want active (GET /api/sessions/:id does not sweep)", s.Status)
	}
	before := time.Now().UTC().Truncate(time.Second)
	l := h.sessions("exclude_status=ended&limit=0")
	if _, ok := l.find("S59"); ok {
		t.Errorf("S59 listed with exclude_status=ended")
	}
	if _, ok := l.find("A59"); ok {
		t.Errorf("A59 listed with exclude_status=ended")
	}
	if _, ok := l.find("live"); !ok || l.Total != 1 {
		t.Errorf("exclude_status=ended: %+v, want only the live session", l.Sessions)
	}
	for _, id := range []string{"S59", "A59"} {
		s, ok := h.sessions("limit=0").find(id)
		if !ok || s.Status != "ended" || s.EndedAt == nil || s.LastEventAt != "2000-01-01 00:00:00" {
			t.Fatalf("%s after the sweep: %+v, want ended, last_event_at unchanged", id, s)
		}
		if at, err := time.Parse("2006-01-02 15:04:05", *s.EndedAt); err != nil || at.Before(before) {
			t.Errorf("%s ended_at %s, want the sweep's time (>= %s)", id, *s.EndedAt, before)
		}
	}
	// GET /api/stats sweeps too.
	h2 := newHarness(t)
	h2.clock.Set(time.Now().Add(-6 * time.Minute))
	h2.store1(ev("idle-soon", "codex", "tool_use"))
	if st := h2.stats(""); st.ActiveSessions != 0 || st.LiveSessions != 1 {
		t.Errorf("stats after 6 min without events: active %d, live %d; want 0 and 1 (idle)", st.ActiveSessions, st.LiveSessions)
	}
	if s := h2.session("idle-soon").Session; s.Status != "idle" || s.EndedAt != nil {
		t.Errorf("after the stats sweep: %s %s, want idle with null ended_at", s.Status, str(s.EndedAt))
	}
}

// Item 60.
func TestSessionsLiveLimit(t *testing.T) {
	h := newHarness(t)
	for _, id := range []string{"l1", "l2", "l3"} {
		h.store1(ev(id, "codex", "tool_use"))
	}
	h.store1(ev("gone", "codex", "session_end"))
	if l := h.sessions("exclude_status=ended&limit=1"); len(l.Sessions) != 1 || l.Total != 1 {
		t.Errorf("limit=1: %d sessions", len(l.Sessions))
	}
	if l := h.sessions("exclude_status=ended&limit=0"); len(l.Sessions) != 3 || l.Total != 3 {
		t.Errorf("limit=0: %d sessions, want 3", len(l.Sessions))
	}
}

// Items 61–63 and 5 steps 1, 10, 11: only historical imports end their session.
func TestImportLifecycle(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()
	ct := func(d time.Duration) string { return now.Add(-d).Format("2006-01-02T15:04:05.000Z") }
	h.store1(ev("S61", "claude_code", "tool_use", "source", "import", "client_timestamp", ct(0)))
	h.store1(ev("S62", "claude_code", "tool_use", "source", "import", "client_timestamp", ct(2*time.Hour)))
	h.store1(ev("S63", "codex", "session_end", "source", "import", "client_timestamp", ct(time.Minute)))
	h.store1(ev("S63b", "codex", "session_end", "source", "import", "client_timestamp", ct(31*time.Minute)))
	h.store1(ev("S63c", "claude_code", "session_end", "source", "import", "client_timestamp", ct(time.Hour)))
	h.store1(ev("Snots", "codex", "tool_use", "source", "import")) // no client time: historical
	live := h.sessions("exclude_status=ended&limit=0")
	all := h.sessions("limit=0")
	tests := []struct {
		id     string
		status string
	}{
		{"S61", "active"}, // item 61
		{"S62", "ended"},  // item 62
		{"S63", "active"}, // item 63: a recent import session_end is not applied
		{"S63b", "ended"},
		{"S63c", "ended"}, // historical claude_code session_end: ended, not idle
		{"Snots", "ended"},
	}
	for _, tc := range tests {
		s, ok := all.find(tc.id)
		if !ok || s.Status != tc.status {
			t.Errorf("%s: %+v, want status %s", tc.id, s, tc.status)
			continue
		}
		if _, listed := live.find(tc.id); listed != (tc.status != "ended") {
			t.Errorf("%s listed with exclude_status=ended: %v", tc.id, listed)
		}
		if (s.EndedAt != nil) != (tc.status == "ended") {
			t.Errorf("%s ended_at %s with status %s", tc.id, str(s.EndedAt), s.Status)
		}
	}
	// A live event reopens an ended imported session.
	h.store1(ev("S62", "claude_code", "tool_use"))
	if s, _ := h.sessions("limit=0").find("S62"); s.Status != "active" || s.EndedAt != nil {
		t.Errorf("S62 after a live event: %s %s, want active", s.Status, str(s.EndedAt))
	}
}

// Item 65. This store keeps no session metadata (the row's metadata is always "{}"), so stored
// session metadata cannot be corrupt. What can be unreadable is event metadata that is not a JSON
// object; the files/lines aggregates skip it and both session endpoints still answer.
func TestSessionsWithNonObjectMetadata(t *testing.T) {
	h := newHarness(t)
	for _, m := range []string{`"not json {"`, `[1,2]`, `42`, `null`, `{"file_path":{"x":1},"lines_added":[1]}`} {
		h.store1(`{"session_id":"S65","agent_type":"codex","event_type":"tool_use","tool_name":"Edit","metadata":` + m + `}`)
	}
	s, ok := h.sessions("limit=0").find("S65")
	if !ok || s.Metadata != "{}" || s.EventCount != 5 || s.LinesAdded != 0 {
		t.Errorf("listed S65: %+v", s)
	}
	d := h.session("S65")
	if d.Session.ID != "S65" || len(d.Events) != 5 || d.Session.FilesEdited != 1 {
		t.Errorf("GET /api/sessions/S65: %+v, want 5 events and the one object file_path counted", d.Session)
	}
}

// Item 66 and 5 step 6: the session's branch follows the project's checkout. Needs git.
func TestGitBranchRefresh(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not on PATH")
	}
	projects := t.TempDir()
	dir := filepath.Join(projects, "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("git %v: %v: %s", args, err, out)
		}
	}
	run("init", "-q")
	run("checkout", "-q", "-b", "feature-x")
	run("commit", "-q", "--allow-empty", "-m", "init")

	h := newHarness(t, withConfig(func(c *api.Config) { c.ProjectsDir = projects }))
	id := h.store1(ev("S66", "claude_code", "tool_use", "project", "proj", "branch", "stale"))
	d := h.session("S66")
	if str(d.Session.Branch) != "feature-x" {
		t.Errorf("session branch %s, want the checkout's feature-x", str(d.Session.Branch))
	}
	if e := h.event(id); str(e.Branch) != "stale" {
		t.Errorf("event branch %s, want the stale branch it carried", str(e.Branch))
	}
	// An event without branch (and without project: the session's) gets the checkout's.
	id = h.store1(ev("S66", "claude_code", "response"))
	if e := h.event(id); str(e.Branch) != "feature-x" || str(e.Project) != "proj" {
		t.Errorf("event without branch: branch %s project %s, want feature-x proj", str(e.Branch), str(e.Project))
	}
	// A project that is not a checkout changes nothing; neither does a historical import.
	h.store1(ev("S66b", "codex", "tool_use", "project", "nowhere", "branch", "b"))
	if b := str(h.session("S66b").Session.Branch); b != "b" {
		t.Errorf("non-checkout project: branch %s, want b", b)
	}
	h.store1(ev("S66c", "codex", "tool_use", "project", "proj", "branch", "old", "source", "import"))
	if b := str(h.session("S66c").Session.Branch); b != "old" {
		t.Errorf("historical import: branch %s, want old (no refresh)", b)
	}
}

// Items 28, 29, 76–78 and 8.11.
func TestTranscript(t *testing.T) {
	h := newHarness(t)

	// Item 29.
	r := h.get("/api/sessions/nobody/transcript")
	if r.status != http.StatusNotFound || string(r.body) != `{"error":"No transcript data for this session"}` {
		t.Errorf("unknown transcript: %d %s", r.status, r.body)
	}

	// Item 28.
	h.store1(ev("S28", "claude_code", "user_prompt", "metadata", map[string]any{"message": "fix the bug"}))
	h.store1(ev("S28", "claude_code", "tool_use", "tool_name", "Read", "metadata", map[string]any{"file_path": "/x.go"}))
	var tr28 struct {
		SessionID string           `json:"session_id"`
		Entries   []map[string]any `json:"entries"`
	}
	h.getJSON("/api/sessions/S28/transcript", &tr28)
	if tr28.SessionID != "S28" || len(tr28.Entries) != 2 || tr28.Entries[0]["role"] != "user" || tr28.Entries[1]["role"] != "tool" ||
		tr28.Entries[0]["detail"] != "fix the bug" || tr28.Entries[1]["detail"] != "/x.go" {
		t.Errorf("item 28: %+v", tr28)
	}

	// Item 76: the batch, in order.
	res := h.batch(
		ev("tx-sess", "claude_code", "session_start"),
		ev("tx-sess", "claude_code", "tool_use", "tool_name", "Read", "metadata", map[string]any{"file_path": "src/main.ts"}),
		ev("tx-sess", "claude_code", "response", "cost_usd", 0.02, "metadata", map[string]any{"content_preview": "Here is the fix"}),
		ev("tx-sess", "claude_code", "tool_use", "tool_name", "Bash", "status", "error", "duration_ms", 150,
			"metadata", map[string]any{"command": "npm test"}),
		ev("tx-sess", "claude_code", "error", "metadata", map[string]any{"error": "Rate limit exceeded"}),
		ev("tx-sess", "claude_code", "session_end"),
	)
	if res.Received != 6 {
		t.Fatalf("batch: %+v", res)
	}
	var tr struct {
		SessionID string           `json:"session_id"`
		Entries   []map[string]any `json:"entries"`
	}
	h.getJSON("/api/sessions/tx-sess/transcript", &tr)
	if len(tr.Entries) != 6 {
		t.Fatalf("%d entries, want 6", len(tr.Entries))
	}
	roles := []string{"system", "tool", "assistant", "tool", "assistant", "system"}
	details := []any{nil, "src/main.ts", "Here is the fix", "npm test", "Rate limit exceeded", nil}
	types := []string{"session_start", "tool_use", "response", "tool_use", "error", "session_end"}
	for i, e := range tr.Entries {
		if e["role"] != roles[i] || e["type"] != types[i] || e["detail"] != details[i] {
			t.Errorf("entry %d: %v, want role %s type %s detail %v", i, e, roles[i], types[i], details[i])
		}
		if _, ok := e["timestamp"].(string); !ok {
			t.Errorf("entry %d has no timestamp", i)
		}
	}
	if tr.Entries[3]["status"] != "error" || tr.Entries[3]["duration_ms"] != 150.0 {
		t.Errorf("entry 3: %v, want status error, duration_ms 150", tr.Entries[3])
	}
	if c, _ := tr.Entries[2]["cost_usd"].(float64); c <= 0 {
		t.Errorf("entry 2: %v, want cost_usd > 0", tr.Entries[2])
	}
	if tr.Entries[4]["status"] != "error" {
		t.Errorf("entry 4 (an error event): %v, want status error", tr.Entries[4])
	}

	// Item 77: absent values are omitted, not null; item 78.
	cases := []struct {
		name  string
		event map[string]any
		want  map[string]any
	}{
		{"bare response (item 77)", ev("t77", "codex", "response"),
			map[string]any{"role": "assistant", "type": "response"}},
		{"priced response (item 78)", ev("t78", "codex", "response", "model", "claude-opus-4-6", "tokens_in", 5000, "tokens_out", 2000, "cost_usd", 0.15),
			map[string]any{"role": "assistant", "type": "response", "model": "claude-opus-4-6", "tokens_in": 5000.0, "tokens_out": 2000.0, "cost_usd": 0.15}},
		{"zero cost and zero tokens are omitted", ev("t79", "codex", "llm_request", "cost_usd", 0, "tokens_in", 0, "duration_ms", 0, "status", "success"),
			map[string]any{"role": "assistant", "type": "llm_request"}},
		{"timeout status, tool", ev("t80", "codex", "tool_use", "tool_name", "Bash", "status", "timeout", "duration_ms", 7),
			map[string]any{"role": "tool", "type": "tool_use", "tool_name": "Bash", "status": "timeout", "duration_ms": 7.0}},
		{"message is the detail of prompts only", ev("t81", "codex", "response", "metadata", map[string]any{"message": "m", "query": "q"}),
			map[string]any{"role": "assistant", "type": "response", "detail": "q"}},
		{"empty strings skipped, error object message", ev("t82", "codex", "error", "metadata", map[string]any{"content_preview": "", "error": map[string]any{"message": "boom"}}),
			map[string]any{"role": "assistant", "type": "error", "status": "error", "detail": "boom"}},
		{"detail order", ev("t83", "codex", "user_prompt", "metadata", map[string]any{"diff_preview": "d", "pattern": "p", "command": "c", "message": ""}),
			map[string]any{"role": "user", "type": "user_prompt", "detail": "c"}},
		{"non-object metadata gives no detail", ev("t84", "codex", "file_change", "metadata", "src/x.go"),
			map[string]any{"role": "assistant", "type": "file_change"}},
		{"client time is the timestamp", ev("t85", "codex", "plan_step", "client_timestamp", "2026-02-18T10:00:00Z"),
			map[string]any{"role": "assistant", "type": "plan_step", "timestamp": "2026-02-18T10:00:00.000Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(tc.event)
			var tr struct {
				Entries []map[string]any `json:"entries"`
			}
			h.getJSON("/api/sessions/"+tc.event["session_id"].(string)+"/transcript", &tr)
			if len(tr.Entries) != 1 {
				t.Fatalf("%d entries", len(tr.Entries))
			}
			want := map[string]any{}
			for k, v := range tc.want {
				want[k] = v
			}
			if _, ok := want["timestamp"]; !ok {
				want["timestamp"] = h.event(id).CreatedAt
			}
			if !reflect.DeepEqual(tr.Entries[0], want) {
				t.Errorf("entry\n got %v\nwant %v", tr.Entries[0], want)
			}
		})
	}
}

// 8.11 order: created_at asc, then id asc; imports sort by their own time.
func TestTranscriptOrder(t *testing.T) {
	h := newHarness(t)
	t1 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	h.clock.Set(t1.Add(time.Minute))
	a := h.store1(ev("ord", "codex", "response", "metadata", map[string]any{"query": "a"}))
	h.clock.Set(t1)
	b := h.store1(ev("ord", "codex", "response", "metadata", map[string]any{"query": "b"}))
	h.clock.Set(t1.Add(time.Minute))
	c := h.store1(ev("ord", "codex", "response", "metadata", map[string]any{"query": "c"}))
	_, _, _ = a, b, c
	var tr struct {
		Entries []struct {
			Detail string `json:"detail"`
		} `json:"entries"`
	}
	h.getJSON("/api/sessions/ord/transcript", &tr)
	var got string
	for _, e := range tr.Entries {
		got += e.Detail
	}
	if got != "bac" {
		t.Errorf("order %q, want bac", got)
	}
}
