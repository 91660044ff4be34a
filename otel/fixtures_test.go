package otel

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Both encodings of each fixture decode to the same message, so they must map to the same events.
func TestFixturesSameInBothEncodings(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  Signal
		want int
	}{
		{"claude-session-logs", Logs, 11},
		{"claude-session-metrics", Metrics, 9},
		{"codex-session-logs", Logs, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fromJSON, err := Decode(tc.sig, JSON, fixture(t, tc.name+".json"), 10*1024)
			if err != nil {
				t.Fatal(err)
			}
			fromProto, err := Decode(tc.sig, Protobuf, fixture(t, tc.name+".pb"), 10*1024)
			if err != nil {
				t.Fatal(err)
			}
			if len(fromJSON) != tc.want {
				t.Errorf("%d events, want %d", len(fromJSON), tc.want)
			}
			if !reflect.DeepEqual(fromJSON, fromProto) {
				for i := range min(len(fromJSON), len(fromProto)) {
					if !reflect.DeepEqual(fromJSON[i], fromProto[i]) {
						t.Errorf("event %d:\n json  %+v\n proto %+v", i, fromJSON[i], fromProto[i])
					}
				}
				t.Fatalf("JSON gave %d events, protobuf %d, and they differ", len(fromJSON), len(fromProto))
			}
		})
	}
}

const (
	claudeSession = "3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913"
	codexSession  = "019d4f3a-62c1-7e58-9b07-c3e5a1d2f846"
	promptP1      = "a81f2c47-5b0e-4d93-9c6a-2e7f1b84d3a0"
	promptP2      = "d4e07b19-6a3c-4f82-b5d1-90c8e2a7f645"
	sonnet45      = "claude-sonnet-4-5-20250929"
)

// The Claude Code session of fixtures/otlp/README.md: 11 events, their types, usage and keys.
func TestClaudeLogsFixture(t *testing.T) {
	ins := decode(t, Logs, fixture(t, "claude-session-logs.json"))
	if got, want := byType(ins), map[string]int{"user_prompt": 2, "llm_request": 3, "error": 1, "tool_use": 2, "response": 3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("event types %v, want %v", got, want)
	}
	wantTypes := []string{"user_prompt", "error", "llm_request", "response", "tool_use", "response", "tool_use",
		"llm_request", "user_prompt", "llm_request", "response"}
	for i, in := range ins {
		if in.EventType != wantTypes[i] {
			t.Errorf("record %d: %s, want %s", i, in.EventType, wantTypes[i])
		}
		if in.SessionID != claudeSession || in.AgentType != "claude_code" || in.Source != "otel" {
			t.Errorf("record %d: session %q agent %q source %q", i, in.SessionID, in.AgentType, in.Source)
		}
		m := meta(t, in)
		for k := range m {
			if strings.HasPrefix(k, "user_") || strings.HasPrefix(k, "event_") || k == "session_id" {
				t.Errorf("record %d: metadata keeps %q (CONTRACT 18.4 leaves user.*, event.* and session.id out)", i, k)
			}
		}
		if _, ok := m["message"]; ok && in.EventType != "user_prompt" {
			t.Errorf("record %d: metadata message %v: a body equal to the event name must be ignored", i, m["message"])
		}
		if in.ClientTime.IsZero() {
			t.Errorf("record %d: no client time", i)
		}
	}
	if got, want := ins[0].ClientTime, time.Date(2026, 9, 15, 14, 2, 3, 118e6, time.UTC); !got.Equal(want) {
		t.Errorf("client time %v, want %v", got, want)
	}

	// Prompts: message and prompt_id, the key of their kind.
	for i, p := range map[int]string{0: promptP1, 8: promptP2} {
		m := meta(t, ins[i])
		if m["message"] != "<REDACTED>" || m["prompt_id"] != p || ins[i].Correlation != p {
			t.Errorf("prompt %d: metadata %v, correlation %q", i, m, ins[i].Correlation)
		}
	}
	if m := meta(t, ins[8]); m["command_name"] != "compact" {
		t.Errorf("/compact prompt: metadata %v", m)
	}

	// The api_error: an error with the haiku model and no usage.
	if e := ins[1]; e.Status != "error" || e.Model != "claude-haiku-4-5-20251001" || e.LogUsage || e.Correlation != "" {
		t.Errorf("api_error: %+v", e)
	}

	// The three API requests: usage, explicit cost, request id, LogUsage.
	reqs := []struct {
		i                          int
		id                         string
		in, out, cacheRead, create int64
		cost                       float64
		dur                        int64
	}{
		{2, "req_011CTa8mVq3xN2bR7sKd4LpW", 9, 412, 15283, 6541, 0.03532065, 6812},
		{7, "req_011CTa8nQw5yH8cZ1fJt6MrX", 7, 236, 21824, 1318, 0.0150507, 5498},
		{9, "req_011CTa8pEu7kD3gV9hLs2NqY", 11, 1184, 23142, 0, 0.0247356, 15302},
	}
	for _, r := range reqs {
		in := ins[r.i]
		if in.TokensIn != r.in || in.TokensOut != r.out || in.CacheReadTokens != r.cacheRead || in.CacheWriteTokens != r.create ||
			in.CostUSD == nil || *in.CostUSD != r.cost || in.CostSource != contract.CostClient || in.DurationMS != r.dur ||
			in.Model != sonnet45 || in.Correlation != r.id || !in.LogUsage || in.MetricUsage {
			t.Errorf("api_request %s: %+v", r.id, in)
		}
		if m := meta(t, in); m["request_id"] != r.id || m["prompt_id"] == nil {
			t.Errorf("api_request %s: metadata %v", r.id, m)
		}
	}
	u := usage(ins)
	if u.in != 27 || u.out != 1832 || u.cacheRead != 60249 || u.cacheWrite != 7859 || math.Abs(u.cost-0.07510695) > 1e-9 {
		t.Errorf("totals %+v, want 27/1832/60249/7859 and 0.07510695", u)
	}

	// Tool decisions are responses; tool results are the tool calls, keyed by tool_use_id.
	for _, c := range []struct {
		i          int
		tool, id   string
		typ        string
		dur        int64
		correlated bool
	}{
		{3, "Edit", "toolu_01HXk3vR8bN2qT5wYc7mJd4P", "response", 0, false},
		{4, "Edit", "toolu_01HXk3vR8bN2qT5wYc7mJd4P", "tool_use", 64, true},
		{5, "Bash", "toolu_01Qm9fT2sW6xL8dK3rZb5VnE", "response", 0, false},
		{6, "Bash", "toolu_01Qm9fT2sW6xL8dK3rZb5VnE", "tool_use", 2771, true},
	} {
		in := ins[c.i]
		m := meta(t, in)
		if in.EventType != c.typ || in.ToolName != c.tool || in.DurationMS != c.dur || in.Status != "success" || m["tool_use_id"] != c.id {
			t.Errorf("record %d: %+v, metadata %v", c.i, in, m)
		}
		if got := in.Correlation != ""; got != c.correlated || c.correlated && in.Correlation != c.id {
			t.Errorf("record %d: correlation %q", c.i, in.Correlation)
		}
	}
	if params, ok := meta(t, ins[6])["tool_parameters"].(string); !ok || !strings.Contains(params, `"full_command":"go test ./internal/cart/..."`) {
		t.Errorf("Bash tool_parameters %#v, want the JSON string as sent", meta(t, ins[6])["tool_parameters"])
	}
	if m := meta(t, ins[10]); m["trigger"] != "manual" || m["pre_tokens"] != "23393" {
		t.Errorf("compaction metadata %v", m)
	}
}

// The Codex session of fixtures/otlp/README.md: 8 events, the sse_event token rule, call_id.
func TestCodexLogsFixture(t *testing.T) {
	ins := decode(t, Logs, fixture(t, "codex-session-logs.json"))
	if got, want := byType(ins), map[string]int{"session_start": 1, "user_prompt": 1, "llm_request": 2, "llm_response": 2, "response": 1, "tool_use": 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("event types %v, want %v", got, want)
	}
	for i, in := range ins {
		if in.SessionID != codexSession || in.AgentType != "codex" || in.Model != "gpt-5.3-codex" || in.ClientTime.IsZero() {
			t.Errorf("record %d: %+v", i, in)
		}
		if in.EventType == "llm_request" && (in.TokensIn != 0 || in.CostUSD != nil || in.DurationMS == 0) {
			t.Errorf("api_request %d: %+v", i, in)
		}
	}
	// Codex sets no timeUnixNano: the time is observedTimeUnixNano.
	if got, want := ins[0].ClientTime, time.Date(2026, 9, 15, 15, 9, 51, 302e6, time.UTC); !got.Equal(want) {
		t.Errorf("client time %v, want %v", got, want)
	}
	if m := meta(t, ins[1]); m["message"] != "[REDACTED]" {
		t.Errorf("user_prompt metadata %v", m)
	}
	c1, c2 := ins[3], ins[7]
	if c1.TokensIn != 1426 || c1.TokensOut != 312 || c1.CacheReadTokens != 8448 || c1.CostUSD != nil {
		t.Errorf("C1 %+v", c1)
	}
	if c2.TokensIn != 1380 || c2.TokensOut != 158 || c2.CacheReadTokens != 9856 {
		t.Errorf("C2 %+v", c2)
	}
	if m := meta(t, c1); m["reasoning_token_count"] != 192.0 || m["input_token_count"] != nil {
		t.Errorf("C1 metadata %v", m)
	}
	decision, result := ins[4], ins[5]
	if decision.EventType != "response" || decision.ToolName != "shell" || decision.Correlation != "" {
		t.Errorf("tool_decision %+v", decision)
	}
	const call = "call_4bN2qR8sT1vW6yZ0aC3dE5fG"
	if result.EventType != "tool_use" || result.ToolName != "shell" || result.DurationMS != 8421 || result.Status != "success" ||
		result.Correlation != call || meta(t, result)["tool_use_id"] != call || meta(t, result)["call_id"] != nil {
		t.Errorf("tool_result %+v", result)
	}
	u := usage(ins)
	if u.in != 2806 || u.out != 470 || u.cacheRead != 18304 || u.cacheWrite != 0 {
		t.Errorf("totals %+v, want 2806/470/18304/0", u)
	}
}

// The Claude Code metric export: 9 synthetic events with the same token totals as the logs.
func TestClaudeMetricsFixture(t *testing.T) {
	ins := decode(t, Metrics, fixture(t, "claude-session-metrics.json"))
	if len(ins) != 9 {
		t.Fatalf("%d events, want 9", len(ins))
	}
	for i, in := range ins {
		if in.EventType != "llm_response" || in.SessionID != claudeSession || in.Model != sonnet45 || !in.MetricUsage ||
			in.LogUsage || in.Series != "" || in.Metadata != syntheticMetadata || !in.ClientTime.IsZero() {
			t.Errorf("point %d: %+v", i, in)
		}
	}
	u := usage(ins)
	if u.in != 27 || u.out != 1832 || u.cacheRead != 60249 || u.cacheWrite != 7859 || math.Abs(u.cost-(0.05037135+0.0247356)) > 1e-9 {
		t.Errorf("totals %+v", u)
	}
}
