package api_test

// Acceptance: stats, tool stats, cost, usage monitor and filter options (CONTRACT 8.5–8.8, 8.12;
// section 16 items 15, 16, 30–35, 67–75, 79).

import (
	"encoding/json"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// Items 15, 68 and 72: an empty database.
func TestStatsEmpty(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ path, want string }{
		{"/api/stats", `{"total_events":0,"active_sessions":0,"total_sessions":0,"live_sessions":0,"active_agents":0,` +
			`"total_tokens_in":0,"total_tokens_out":0,"total_cost_usd":0,"tool_breakdown":{},"agent_breakdown":{},` +
			`"model_breakdown":{},"branches":[]}`},
		{"/api/stats/tools", `{"tools":[]}`},
		{"/api/stats/cost", `{"timeline":[],"by_project":[],"by_model":[]}`},
		{"/api/stats/usage-monitor", `[]`},
		{"/api/filter-options", `{"agent_types":[],"event_types":[],"tool_names":[],"models":[],"projects":[],"branches":[],"sources":[]}`},
		{"/api/events", `{"events":[],"total":0}`},
		{"/api/sessions", `{"sessions":[],"total":0}`},
	}
	for _, tc := range tests {
		var got, want any
		h.getJSON(tc.path, &got)
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s = %s, want %s", tc.path, h.get(tc.path).body, tc.want)
		}
	}
}

// Items 16 and 69.
func TestStatsTotals(t *testing.T) {
	h := newHarness(t)
	before := h.stats("")
	h.store1(ev("st1", "claude_code", "tool_use", "tokens_in", 100, "tokens_out", 50, "cost_usd", 0.01))
	after := h.stats("")
	if after.TotalEvents <= before.TotalEvents || after.TotalTokensIn <= before.TotalTokensIn || after.TotalTokensOut <= before.TotalTokensOut {
		t.Errorf("item 16: before %+v, after %+v", before, after)
	}
	h.store1(ev("st2", "codex", "response", "tokens_in", 200, "tokens_out", 100, "cost_usd", 0.02))
	var got map[string]any
	h.getJSON("/api/stats", &got)
	var want map[string]any
	_ = json.Unmarshal([]byte(`{"total_events":2,"active_sessions":2,"total_sessions":2,"live_sessions":2,"active_agents":2,
		"total_tokens_in":300,"total_tokens_out":150,"total_cost_usd":0.03,"tool_breakdown":{},
		"agent_breakdown":{"claude_code":1,"codex":1},"model_breakdown":{},"branches":[]}`), &want)
	if c, _ := got["total_cost_usd"].(float64); !approx(c, 0.03, 1e-12) {
		t.Errorf("total_cost_usd %v, want 0.03", got["total_cost_usd"])
	}
	got["total_cost_usd"] = 0.03
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stats\n got %v\nwant %v", got, want)
	}
}

// 8.5: session counts are unfiltered; branches include HEAD, most recent first.
func TestStatsSessionsAndBranches(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Second)
	put := func(ago time.Duration, e map[string]any) {
		h.clock.Set(now.Add(-ago))
		h.store1(e)
	}
	put(4*time.Minute, ev("b1", "claude_code", "tool_use", "branch", "main", "tool_name", "Bash"))
	put(3*time.Minute, ev("b2", "codex", "tool_use", "branch", "dev"))
	put(2*time.Minute, ev("b3", "codex", "session_end", "branch", "gone"))
	put(1*time.Minute, ev("b4", "claude_code", "session_end", "branch", "HEAD"))
	put(90*time.Second, ev("b5", "gemini", "tool_use", "branch", "main", "model", "g"))
	h.clock.Set(time.Time{})

	st := h.stats("agent_type=codex")
	if st.TotalSessions != 5 || st.ActiveSessions != 3 || st.LiveSessions != 4 || st.ActiveAgents != 3 {
		t.Errorf("sessions: total %d active %d live %d agents %d; want 5, 3, 4, 3 (unfiltered)",
			st.TotalSessions, st.ActiveSessions, st.LiveSessions, st.ActiveAgents)
	}
	if st.TotalEvents != 2 || !reflect.DeepEqual(st.AgentBreakdown, map[string]int64{"codex": 2}) ||
		len(st.ToolBreakdown) != 0 || len(st.ModelBreakdown) != 0 {
		t.Errorf("agent_type=codex: %+v", st)
	}
	if want := []string{"HEAD", "main", "gone", "dev"}; !reflect.DeepEqual(st.Branches, want) {
		t.Errorf("branches %v, want %v", st.Branches, want)
	}
	st = h.stats("")
	if !reflect.DeepEqual(st.ToolBreakdown, map[string]int64{"Bash": 1}) || !reflect.DeepEqual(st.ModelBreakdown, map[string]int64{"g": 1}) {
		t.Errorf("breakdowns %v %v", st.ToolBreakdown, st.ModelBreakdown)
	}
}

// seed posts the six-event batch of item 70.
func seed(h *harness) {
	h.t.Helper()
	const sonnet = "claude-sonnet-4-5-20250929"
	res := h.batch(
		ev("s1", "claude_code", "tool_use", "model", sonnet, "tool_name", "Bash", "duration_ms", 150, "cost_usd", 0.01),
		ev("s1", "claude_code", "tool_use", "model", sonnet, "tool_name", "Bash", "status", "error", "duration_ms", 200, "cost_usd", 0.005),
		ev("s1", "claude_code", "tool_use", "model", sonnet, "tool_name", "Read", "duration_ms", 50, "cost_usd", 0.008),
		ev("s1", "claude_code", "response", "model", sonnet, "cost_usd", 0.02),
		ev("s2", "codex", "tool_use", "model", "o3", "tool_name", "Bash", "duration_ms", 300, "cost_usd", 0.015),
		ev("s2", "codex", "tool_use", "model", "o3", "tool_name", "Edit", "duration_ms", 80, "cost_usd", 0.01),
	)
	if res.Received != 6 {
		h.t.Fatalf("seed: %+v", res)
	}
}

type toolRow struct {
	ToolName      string           `json:"tool_name"`
	TotalCalls    int64            `json:"total_calls"`
	ErrorCount    int64            `json:"error_count"`
	ErrorRate     float64          `json:"error_rate"`
	AvgDurationMS *float64         `json:"avg_duration_ms"`
	ByAgent       map[string]int64 `json:"by_agent"`
}

func (h *harness) tools(query string) []toolRow {
	h.t.Helper()
	var out struct {
		Tools []toolRow `json:"tools"`
	}
	h.getJSON("/api/stats/tools?"+query, &out)
	return out.Tools
}

// Items 31, 32, 70, 71, 73 and 8.6.
func TestToolStats(t *testing.T) {
	h := newHarness(t)
	seed(h)
	rows := h.tools("")
	byName := map[string]toolRow{}
	for _, r := range rows {
		byName[r.ToolName] = r
	}
	if len(rows) != 3 || rows[0].ToolName != "Bash" {
		t.Fatalf("rows %+v, want Bash first, then Read and Edit", rows)
	}
	f := func(v float64) *float64 { return &v }
	want := map[string]toolRow{
		"Bash": {"Bash", 3, 1, 0.3333, f(217), map[string]int64{"claude_code": 2, "codex": 1}},
		"Read": {"Read", 1, 0, 0, f(50), map[string]int64{"claude_code": 1}},
		"Edit": {"Edit", 1, 0, 0, f(80), map[string]int64{"codex": 1}},
	}
	for name, w := range want {
		if !reflect.DeepEqual(byName[name], w) {
			t.Errorf("%s: %+v, want %+v", name, byName[name], w)
		}
	}

	// Item 71.
	for _, r := range h.tools("agent_type=codex") {
		if _, ok := r.ByAgent["codex"]; !ok || len(r.ByAgent) != 1 {
			t.Errorf("agent_type=codex row %+v", r)
		}
	}
	if rows := h.tools("agent_type=codex"); len(rows) != 2 {
		t.Errorf("agent_type=codex: %d rows, want Bash and Edit", len(rows))
	}

	// Items 32 and 73.
	midnight := time.Now().UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	for _, q := range []string{"agent_type=claude_code&since=1970-01-01T00:00:00Z", "since=" + url.QueryEscape(midnight)} {
		var bash *toolRow
		for _, r := range h.tools(q) {
			if r.ToolName == "Bash" {
				bash = &r
			}
		}
		if bash == nil || bash.TotalCalls < 2 || bash.ErrorCount < 1 {
			t.Errorf("%s: Bash %+v", q, bash)
		}
	}
	if rows := h.tools("since=garbage"); len(rows) != 0 {
		t.Errorf("since=garbage: %d rows, want none", len(rows))
	}

	// timeout is not an error; durations round half away from zero; no duration → null.
	h2 := newHarness(t)
	h2.batch(
		ev("x", "codex", "tool_use", "tool_name", "T", "status", "timeout", "duration_ms", 1),
		ev("x", "codex", "tool_use", "tool_name", "T", "status", "error", "duration_ms", 2),
		ev("x", "codex", "tool_use", "tool_name", "T"),
		ev("x", "codex", "tool_use", "tool_name", "N"),
		ev("x", "codex", "error", "tool_name", "N"),
		ev("x", "codex", "response"),
	)
	got := map[string]toolRow{}
	for _, r := range h2.tools("") {
		got[r.ToolName] = r
	}
	if r := got["T"]; r.TotalCalls != 3 || r.ErrorCount != 1 || r.ErrorRate != 0.3333 || r.AvgDurationMS == nil || *r.AvgDurationMS != 2 {
		t.Errorf("T: %+v, want 3 calls, 1 error, rate 0.3333, avg 2 (1.5 rounded up)", r)
	}
	if r := got["N"]; r.TotalCalls != 2 || r.ErrorCount != 1 || r.ErrorRate != 0.5 || r.AvgDurationMS != nil {
		t.Errorf("N: %+v, want 2 calls, 1 error, rate 0.5, avg null", r)
	}
	var raw struct {
		Tools []map[string]any `json:"tools"`
	}
	h2.getJSON("/api/stats/tools", &raw)
	for _, r := range raw.Tools {
		if v, ok := r["avg_duration_ms"]; !ok || r["tool_name"] == "N" && v != nil {
			t.Errorf("row %v: avg_duration_ms must be present, null when no durations", r)
		}
	}
}

type costReply struct {
	Timeline []struct {
		Bucket     string  `json:"bucket"`
		CostUSD    float64 `json:"cost_usd"`
		TokensIn   int64   `json:"tokens_in"`
		TokensOut  int64   `json:"tokens_out"`
		EventCount int64   `json:"event_count"`
	} `json:"timeline"`
	ByProject []struct {
		Project      string  `json:"project"`
		CostUSD      float64 `json:"cost_usd"`
		SessionCount int64   `json:"session_count"`
		EventCount   int64   `json:"event_count"`
	} `json:"by_project"`
	ByModel []struct {
		Model      string  `json:"model"`
		CostUSD    float64 `json:"cost_usd"`
		EventCount int64   `json:"event_count"`
		TokensIn   int64   `json:"tokens_in"`
		TokensOut  int64   `json:"tokens_out"`
	} `json:"by_model"`
}

func (h *harness) cost(query string) costReply {
	h.t.Helper()
	var out costReply
	h.getJSON("/api/stats/cost?"+query, &out)
	if out.Timeline == nil || out.ByProject == nil || out.ByModel == nil {
		h.t.Fatalf("GET /api/stats/cost?%s: an array is missing or null: %s", query, h.get("/api/stats/cost?"+query).body)
	}
	return out
}

// Items 33, 34, 73, 74 and 8.7.
func TestCostStats(t *testing.T) {
	h := newHarness(t)
	seed(h)
	c := h.cost("")
	if len(c.ByModel) != 2 || c.ByModel[0].Model != "claude-sonnet-4-5-20250929" || !approx(c.ByModel[0].CostUSD, 0.043, 1e-12) ||
		c.ByModel[0].EventCount != 4 || c.ByModel[1].Model != "o3" || !approx(c.ByModel[1].CostUSD, 0.025, 1e-12) {
		t.Errorf("by_model %+v", c.ByModel)
	}
	if len(c.Timeline) == 0 || c.Timeline[0].Bucket == "" || c.Timeline[0].CostUSD <= 0 {
		t.Errorf("timeline %+v", c.Timeline)
	}
	if _, err := time.Parse("2006-01-02T15:00:00Z", c.Timeline[0].Bucket); err != nil {
		t.Errorf("bucket %q is not YYYY-MM-DDTHH:00:00Z", c.Timeline[0].Bucket)
	}
	if len(c.ByProject) != 1 || c.ByProject[0].Project != "unknown" || c.ByProject[0].SessionCount != 2 || c.ByProject[0].EventCount != 6 {
		t.Errorf("by_project %+v, want one unknown row, 2 sessions, 6 events", c.ByProject)
	}
	sum := 0.0
	for _, b := range h.cost("agent_type=codex").Timeline {
		sum += b.CostUSD
	}
	if !approx(sum, 0.025, 1e-12) {
		t.Errorf("codex timeline cost %v, want 0.025", sum)
	}
	midnight := time.Now().UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	if c := h.cost("since=" + url.QueryEscape(midnight)); len(c.Timeline) == 0 || len(c.ByModel) == 0 {
		t.Errorf("since midnight: %+v", c)
	}
	if c := h.cost("since=nope"); len(c.Timeline)+len(c.ByModel)+len(c.ByProject) != 0 {
		t.Errorf("since=nope: %+v, want three empty arrays", c)
	}

	// Item 34: by_project groups by the session's project; by_model needs a model and a cost > 0.
	h2 := newHarness(t)
	h2.store1(ev("p1", "codex", "tool_use", "project", "old-name", "model", "mystery-model", "cost_usd", 0.75))
	h2.store1(ev("p1", "codex", "tool_use", "project", "P34", "model", "mystery-model", "cost_usd", 0.25, "tokens_in", 7))
	h2.store1(ev("p2", "codex", "tool_use", "project", "P34", "cost_usd", 0.5))
	h2.store1(ev("p2", "codex", "tool_use", "model", "mystery-model", "cost_usd", 0))
	h2.store1(ev("p3", "codex", "tool_use", "tokens_in", 9))
	h2.store1(ev("p4", "claude_code", "tool_use", "cost_usd", 0.1))
	c = h2.cost("agent_type=codex&since=1970-01-01T00:00:00Z&limit=50")
	if len(c.ByProject) != 1 || c.ByProject[0].Project != "P34" || !approx(c.ByProject[0].CostUSD, 1.5, 1e-12) ||
		c.ByProject[0].SessionCount != 2 || c.ByProject[0].EventCount != 3 {
		t.Errorf("by_project %+v, want P34 1.5 over 2 sessions, 3 events", c.ByProject)
	}
	if len(c.ByModel) != 1 || c.ByModel[0].Model != "mystery-model" || !approx(c.ByModel[0].CostUSD, 1.0, 1e-12) ||
		c.ByModel[0].EventCount != 2 || c.ByModel[0].TokensIn != 7 {
		t.Errorf("by_model %+v, want mystery-model 1.0 over 2 events, 7 tokens in", c.ByModel)
	}
	if len(c.Timeline) != 1 || c.Timeline[0].EventCount != 5 || c.Timeline[0].TokensIn != 16 {
		t.Errorf("timeline %+v, want every codex event, costed or not", c.Timeline)
	}
	c = h2.cost("")
	if len(c.ByProject) != 2 || c.ByProject[1].Project != "unknown" || !approx(c.ByProject[1].CostUSD, 0.1, 1e-12) {
		t.Errorf("all agents by_project %+v, want P34 then unknown", c.ByProject)
	}
}

// 8.7: by_project's limit is a whole-string number.
func TestCostProjectLimit(t *testing.T) {
	h := newHarness(t)
	var events []any
	for i := range 12 {
		events = append(events, ev("lim-"+string(rune('a'+i)), "codex", "tool_use",
			"project", "proj-"+string(rune('a'+i)), "cost_usd", float64(i+1)))
	}
	h.batch(events...)
	tests := []struct {
		limit string
		rows  int
	}{
		{"", 10}, {"0", 10}, {"abc", 10}, {"12abc", 10}, {"-1", 12}, {"2.9", 2}, {"11", 11},
		{"1e1", 10}, {" 3 ", 3}, {"100", 12},
	}
	for _, tc := range tests {
		t.Run(tc.limit, func(t *testing.T) {
			h := h.with(t)
			c := h.cost("limit=" + url.QueryEscape(tc.limit))
			if len(c.ByProject) != tc.rows {
				t.Errorf("%d rows, want %d", len(c.ByProject), tc.rows)
			}
			if len(c.ByProject) > 0 && (c.ByProject[0].Project != "proj-l" || c.ByProject[0].CostUSD != 12) {
				t.Errorf("first row %+v, want the costliest proj-l", c.ByProject[0])
			}
		})
	}
}

// since cutting into an hour is exact for stats, tools and cost (events before since never count,
// even when they share its hour). The store's clock places the events at chosen times.
func TestStatsSinceInsideAnHour(t *testing.T) {
	h := newHarness(t)
	at := func(hh, mm int) time.Time {
		return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	h.clock.Set(at(10, 10))
	h.store1(ev("sa", "claude_code", "tool_use", "tool_name", "Bash", "model", "m1", "tokens_in", 100, "tokens_out", 10, "cost_usd", 1.0, "project", "P1"))
	h.clock.Set(at(10, 50))
	h.store1(ev("sb", "codex", "tool_use", "tool_name", "Read", "model", "m2", "tokens_in", 200, "tokens_out", 20, "cost_usd", 2.0, "project", "P2"))
	h.clock.Set(at(11, 20))
	h.store1(ev("sa", "claude_code", "tool_use", "tool_name", "Bash", "model", "m1", "tokens_in", 400, "tokens_out", 40, "cost_usd", 4.0))
	h.clock.Set(time.Time{})

	type want struct {
		events, in int64
		cost       float64
		tools      map[string]int64
	}
	tests := []struct {
		since string
		want  want
	}{
		{"", want{3, 700, 7, map[string]int64{"Bash": 2, "Read": 1}}},
		{"2025-03-04", want{3, 700, 7, map[string]int64{"Bash": 2, "Read": 1}}},
		{"2025-03-04T10:00:00Z", want{3, 700, 7, map[string]int64{"Bash": 2, "Read": 1}}},
		{"2025-03-04T10:10:00Z", want{3, 700, 7, map[string]int64{"Bash": 2, "Read": 1}}},
		{"2025-03-04T10:10:01Z", want{2, 600, 6, map[string]int64{"Bash": 1, "Read": 1}}},
		{"2025-03-04T10:30:00Z", want{2, 600, 6, map[string]int64{"Bash": 1, "Read": 1}}},
		{"2025-03-04T12:30:00+02:00", want{2, 600, 6, map[string]int64{"Bash": 1, "Read": 1}}},
		{"2025-03-04T10:50:00.700Z", want{2, 600, 6, map[string]int64{"Bash": 1, "Read": 1}}},
		{"2025-03-04T10:50:01Z", want{1, 400, 4, map[string]int64{"Bash": 1}}},
		{"2025-03-04T11:00:00Z", want{1, 400, 4, map[string]int64{"Bash": 1}}},
		{"2025-03-04T11:20:00Z", want{1, 400, 4, map[string]int64{"Bash": 1}}},
		{"2025-03-04T11:20:01Z", want{0, 0, 0, map[string]int64{}}},
		{"not-a-time", want{0, 0, 0, map[string]int64{}}},
	}
	for _, tc := range tests {
		t.Run(tc.since, func(t *testing.T) {
			h := h.with(t)
			q := "since=" + url.QueryEscape(tc.since)
			st := h.stats(q)
			if st.TotalEvents != tc.want.events || st.TotalTokensIn != tc.want.in || !approx(st.TotalCostUSD, tc.want.cost, 1e-12) ||
				!reflect.DeepEqual(st.ToolBreakdown, tc.want.tools) {
				t.Errorf("stats: %d events, %d in, cost %v, tools %v; want %+v", st.TotalEvents, st.TotalTokensIn, st.TotalCostUSD, st.ToolBreakdown, tc.want)
			}
			tools := map[string]int64{}
			for _, r := range h.tools(q) {
				tools[r.ToolName] = r.TotalCalls
			}
			if !reflect.DeepEqual(tools, tc.want.tools) {
				t.Errorf("tools %v, want %v", tools, tc.want.tools)
			}
			c := h.cost(q)
			var n, in int64
			var sum float64
			for _, b := range c.Timeline {
				n, in, sum = n+b.EventCount, in+b.TokensIn, sum+b.CostUSD
			}
			if n != tc.want.events || in != tc.want.in || !approx(sum, tc.want.cost, 1e-12) {
				t.Errorf("cost timeline %+v, want %d events, %d in, cost %v", c.Timeline, tc.want.events, tc.want.in, tc.want.cost)
			}
			sum = 0
			for _, m := range c.ByModel {
				sum += m.CostUSD
			}
			if !approx(sum, tc.want.cost, 1e-12) {
				t.Errorf("by_model %+v, want cost %v", c.ByModel, tc.want.cost)
			}
			sum = 0
			for _, p := range c.ByProject {
				sum += p.CostUSD
			}
			if !approx(sum, tc.want.cost, 1e-12) {
				t.Errorf("by_project %+v, want cost %v", c.ByProject, tc.want.cost)
			}
		})
	}

	// The hour the since cuts into keeps only the later event.
	c := h.cost("since=2025-03-04T10:30:00Z")
	if len(c.Timeline) != 2 || c.Timeline[0].Bucket != "2025-03-04T10:00:00Z" || c.Timeline[0].EventCount != 1 ||
		c.Timeline[0].TokensIn != 200 || c.Timeline[1].Bucket != "2025-03-04T11:00:00Z" || c.Timeline[1].EventCount != 1 {
		t.Errorf("timeline since 10:30: %+v", c.Timeline)
	}
	if st := h.stats("since=2025-03-04T10:30:00Z&agent_type=claude_code"); st.TotalEvents != 1 || st.TotalTokensIn != 400 {
		t.Errorf("since 10:30, claude_code: %+v", st)
	}
}

// 8.7: the timeline uses client time when there is one, and since compares against it.
func TestCostTimelineClientTime(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(day.Add(12 * time.Hour))
	h.store1(ev("ct", "codex", "tool_use", "model", "m", "cost_usd", 0.5, "client_timestamp", "2025-03-04T10:40:00Z"))
	h.store1(ev("ct", "codex", "tool_use", "model", "m", "cost_usd", 0.25))
	h.clock.Set(time.Time{})
	c := h.cost("")
	if len(c.Timeline) != 2 || c.Timeline[0].Bucket != "2025-03-04T10:00:00Z" || c.Timeline[0].CostUSD != 0.5 ||
		c.Timeline[1].Bucket != "2025-03-04T12:00:00Z" {
		t.Errorf("timeline %+v, want buckets 10:00 (client time) and 12:00 (created_at)", c.Timeline)
	}
	// since 10:45: the timeline drops the 10:40 client time; by_model (created_at 12:00) keeps both.
	c = h.cost("since=2025-03-04T10:45:00Z")
	if len(c.Timeline) != 1 || c.Timeline[0].Bucket != "2025-03-04T12:00:00Z" {
		t.Errorf("timeline since 10:45: %+v", c.Timeline)
	}
	if len(c.ByModel) != 1 || c.ByModel[0].EventCount != 2 {
		t.Errorf("by_model since 10:45: %+v, want both events", c.ByModel)
	}
	c = h.cost("since=2025-03-04T10:30:00Z")
	if len(c.Timeline) != 2 || c.Timeline[0].EventCount != 1 {
		t.Errorf("timeline since 10:30: %+v", c.Timeline)
	}
}

// Items 35, 79 and 8.8.
func TestUsageMonitor(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Now().Add(-6 * time.Hour)) // outside the 5 h window, inside the others
	h.store1(ev("u0", "claude_code", "llm_response", "tokens_in", 1000, "tokens_out", 1000))
	h.store1(ev("u0", "codex", "llm_response", "cost_usd", 10))
	h.clock.Set(time.Now().Add(-200 * time.Hour)) // outside every window
	h.store1(ev("u0", "claude_code", "llm_response", "tokens_in", 5000))
	h.clock.Set(time.Time{})
	h.store1(ev("u1", "claude_code", "llm_response", "tokens_in", 300, "tokens_out", 144, "cost_usd", 3))
	h.store1(ev("u2", "codex", "llm_response", "tokens_in", 99, "cost_usd", 1.23))
	h.store1(ev("u3", "gemini", "llm_response", "tokens_in", 99, "cost_usd", 1))

	var got any
	h.getJSON("/api/stats/usage-monitor", &got)
	var want any
	_ = json.Unmarshal([]byte(`[
		{"agent_type":"claude_code","limitType":"tokens","session":{"used":444,"limit":44000,"windowHours":5},
		 "extended":null,"weekly":{"used":2444,"limit":293000,"windowHours":168}},
		{"agent_type":"codex","limitType":"cost","session":{"used":1.23,"limit":500,"windowHours":5},
		 "extended":{"used":11.23,"limit":1500,"windowHours":168},"weekly":null}]`), &want)
	if !reflect.DeepEqual(got, want) {
		b, _ := json.Marshal(got)
		t.Errorf("usage monitor\n got %s\nwant the contract's rows for claude_code (tokens) and codex (cost), no gemini", b)
	}
}

// Items 30, 75 and 8.12.
func TestFilterOptions(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Second)
	put := func(ago time.Duration, e map[string]any) {
		h.clock.Set(now.Add(-ago))
		h.store1(e)
	}
	put(5*time.Minute, ev("f5", "codex", "tool_use", "project", "app2", "branch", "main"))
	put(4*time.Minute, ev("f1", "claude_code", "tool_use", "project", "app", "branch", "main", "tool_name", "Edit", "model", "gpt-4.1-mini"))
	put(3*time.Minute, ev("f2", "Zeta_agent", "user_prompt", "project", "lib", "branch", "dev", "source", "hook", "tool_name", "Bash"))
	put(2*time.Minute, ev("f3", "codex", "response", "branch", "solo", "model", "o3", "source", "import"))
	put(1*time.Minute, ev("f4", "codex", "tool_use", "project", "x", "branch", "HEAD"))
	h.clock.Set(time.Time{})

	var got any
	h.getJSON("/api/filter-options", &got)
	var want any
	_ = json.Unmarshal([]byte(`{
		"agent_types":["Zeta_agent","claude_code","codex"],
		"event_types":["response","tool_use","user_prompt"],
		"tool_names":["Bash","Edit"],
		"models":["gpt-4.1-mini","o3"],
		"projects":["app","app2","lib","x"],
		"branches":[{"value":"solo","label":"solo"},{"value":"dev","label":"lib / dev"},{"value":"main","label":"app / main"}],
		"sources":["api","hook","import"]}`), &want)
	if !reflect.DeepEqual(got, want) {
		b, _ := json.Marshal(got)
		t.Errorf("filter options\n got %s", b)
	}

	// Item 75 on the seed.
	h2 := newHarness(t)
	seed(h2)
	var fo struct {
		AgentTypes []string `json:"agent_types"`
		ToolNames  []string `json:"tool_names"`
		Models     []string `json:"models"`
	}
	h2.getJSON("/api/filter-options", &fo)
	for _, c := range []struct {
		list []string
		want []string
	}{
		{fo.AgentTypes, []string{"claude_code", "codex"}},
		{fo.ToolNames, []string{"Bash", "Edit", "Read"}},
		{fo.Models, []string{"claude-sonnet-4-5-20250929", "o3"}},
	} {
		if !sort.StringsAreSorted(c.list) || !reflect.DeepEqual(c.list, c.want) {
			t.Errorf("%v, want %v", c.list, c.want)
		}
	}
}

// 8.12: every distinct value is listed, however long.
func TestFilterOptionsLongValues(t *testing.T) {
	h := newHarness(t)
	tool := strings.Repeat("T", 600)
	h.store1(ev("long", "codex", "tool_use", "tool_name", tool, "model", strings.Repeat("m", 513)))
	var fo struct {
		ToolNames []string `json:"tool_names"`
		Models    []string `json:"models"`
	}
	h.getJSON("/api/filter-options", &fo)
	if len(fo.ToolNames) != 1 || fo.ToolNames[0] != tool || len(fo.Models) != 1 {
		t.Errorf("tool_names %d entries, models %d; want the 600-byte tool name and the 513-byte model", len(fo.ToolNames), len(fo.Models))
	}
}
