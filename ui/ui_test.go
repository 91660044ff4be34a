package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

func ptr[T any](v T) *T { return &v }

func ev(id int64, session, typ string, f func(*contract.Event)) contract.Event {
	e := contract.Event{ID: id, SessionID: session, AgentType: "claude_code", EventType: typ,
		Status: contract.StatusSuccess, CreatedAt: "2026-02-18 15:04:05", Metadata: "{}", Source: "api"}
	if f != nil {
		f(&e)
	}
	return e
}

// render mounts c in a go-app test engine and returns its HTML.
func render(t *testing.T, c app.Composer) string {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("load %T: %v", c, err)
	}
	e.ConsumeAll()
	return app.HTMLString(c)
}

func has(t *testing.T, html string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
}

func TestFormat(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(count(0), "0")
	f(count(1234567), "1,234,567")
	f(count(-1234), "-1,234")
	f(compact(950), "950")
	f(compact(12345), "12.3k")
	f(compact(4200000), "4.2M")
	f(compact(2.5), "2.5")
	f(usd(0), "$0")
	f(usd(0.01234), "$0.0123")
	f(usd(12.5), "$12.50")
	f(usd(0.00001), "<$0.0001")
	f(percent(0.1234), "12.3%")
	f(percent(1), "100%")
	f(duration(840), "840 ms")
	f(duration(2400), "2.4 s")
	f(duration(185000), "3m 05s")
	now := time.Date(2026, 2, 18, 15, 0, 0, 0, time.UTC)
	f(ago(now.Add(-time.Second), now), "just now")
	f(ago(now.Add(-42*time.Second), now), "42s ago")
	f(ago(now.Add(-5*time.Minute), now), "5m ago")
	f(ago(now.Add(-3*time.Hour), now), "3h ago")
	f(ago(now.Add(-72*time.Hour), now), "3d ago")
	f(shortID("0123456789abcdefXYZW"), "01234567…XYZW")
	f(clip("héllo wörld", 5), "héll…")
	for _, s := range []string{"2026-02-18 15:04:05", "2026-02-18T15:04:05.000Z", "2026-02-18T15:00:00Z"} {
		if _, ok := parseTime(s); !ok {
			t.Errorf("parseTime(%q) failed", s)
		}
	}
}

func TestSessionPaths(t *testing.T) {
	for _, id := range []string{"s1", "a/b", "with space", "ü%?#"} {
		href := sessionHref(id, 0)
		if got := sessionIDFromPath(href); got != id {
			t.Errorf("id %q → %q → %q", id, href, got)
		}
	}
	if got := sessionHref("a/b", 42); got != "/sessions/a%2Fb#e-42" {
		t.Errorf("sessionHref: %q", got)
	}
	if got := query("/api/events", "agent_type", "codex", "tool_name", "", "limit", "5"); got != "/api/events?agent_type=codex&limit=5" {
		t.Errorf("query: %q", got)
	}
}

func TestHighlight(t *testing.T) {
	parts := highlight(`run &lt;b&gt; &amp; <mark>go test</mark> &#39;x&#39; <mark>again`)
	html := ""
	for _, p := range parts {
		html += app.HTMLString(p)
	}
	has(t, html, "run &lt;b&gt; &amp; ", "<mark>go test</mark>", "&#39;x&#39;", "<mark>again</mark>")
	if strings.Contains(html, "<b>") {
		t.Errorf("escaped text became markup: %s", html)
	}
	if got := unescape("a &lt;&gt;&amp;&quot;&#34; &unknown; &"); got != `a <>&"" &unknown; &` {
		t.Errorf("unescape: %q", got)
	}
}

func TestLiveDataApply(t *testing.T) {
	var d liveData
	d.setSessions([]contract.Session{
		{ID: "idle", AgentType: "codex", Status: contract.SessionIdle, LastEventAt: "2026-02-18 15:00:00"},
		{ID: "a", AgentType: "claude_code", Status: contract.SessionActive, LastEventAt: "2026-02-18 14:00:00"},
	})
	if d.sessions[0].ID != "a" {
		t.Errorf("cards: active first, got %s", d.sessions[0].ID)
	}
	cost := 0.5
	batch := []contract.Event{
		ev(1, "a", "tool_use", func(e *contract.Event) { e.TokensIn = 10; e.CostUSD = &cost }),
		ev(2, "new", "tool_use", func(e *contract.Event) { e.Status = contract.StatusError; e.Project = ptr("shop") }),
		ev(1, "a", "tool_use", nil), // a repeat
	}
	if !d.apply(batch, feedFilter{}, false) {
		t.Error("an unknown session was not reported")
	}
	if len(d.feed) != 2 || d.feed[0].ID != 2 || d.feed[1].ID != 1 {
		t.Errorf("feed: %+v", d.feed)
	}
	if d.stats.TotalEvents != 2 || d.stats.TotalTokensIn != 10 || d.stats.TotalCostUSD != 0.5 || d.stats.ActiveSessions != 1 {
		t.Errorf("stats: %+v", d.stats)
	}
	if len(d.sessions) != 3 || d.sessions[1].ID != "new" || str(d.sessions[1].Project) != "shop" || d.sessions[2].ID != "idle" {
		t.Errorf("cards: %+v", d.sessions)
	}
	if d.last["new"].ID != 2 {
		t.Errorf("last event of new: %+v", d.last["new"])
	}

	// Filtered and paused events count but are not shown.
	if d.apply([]contract.Event{ev(3, "a", "user_prompt", nil)}, feedFilter{Errors: true}, false); len(d.feed) != 2 {
		t.Errorf("an event outside the filter entered the feed")
	}
	if d.apply([]contract.Event{ev(4, "a", "tool_use", nil)}, feedFilter{}, true); d.held != 1 || len(d.feed) != 2 {
		t.Errorf("paused: held %d, feed %d", d.held, len(d.feed))
	}

	// The feed is bounded.
	var many []contract.Event
	for i := int64(10); i < 10+feedMax+50; i++ {
		many = append(many, ev(i, "a", "tool_use", nil))
	}
	d.apply(many, feedFilter{}, false)
	if len(d.feed) != feedMax || d.feed[0].ID != 10+feedMax+49 || len(d.seen) != feedMax {
		t.Errorf("feed: %d events, newest %d, %d seen", len(d.feed), d.feed[0].ID, len(d.seen))
	}
}

func TestDecodeBatch(t *testing.T) {
	events, stats, refresh := decodeBatch([]string{
		`{"type":"connected","timestamp":"2026-02-18T18:06:41.231Z"}`,
		`{"type":"event","payload":{"id":7,"session_id":"s1","agent_type":"codex","event_type":"tool_use","status":"success","metadata":"{}"}}`,
		`{"type":"stats","payload":{"total_events":9,"active_sessions":2,"usage_monitor":[]}}`,
		`{"type":"session_update","payload":{"type":"idle_check","idled":1}}`,
		`not json`,
	})
	if len(events) != 1 || events[0].ID != 7 || stats == nil || stats.TotalEvents != 9 || !refresh {
		t.Errorf("decodeBatch: %+v %+v %v", events, stats, refresh)
	}
}

func TestTimelinePoints(t *testing.T) {
	hour := func(h int) string { return time.Date(2026, 2, 18, h, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05Z") }
	cost, tokens, unit := timelinePoints([]contract.CostBucket{
		{Bucket: hour(10), CostUSD: 1, TokensIn: 5}, {Bucket: hour(13), CostUSD: 2, TokensOut: 7},
	})
	if unit != "hour" || len(cost) != 4 || cost[1].Value != 0 || cost[3].Value != 2 || tokens[0].Value != 5 {
		t.Errorf("hourly: %s %+v %+v", unit, cost, tokens)
	}
	_, _, unit = timelinePoints([]contract.CostBucket{{Bucket: hour(1)}, {Bucket: "2026-02-25T01:00:00Z"}})
	if unit != "day" {
		t.Errorf("a week of buckets: unit %s, want day", unit)
	}
}

func TestLivePageRender(t *testing.T) {
	p := newLivePage(nil)
	p.statsSt, p.cardsSt, p.feedSt = loaded, loaded, loaded
	p.data.stats = contract.Stats{TotalEvents: 3, ActiveSessions: 1, TotalCostUSD: 0.25}
	p.data.setSessions([]contract.Session{{ID: "s1", AgentType: "claude_code", Status: "active",
		Project: ptr("shop"), Branch: ptr("main"), TotalCostUSD: 0.25, EventCount: 3}})
	p.data.setFeed([]contract.Event{ev(5, "s1", "tool_use", func(e *contract.Event) {
		e.ToolName = ptr("Bash")
		e.Status = contract.StatusError
		e.Metadata = `{"command":"go test ./..."}`
	})})
	html := render(t, p)
	has(t, html, `id="stats-bar"`, `data-session="s1"`, "shop / main", "$0.25", `class="st-error"`,
		"go test ./...", `href="/sessions/s1#e-5"`, "Live")
}

func TestLivePageStates(t *testing.T) {
	p := newLivePage(nil)
	has(t, render(t, p), "Loading…")
	p = newLivePage(nil)
	p.statsSt, p.cardsSt, p.feedSt = loaded, failed, loaded
	p.cardsErr = errOffline
	has(t, render(t, p), "Server offline", "No events yet")
}

func TestSessionPageRender(t *testing.T) {
	p := newSessionPage(nil)
	p.id, p.st, p.target = "s1", loaded, 3
	p.session = contract.Session{ID: "s1", AgentType: "codex", Status: "ended", EventCount: 3,
		StartedAt: "2026-02-18 15:04:05", LastEventAt: "2026-02-18 15:06:05"}
	p.events = []contract.Event{
		ev(1, "s1", "user_prompt", func(e *contract.Event) { e.Metadata = `{"message":"add a test"}` }),
		ev(2, "s1", "tool_use", func(e *contract.Event) { e.ToolName = ptr("shell"); e.Metadata = `{"command":"make test"}` }),
		ev(3, "s1", "error", func(e *contract.Event) { e.Status = "error"; e.Metadata = `{"error":{"message":"boom"}}` }),
	}
	html := render(t, p)
	has(t, html, `id="transcript"`, "add a test", "make test", "boom", `id="e-3"`, "err", "target",
		`class="chart strip"`, "1 error")

	p = newSessionPage(nil)
	p.id, p.st, p.err = "nope", failed, &apiError{Status: 404, Message: "Session not found"}
	has(t, render(t, p), "Session not found", "nope")
}

func TestSearchPageRender(t *testing.T) {
	p := newSearchPage(nil)
	has(t, render(t, p), `id="search-input"`, "tool:Bash")

	p = newSearchPage(nil)
	p.q = searchQuery{Q: "go test"}
	p.st, p.total = loaded, 1
	p.hits = []searchHit{{Event: ev(9, "s/1", "tool_use", nil),
		Fragments: map[string][]string{"command": {"run <mark>go</mark> <mark>test</mark> &lt;x&gt;"}}}}
	has(t, render(t, p), "<mark>go</mark>", "&lt;x&gt;", `href="/sessions/s%2F1#e-9"`, "1 matching event")

	p = newSearchPage(nil)
	p.q, p.st, p.err = searchQuery{Q: "x"}, failed, &apiError{Status: 404}
	has(t, render(t, p), "Search is not available")
	p = newSearchPage(nil)
	p.q, p.st, p.err = searchQuery{Q: `"x`}, failed, &apiError{Status: 400, Message: "unclosed quote"}
	has(t, render(t, p), "unclosed quote")
}

func TestChartsRender(t *testing.T) {
	p := newCostsPage(nil)
	p.st = loaded
	p.cost = contract.Cost{
		Timeline:  []contract.CostBucket{{Bucket: "2026-02-18T10:00:00Z", CostUSD: 1.5, TokensIn: 100, EventCount: 2}},
		ByModel:   []contract.ModelCost{{Model: "claude-sonnet-4", CostUSD: 1.5, EventCount: 2}},
		ByProject: []contract.ProjectCost{{Project: "shop", CostUSD: 1.5, SessionCount: 1, EventCount: 2}},
	}
	p.agents = []agentCost{{Agent: "claude_code", CostUSD: 1.5}}
	html := render(t, p)
	has(t, html, `id="costs-by-model"`, "claude-sonnet-4", "<rect", `class="bar c-model"`, "Claude Code", "$1.50")

	tp := newToolsPage(nil)
	tp.st = loaded
	avg := 1840.0
	tp.tools = []contract.ToolStats{{ToolName: "Bash", TotalCalls: 4, ErrorCount: 1, ErrorRate: 0.25, AvgDurationMS: &avg,
		ByAgent: map[string]int64{"claude_code": 3, "codex": 1}}}
	has(t, render(t, tp), `id="tools"`, "25%", "1.8 s", "Claude Code 3 · Codex 1", `class="bar part"`)

	up := newUsagePage(nil)
	up.st = loaded
	up.usage = []contract.Usage{{AgentType: "codex", LimitType: "cost",
		Session: contract.UsageWindow{Used: 450, Limit: 500, WindowHours: 5}}}
	has(t, render(t, up), "90%", "lv-high", "$450.00 of $500.00", "last 5 h")
}

func TestTopBarOffline(t *testing.T) {
	b := newTopBar().Active("/costs")
	b.state = connOffline
	html := render(t, b)
	has(t, html, `id="offline-banner"`, `data-state="offline"`, `class="active"`)
	if strings.Count(html, "<a ") != len(navItems)+1 {
		t.Errorf("want %d links", len(navItems)+1)
	}
}

func TestSortBy(t *testing.T) {
	s := []int{5, 2, 8, 1, 9, 3}
	sortBy(s, func(a, b int) bool { return a < b })
	if strconv.Itoa(s[0])+strconv.Itoa(s[5]) != "19" {
		t.Errorf("sortBy: %v", s)
	}
}
