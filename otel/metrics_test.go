package otel

import (
	"encoding/json"
	"testing"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Items 99, 101, 102 at the mapping level: delta points become one event each.
func TestDeltaMetrics(t *testing.T) {
	pt := func(typ string, v any) map[string]any {
		return point(attrList("session.id", "S", "model", sonnet45, "type", typ), v)
	}
	ins := decode(t, Metrics, metricsJSON(t, claudeResource,
		sum("claude_code.token.usage", 1, pt("input", 1000.0), pt("output", 250), pt("cacheRead", 500.0), pt("cacheCreation", 200.0),
			pt("cache_read", 1.0), pt("cache_creation", 2.0), pt("cache_write", 3.0), pt("reasoning", 4.0), pt("", 5.0),
			pt("input", 0.0), pt("input", -3.0), pt("input", 0.5)),
		sum("claude_code.cost.usage", 1, point(attrList("session.id", "S", "model", sonnet45), 0.05)),
		sum("claude_code.session.count", 1, point(attrList("session.id", "S"), 1.0)),
		sum("claude_code.lines_of_code.count", 1, point(attrList("session.id", "S", "type", "added"), 3.0)),
	))
	want := []struct{ in, out, cr, cw int64 }{{1000, 0, 0, 0}, {0, 250, 0, 0}, {0, 0, 500, 0}, {0, 0, 0, 200},
		{0, 0, 1, 0}, {0, 0, 0, 2}, {0, 0, 0, 3}, {4, 0, 0, 0}, {5, 0, 0, 0}}
	if len(ins) != len(want)+1 {
		t.Fatalf("%d events, want %d: %+v", len(ins), len(want)+1, ins)
	}
	for i, w := range want {
		in := ins[i]
		if in.TokensIn != w.in || in.TokensOut != w.out || in.CacheReadTokens != w.cr || in.CacheWriteTokens != w.cw || in.CostUSD != nil {
			t.Errorf("point %d: %+v, want %+v", i, in, w)
		}
	}
	cost := ins[len(want)]
	if cost.CostUSD == nil || *cost.CostUSD != 0.05 || cost.CostSource != contract.CostClient || cost.TokensIn != 0 {
		t.Errorf("cost point: %+v", cost)
	}
	for i, in := range ins {
		if in.SessionID != "S" || in.AgentType != "claude_code" || in.EventType != "llm_response" || in.Status != "success" ||
			in.Source != "otel" || in.Model != sonnet45 || in.Metadata != syntheticMetadata || !in.MetricUsage || in.Series != "" {
			t.Errorf("event %d: %+v", i, in)
		}
	}
}

// Gauges count like deltas; sums take precedence over gauges; histograms produce nothing.
func TestMetricKinds(t *testing.T) {
	body := `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"codex_cli_rs"}},
	  {"key":"conversation.id","value":{"stringValue":"R"}},{"key":"model","value":{"stringValue":"o3"}}]},
	 "scopeMetrics":[{"metrics":[
	  {"name":"codex_cli_rs.token.usage","gauge":{"dataPoints":[{"asInt":"750","attributes":[{"key":"token.type","value":{"stringValue":"output"}}]}]}},
	  {"name":"gen_ai.client.token.usage","sum":{"dataPoints":[{"asInt":7}]},"gauge":{"dataPoints":[{"asInt":"99"}]}},
	  {"name":"gen_ai.client.token.usage","histogram":{"dataPoints":[{"sum":5,"count":"1"}]}},
	  {"name":"codex_cli_rs.cost.usage","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[{"asDouble":"0.5",
	    "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-5"}}]}]}},
	  {"name":"","sum":{"dataPoints":[{"asInt":"1"}]}}
	 ]}]}]}`
	ins := decode(t, Metrics, []byte(body))
	if len(ins) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(ins), ins)
	}
	if in := ins[0]; in.AgentType != "codex" || in.SessionID != "R" || in.Model != "o3" || in.TokensOut != 750 || in.MetricUsage {
		t.Errorf("codex gauge: %+v", in)
	}
	if in := ins[1]; in.TokensIn != 7 {
		t.Errorf("sum before gauge: %+v", in)
	}
	if in := ins[2]; in.Model != "gpt-5" || in.CostUSD == nil || *in.CostUSD != 0.5 || in.MetricUsage {
		t.Errorf("cost: %+v", in)
	}
	// No session anywhere: "unknown".
	ins = decode(t, Metrics, metricsJSON(t, codexResource, sum("codex_cli_rs.token.usage", 1, point(nil, 750))))
	if len(ins) != 1 || ins[0].SessionID != "unknown" || ins[0].TokensIn != 750 {
		t.Errorf("no session: %+v", ins)
	}
}

// Cumulative points carry their series and raw value; the store computes increases.
func TestCumulativeMetrics(t *testing.T) {
	pt := func(session, source string, v float64, start string) map[string]any {
		return point(attrList("session.id", session, "model", sonnet45, "type", "input", "query_source", source), v, "startTimeUnixNano", start)
	}
	ins := decode(t, Metrics, metricsJSON(t, claudeResource,
		sum("claude_code.token.usage", 2, pt("A", "main", 1000, "1"), pt("A", "main", 0, "1"), pt("A", "auxiliary", 1000, "1"),
			pt("B", "main", 1000, "1"), pt("A", "main", 1000, "2")),
		sum("claude_code.cost.usage", 2, point(attrList("session.id", "A"), 0.25, "startTimeUnixNano", "1")),
		sum("claude_code.session.count", 2, point(attrList("session.id", "A"), 1.0)),
	))
	if len(ins) != 6 {
		t.Fatalf("%d inputs, want 6 (every cumulative point, a zero too): %+v", len(ins), ins)
	}
	seen := map[string]int{}
	for i, in := range ins {
		if in.Series == "" || in.TokensIn != 0 || in.CostUSD != nil || !in.MetricUsage || in.EventType != "llm_response" {
			t.Errorf("input %d: %+v", i, in)
		}
		seen[in.Series]++
	}
	if ins[0].Series != ins[1].Series || ins[0].SeriesValue != 1000 || ins[1].SeriesValue != 0 || ins[0].SeriesField != contract.SeriesTokensIn {
		t.Errorf("one series: %+v %+v", ins[0], ins[1])
	}
	if len(seen) != 5 {
		t.Errorf("%d series, want 5 (session, query_source and start time each make their own): %v", len(seen), seen)
	}
	if in := ins[5]; in.SeriesField != contract.SeriesCost || in.SeriesValue != 0.25 || in.Model != "" {
		t.Errorf("cost series: %+v", in)
	}
	// The key leads with the contract's parts (11.3, 18.4).
	if got, want := ins[0].Series[:len("A|claude_code|claude_code.token.usage|"+sonnet45+"|input|1|")], "A|claude_code|claude_code.token.usage|"+sonnet45+"|input|1|"; got != want {
		t.Errorf("series key %q, want prefix %q", ins[0].Series, want)
	}
	// Attribute order does not change the series.
	a := decode(t, Metrics, metricsJSON(t, claudeResource, sum("claude_code.token.usage", 2,
		point(attrList("x", "1", "y", "2", "session.id", "A"), 5.0))))
	b := decode(t, Metrics, metricsJSON(t, claudeResource, sum("claude_code.token.usage", 2,
		point(attrList("session.id", "A", "y", "2", "x", "1"), 6.0))))
	if a[0].Series != b[0].Series {
		t.Errorf("attribute order changed the series: %q vs %q", a[0].Series, b[0].Series)
	}
}

// A non-finite point is ignored in both temporalities.
func TestMetricOddValues(t *testing.T) {
	raw := func(v string) map[string]any {
		return map[string]any{"attributes": attrList("session.id", "S"), "asDouble": json.RawMessage(v)}
	}
	ins := decode(t, Metrics, metricsJSON(t, claudeResource,
		sum("claude_code.token.usage", 1, raw(`"NaN"`), raw(`"Infinity"`), raw(`"-Infinity"`), raw(`"12"`), raw(`{}`)),
		sum("claude_code.token.usage", 2, raw(`"NaN"`), raw(`"Infinity"`))))
	if len(ins) != 1 || ins[0].TokensIn != 12 {
		t.Fatalf("%+v", ins)
	}
}
