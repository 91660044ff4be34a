package contract

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendEventMatchesMarshal(t *testing.T) {
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	for _, e := range []Event{
		{},
		{ID: 42, EventID: s("e-1"), SchemaVersion: 1, SessionID: "s1", AgentType: "claude_code", EventType: "tool_use",
			ToolName: s("Bash"), Status: "success", TokensIn: 10, TokensOut: 2, Branch: s("main"), Project: s("myapp"),
			DurationMS: n(840), CreatedAt: "2026-02-18 18:06:42", ClientTimestamp: s("2026-02-18T18:06:41.231Z"),
			Metadata: `{"command":"pnpm test <x> & \"y\"","emoji":"😀","ctl":"\u0001\u2028"}`, Model: s("o3"),
			CostUSD: f(0.0010500000000000002), CacheReadTokens: 5, Source: "hook", CostSource: s("auto")},
		{CostUSD: f(1e-7)}, {CostUSD: f(1e21)}, {CostUSD: f(123456789.125)}, {CostUSD: f(0)}, {CostUSD: f(-0.5e-10)},
		{SessionID: "bad utf-8 \xff\xfe", Metadata: "\x7f"},
	} {
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendEvent(nil, &e); string(got) != string(want) {
			t.Errorf("AppendEvent:\n got %s\nwant %s", got, want)
		}
	}
	if got := string(appendFloat(nil, math.Inf(1))); got != "null" {
		t.Errorf("Inf: %s", got)
	}
}

func FuzzAppendEvent(f *testing.F) {
	f.Add("s1", `{"a":"<b>"}`, 0.5, int64(3))
	f.Add("\xff", "\u2028", 1e-9, int64(-1))
	f.Fuzz(func(t *testing.T, str, meta string, cost float64, n int64) {
		if math.IsInf(cost, 0) || math.IsNaN(cost) {
			return
		}
		e := Event{ID: n, SessionID: str, Metadata: meta, CostUSD: &cost, ToolName: &str, TokensIn: n, DurationMS: &n}
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendEvent(nil, &e); string(got) != string(want) {
			t.Fatalf("AppendEvent:\n got %s\nwant %s", got, want)
		}
	})
}
