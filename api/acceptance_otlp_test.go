package api_test

// Acceptance: OpenTelemetry ingest (CONTRACT 11, 18.1, 18.4; section 16 items 17–23 and 88–103),
// the shared OTLP fixtures in both encodings, gzip and size limits, and the no-double-counting rule
// for a Claude Code session that exports both logs and metrics.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	logsv1 "go.opentelemetry.io/proto/otlp/logs/v1"
	metricsv1 "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcev1 "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

const (
	ctJSON  = "application/json"
	ctProto = "application/x-protobuf"
)

// otlpPost sends an OTLP request: body as is, with this Content-Type and Content-Encoding ("" none).
func (h *harness) otlpPost(path, contentType, encoding string, body []byte) reply {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		h.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
}

// otlpJSON posts v (marshalled unless it is a string or []byte) as OTLP/JSON and expects 200 {}.
func (h *harness) otlpJSON(path string, v any) {
	h.t.Helper()
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		b = mustMarshal(h.t, v)
	}
	wantEmptyJSON(h.t, h.otlpPost(path, ctJSON, "", b))
}

// otlpProto posts a protobuf message and expects 200 with the empty protobuf response.
func (h *harness) otlpProto(path string, m proto.Message) {
	h.t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		h.t.Fatal(err)
	}
	wantProtoOK(h.t, h.otlpPost(path, ctProto, "", b))
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantEmptyJSON: 200, a JSON Content-Type and a body of exactly {} (CONTRACT 11.1, 18.4).
func wantEmptyJSON(t *testing.T, r reply) {
	t.Helper()
	if r.status != http.StatusOK || string(r.body) != "{}" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q, body %q; want 200 application/json {}", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// wantProtoOK: 200 with Content-Type application/x-protobuf and the empty export response.
func wantProtoOK(t *testing.T, r reply) {
	t.Helper()
	if r.status != http.StatusOK || r.header.Get("Content-Type") != ctProto || len(r.body) != 0 {
		t.Fatalf("status %d, Content-Type %q, body %q; want 200 application/x-protobuf, empty", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// wantJSONError: this status and a JSON object with a string error (CONTRACT 18.4).
func wantJSONError(t *testing.T, r reply, status int) string {
	t.Helper()
	var body map[string]any
	if r.status != status || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || json.Unmarshal(r.body, &body) != nil {
		t.Fatalf("status %d, Content-Type %q, body %q; want %d with a JSON error", r.status, r.header.Get("Content-Type"), r.body, status)
	}
	msg, ok := body["error"].(string)
	if !ok || msg == "" || len(body) != 1 {
		t.Fatalf("error body %s, want {\"error\": \"...\"}", r.body)
	}
	return msg
}

// oAttrs builds an OTLP/JSON attribute list from key, value pairs: string → stringValue, int →
// intValue (as a string, as OTLP/JSON writes it), float64 → doubleValue, bool → boolValue.
func oAttrs(pairs ...any) []any {
	out := []any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		var v any
		switch x := pairs[i+1].(type) {
		case string:
			v = map[string]any{"stringValue": x}
		case int:
			v = map[string]any{"intValue": fmt.Sprint(x)}
		case float64:
			v = map[string]any{"doubleValue": x}
		case bool:
			v = map[string]any{"boolValue": x}
		default:
			panic(fmt.Sprintf("oAttrs: %T", x))
		}
		out = append(out, map[string]any{"key": pairs[i], "value": v})
	}
	return out
}

// oRecord builds a log record: attributes, then extra members as key, value pairs.
func oRecord(attributes []any, extra ...any) map[string]any {
	r := map[string]any{"attributes": attributes, "timeUnixNano": "1789480923118000000"}
	for i := 0; i+1 < len(extra); i += 2 {
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

// oLogs builds an OTLP/JSON logs export of one resource.
func oLogs(resource []any, records ...map[string]any) map[string]any {
	return map[string]any{"resourceLogs": []any{map[string]any{
		"resource":  map[string]any{"attributes": resource},
		"scopeLogs": []any{map[string]any{"logRecords": records}},
	}}}
}

// oBody is a log record body holding text.
func oBody(text string) map[string]any { return map[string]any{"stringValue": text} }

// oPoint builds a number data point: float64 → asDouble, int → asInt.
func oPoint(attributes []any, value any, extra ...any) map[string]any {
	p := map[string]any{"attributes": attributes, "startTimeUnixNano": "1789480918412000000", "timeUnixNano": "1789480978412000000"}
	switch v := value.(type) {
	case float64:
		p["asDouble"] = v
	case int:
		p["asInt"] = fmt.Sprint(v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

// oSum builds a sum metric: temporality 1 delta, 2 cumulative.
func oSum(name string, temporality int, points ...map[string]any) map[string]any {
	return map[string]any{"name": name, "sum": map[string]any{"aggregationTemporality": temporality, "isMonotonic": true, "dataPoints": points}}
}

// oMetrics builds an OTLP/JSON metrics export of one resource.
func oMetrics(resource []any, metrics ...map[string]any) map[string]any {
	return map[string]any{"resourceMetrics": []any{map[string]any{
		"resource":     map[string]any{"attributes": resource},
		"scopeMetrics": []any{map[string]any{"metrics": metrics}},
	}}}
}

// otlpFixture reads one of the shared OTLP fixtures (copied into otel/testdata).
func otlpFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "otel", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	claudeRes = oAttrs("service.name", "claude-code", "telemetry.sdk.name", "opentelemetry")
	codexRes  = oAttrs("service.name", "codex_cli_rs", "telemetry.sdk.name", "opentelemetry")
)

const sonnet = "claude-sonnet-4-5-20250929"

// sessionEvents returns the session's events, oldest first.
func (h *harness) sessionEvents(id string) []contract.Event {
	h.t.Helper()
	evs := h.session(id).Events
	slices.Reverse(evs)
	return evs
}

// Items 17, 20, 103: a protobuf body on every path decodes or is a 400 JSON error.
func TestOTLPProtobufReplies(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/otel/v1/logs", "/api/otel/v1/metrics", "/api/otel/v1/traces", "/v1/logs", "/v1/metrics", "/v1/traces"} {
		t.Run(path, func(t *testing.T) {
			h := h.with(t)
			for _, ct := range []string{ctProto, "application/protobuf", "application/x-protobuf; charset=binary"} {
				wantProtoOK(t, h.otlpPost(path, ct, "", []byte{0x0a, 0x00}))
			}
			wantProtoOK(t, h.otlpPost(path, ctProto, "", nil)) // an empty message
			for _, bad := range [][]byte{{0xff, 0xff, 0xff}, {0x0a, 0x09, 0x01}, []byte(`{"resourceLogs":[]}`)} {
				wantJSONError(t, h.otlpPost(path, ctProto, "", bad), http.StatusBadRequest)
			}
		})
	}
	if n := h.stats("").TotalEvents; n != 0 {
		t.Fatalf("%d events stored, want none", n)
	}
}

// Items 18, 23 and CONTRACT 11.1 step 2, 17.7: JSON replies, on every path.
func TestOTLPJSONReplies(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/otel/v1/logs", "/api/otel/v1/metrics", "/api/otel/v1/traces", "/v1/logs", "/v1/metrics", "/v1/traces"} {
		t.Run(path, func(t *testing.T) {
			h := h.with(t)
			for _, body := range []string{`{}`, `{"resourceSpans":[]}`, `{"resourceLogs":[],"resourceMetrics":[]}`, `[]`, `[1,2]`, `"{}"`, ` {"x":{"y":[]}} `} {
				wantEmptyJSON(t, h.otlpPost(path, ctJSON, "", []byte(body)))
			}
			for _, ct := range []string{"application/json; charset=utf-8", "application/vnd.otlp+json", "text/plain"} {
				wantEmptyJSON(t, h.otlpPost(path, ct, "", []byte(`{}`)))
			}
			for _, body := range []string{``, `  `, `null`, `42`, `"just a string"`, `{"resourceLogs":`, `true`} {
				if msg := wantJSONError(t, h.otlpPost(path, ctJSON, "", []byte(body)), http.StatusBadRequest); msg != "Invalid OTEL JSON payload" {
					t.Errorf("body %q: error %q", body, msg)
				}
			}
			// Another or no Content-Type: the body is absent (CONTRACT 2.4), so 400 like an empty one.
			for _, ct := range []string{"", "application/xml", "application/octet-stream"} {
				if msg := wantJSONError(t, h.otlpPost(path, ct, "", []byte(`{}`)), http.StatusBadRequest); msg != "Invalid OTEL JSON payload" {
					t.Errorf("Content-Type %q: error %q", ct, msg)
				}
			}
		})
	}
	if r := h.get("/v1/logs"); r.status != http.StatusNotFound {
		t.Errorf("GET /v1/logs: %d, want 404", r.status)
	}
}

// Items 19 and 90: a Claude Code tool_result record is a tool_use row from otel.
func TestOTLPClaudeToolResult(t *testing.T) {
	h := newHarness(t)
	h.otlpJSON("/api/otel/v1/logs", oLogs(oAttrs("service.name", "claude_code", "gen_ai.session.id", "S19"),
		oRecord(oAttrs("event.name", "claude_code.tool_result", "gen_ai.tool.name", "Bash", "gen_ai.request.model", sonnet,
			"gen_ai.usage.input_tokens", 123, "gen_ai.usage.output_tokens", 45))))
	var detail sessionDetail
	h.getJSON("/api/sessions/S19?event_limit=50", &detail)
	if len(detail.Events) != 1 {
		t.Fatalf("%d events, want 1", len(detail.Events))
	}
	e := detail.Events[0]
	if e.EventType != "tool_use" || str(e.ToolName) != "Bash" || e.Source != "otel" || e.AgentType != "claude_code" ||
		str(e.Model) != sonnet || e.TokensIn != 123 || e.TokensOut != 45 || e.Status != "success" || e.EventID != nil ||
		str(e.ClientTimestamp) != "2026-09-15T14:02:03.118Z" {
		t.Fatalf("row %+v", e)
	}
	if detail.Session.AgentType != "claude_code" || detail.Session.Status != "active" {
		t.Fatalf("session %+v", detail.Session)
	}
}

// Items 21 and 99: delta token and cost metrics become llm_response rows.
func TestOTLPDeltaMetrics(t *testing.T) {
	h := newHarness(t)
	pt := func(typ string, v float64) map[string]any {
		return oPoint(oAttrs("session.id", "S21", "model", sonnet, "type", typ), v)
	}
	h.otlpJSON("/api/otel/v1/metrics", oMetrics(claudeRes,
		oSum("claude_code.token.usage", 1, pt("input", 1000), pt("output", 250)),
		oSum("claude_code.cost.usage", 1, oPoint(oAttrs("session.id", "S21", "model", sonnet), 0.05))))
	evs := h.sessionEvents("S21")
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	for _, e := range evs {
		if e.EventType != "llm_response" || e.Source != "otel" || str(e.Model) != sonnet || e.Metadata != `{"_synthetic":true,"_source":"otel_metric"}` {
			t.Errorf("row %+v", e)
		}
	}
	in, out, cost := evs[0], evs[1], evs[2]
	// Token-only events are auto-priced (CONTRACT 11.3): 1000 in at $3/MTok, 250 out at $15/MTok.
	if in.TokensIn != 1000 || in.TokensOut != 0 || !approx(costOf(t, in), 0.003, 1e-12) || str(in.CostSource) != "auto" {
		t.Errorf("input row %+v", in)
	}
	if out.TokensOut != 250 || out.TokensIn != 0 || !approx(costOf(t, out), 0.00375, 1e-12) {
		t.Errorf("output row %+v", out)
	}
	if cost.TokensIn != 0 || cost.TokensOut != 0 || costOf(t, cost) != 0.05 || str(cost.CostSource) != "client" {
		t.Errorf("cost row %+v", cost)
	}
}

// Items 22 and 100: cumulative points count their increase, per series, per session.
func TestOTLPCumulativeMetrics(t *testing.T) {
	h := newHarness(t)
	post := func(session string, v float64) {
		h.otlpJSON("/v1/metrics", oMetrics(claudeRes, oSum("claude_code.token.usage", 2,
			oPoint(oAttrs("session.id", session, "model", sonnet, "type", "input"), v))))
	}
	tokensIn := func(session string) []int64 {
		var out []int64
		for _, e := range h.sessionEvents(session) {
			if e.TokensIn > 0 {
				out = append(out, e.TokensIn)
			}
		}
		return out
	}
	post("S22", 1000)
	post("S22", 1500)
	post("S22", 1500)
	if got := tokensIn("S22"); !slices.Equal(got, []int64{1000, 500}) {
		t.Fatalf("S22 tokens_in rows %v, want [1000 500]", got)
	}
	if n := len(h.sessionEvents("S22")); n != 2 {
		t.Fatalf("S22 has %d events, want 2: the third post adds nothing", n)
	}
	post("A", 1000)
	post("B", 500)
	post("A", 1800)
	post("B", 900)
	if a, b := tokensIn("A"), tokensIn("B"); !slices.Equal(a, []int64{1000, 800}) || !slices.Equal(b, []int64{500, 400}) {
		t.Fatalf("A rows %v (want [1000 800]), B rows %v (want [500 400])", a, b)
	}
	// A new start time begins a new series (CONTRACT 18.4).
	h.otlpJSON("/v1/metrics", oMetrics(claudeRes, oSum("claude_code.token.usage", 2,
		oPoint(oAttrs("session.id", "A", "model", sonnet, "type", "input"), 300.0, "startTimeUnixNano", "1789481000000000000"))))
	if a := tokensIn("A"); !slices.Equal(a, []int64{1000, 800, 300}) {
		t.Fatalf("A rows after a restart of the exporter %v, want [1000 800 300]", a)
	}
}

// The requirement behind CONTRACT 11.3: cumulative state lives in the file, so a server
// restart does not count a series again.
func TestOTLPCumulativeSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "am.db")
	post := func(h *harness, v float64) {
		h.otlpJSON("/v1/metrics", oMetrics(claudeRes, oSum("claude_code.token.usage", 2,
			oPoint(oAttrs("session.id", "R", "model", sonnet, "type", "output"), v))))
	}
	h1 := serverAt(t, path)
	post(h1.harness, 1000)
	h1.close()
	h2 := serverAt(t, path)
	post(h2.harness, 1500)
	var outs []int64
	var costs []float64
	for _, e := range h2.sessionEvents("R") {
		outs = append(outs, e.TokensOut)
		costs = append(costs, costOf(t, e))
	}
	if !slices.Equal(outs, []int64{1000, 500}) {
		t.Fatalf("tokens_out rows %v, want [1000 500]", outs)
	}
	// The store prices the increases it computes (at $15/MTok output).
	if !approx(costs[0], 0.015, 1e-12) || !approx(costs[1], 0.0075, 1e-12) {
		t.Fatalf("costs %v, want [0.015 0.0075]", costs)
	}
}

// serverAt is a harness over the database file at path, with the store's pricing hook set as
// cmd sets it; close stops it (also done at cleanup).
func serverAt(t *testing.T, path string) *restartable {
	t.Helper()
	cfg := api.DefaultConfig()
	h := &harness{t: t, cfg: cfg, clock: &clock{}}
	h.hub = api.NewHub(cfg.MaxSSEClients, cfg.SSEQueue)
	prices := pricing.Default()
	store, err := kv.Open(kv.Options{Path: path, SessionTimeout: cfg.SessionTimeout, HistoricalWindow: cfg.HistoricalWindow,
		OnCommit: h.hub.PublishEvents, Now: h.clock.Now, Logger: quiet, Price: prices.Cost})
	if err != nil {
		t.Fatal(err)
	}
	h.store = store
	h.srv = api.New(cfg, store, h.hub, defaultPrices(), quiet)
	h.ts = httptest.NewServer(h.srv)
	r := &restartable{harness: h}
	t.Cleanup(r.close)
	return r
}

type restartable struct {
	*harness
	closed bool
}

func (r *restartable) close() {
	if r.closed {
		return
	}
	r.closed = true
	r.hub.Close()
	r.ts.Close()
	if err := r.store.Close(); err != nil {
		r.t.Errorf("close store: %v", err)
	}
}

// Item 88: api_request is priced from the table unless it carries a cost.
func TestOTLPApiRequestPricing(t *testing.T) {
	h := newHarness(t)
	rec := func(session string, extra ...any) map[string]any {
		return oRecord(oAttrs("session.id", session, "event.name", "claude_code.api_request", "model", "claude-sonnet-4-5",
			"input_tokens", 100000, "output_tokens", 20000), extra...)
	}
	h.otlpJSON("/api/otel/v1/logs", oLogs(claudeRes, rec("P1"), rec("P2", "body", oBody(`{"cost_usd":42.0}`))))
	if e := h.sessionEvents("P1")[0]; e.EventType != "llm_request" || !approx(costOf(t, e), 0.6, 1e-9) || str(e.CostSource) != "auto" {
		t.Errorf("priced row %+v cost %s", e, fmtCost(e.CostUSD))
	}
	if e := h.sessionEvents("P2")[0]; costOf(t, e) != 42 || str(e.CostSource) != "client" {
		t.Errorf("explicit cost row %+v cost %s", e, fmtCost(e.CostUSD))
	}
}

// Item 89: a double-encoded logs payload is accepted.
func TestOTLPDoubleEncoded(t *testing.T) {
	h := newHarness(t)
	inner := mustMarshal(t, oLogs(claudeRes, oRecord(oAttrs("session.id", "S89", "event.name", "claude_code.user_prompt", "prompt", "hi"))))
	h.otlpJSON("/api/otel/v1/logs", mustMarshal(t, string(inner)))
	if evs := h.sessionEvents("S89"); len(evs) != 1 || evs[0].EventType != "user_prompt" || evs[0].Metadata != `{"message":"hi"}` {
		t.Fatalf("%+v", evs)
	}
}

// Items 91–98: the log mapping rules, one export each.
func TestOTLPLogRules(t *testing.T) {
	h := newHarness(t)
	meta := func(e contract.Event) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(e.Metadata), &m); err != nil {
			t.Fatalf("metadata %q: %v", e.Metadata, err)
		}
		return m
	}

	t.Run("91 api_request usage", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(claudeRes, oRecord(oAttrs("session.id", "S91", "event.name", "claude_code.api_request",
			"gen_ai.request.model", sonnet, "gen_ai.usage.input_tokens", 1500, "gen_ai.usage.output_tokens", 300, "gen_ai.usage.cache_read_input_tokens", 800))))
		e := h.with(t).sessionEvents("S91")[0]
		if e.EventType != "llm_request" || e.TokensIn != 1500 || e.TokensOut != 300 || e.CacheReadTokens != 800 {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("92 codex body fields", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(oAttrs("service.name", "codex_cli_rs"), oRecord(oAttrs("event.name", "codex.tool_result"),
			"body", oBody(`{"session_id":"S92","tool_name":"shell","model":"o3","input_tokens":10,"output_tokens":5}`))))
		e := h.with(t).sessionEvents("S92")[0]
		if e.AgentType != "codex" || e.EventType != "tool_use" || str(e.ToolName) != "shell" || str(e.Model) != "o3" || e.TokensIn != 10 || e.TokensOut != 5 {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("93 no session", func(t *testing.T) {
		h := h.with(t)
		before := h.stats("").TotalEvents
		h.otlpJSON("/api/otel/v1/logs", oLogs(claudeRes, oRecord(oAttrs("event.name", "claude_code.tool_result", "tool_name", "Bash"))))
		if after := h.stats("").TotalEvents; after != before {
			t.Fatalf("%d events stored", after-before)
		}
	})
	t.Run("94 three records", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(claudeRes,
			oRecord(oAttrs("session.id", "S94", "event.name", "claude_code.session_start")),
			oRecord(oAttrs("session.id", "S94", "event.name", "claude_code.tool_result", "tool_name", "Read")),
			oRecord(oAttrs("session.id", "S94", "event.name", "claude_code.session_end"))))
		evs := h.with(t).sessionEvents("S94")
		var types []string
		for _, e := range evs {
			types = append(types, e.EventType)
		}
		if !slices.Equal(types, []string{"session_start", "tool_use", "session_end"}) {
			t.Fatalf("types %v", types)
		}
		// session_end of claude_code leaves the session idle (CONTRACT 5 step 10).
		if s := h.with(t).session("S94").Session; s.Status != "idle" {
			t.Fatalf("session status %s, want idle", s.Status)
		}
	})
	t.Run("95 severity ERROR", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(claudeRes, oRecord(oAttrs("session.id", "S95"), "severityText", "ERROR", "body", oBody("boom"))))
		e := h.with(t).sessionEvents("S95")[0]
		if e.EventType != "error" || e.Status != "error" || e.Metadata != `{"message":"boom"}` {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("96 body metadata", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(codexRes, oRecord(oAttrs("conversation.id", "S96", "event.name", "codex.tool_result"),
			"body", oBody(`{"session_id":"S96","tool_name":"shell","command":"ls","exit_code":2,"output":"x"}`))))
		m := meta(h.with(t).sessionEvents("S96")[0])
		if m["command"] != "ls" || m["exit_code"] != 2.0 || m["output"] != "x" || m["session_id"] != nil || m["tool_name"] != nil {
			t.Fatalf("metadata %v", m)
		}
	})
	t.Run("97 prompt text", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(codexRes,
			oRecord(oAttrs("conversation.id", "S97", "event.name", "codex.user_prompt", "gen_ai.prompt", "from attr"), "body", oBody(`{}`)),
			oRecord(oAttrs("conversation.id", "S97", "event.name", "codex.user_prompt", "gen_ai.prompt", "from attr"),
				"body", oBody(`{"message":"from body","turn":2}`))))
		evs := h.with(t).sessionEvents("S97")
		if m := meta(evs[0]); m["message"] != "from attr" {
			t.Errorf("first metadata %v", m)
		}
		if m := meta(evs[1]); m["message"] != "from body" || m["turn"] != 2.0 {
			t.Errorf("second metadata %v", m)
		}
	})
	t.Run("98 codex user messages", func(t *testing.T) {
		h.with(t).otlpJSON("/api/otel/v1/logs", oLogs(codexRes,
			oRecord(oAttrs("conversation.id", "S98", "event.name", "codex.user_message"), "body", oBody(`{"message":"one"}`)),
			oRecord(oAttrs("conversation.id", "S98", "event.name", "codex.response"), "body", oBody(`{"payload":{"type":"user_message","message":"two"}}`)),
			oRecord(oAttrs("conversation.id", "S98", "event.name", "codex.response"), "body", oBody(`{"payload":{"type":"reasoning","message":"no"}}`))))
		evs := h.with(t).sessionEvents("S98")
		if len(evs) != 2 || evs[0].EventType != "user_prompt" || meta(evs[0])["message"] != "one" ||
			evs[1].EventType != "user_prompt" || meta(evs[1])["message"] != "two" {
			t.Fatalf("%+v", evs)
		}
	})
}

// Items 101 and 102.
func TestOTLPMetricRules(t *testing.T) {
	h := newHarness(t)
	h.otlpJSON("/api/otel/v1/metrics", oMetrics(claudeRes, oSum("claude_code.token.usage", 1,
		oPoint(oAttrs("session.id", "S101", "type", "input"), 0.0),
		oPoint(oAttrs("session.id", "S101", "type", "cacheRead"), 500.0),
		oPoint(oAttrs("session.id", "S101", "type", "cacheCreation"), 200.0))))
	evs := h.sessionEvents("S101")
	if len(evs) != 2 || evs[0].CacheReadTokens != 500 || evs[1].CacheWriteTokens != 200 || evs[0].TokensIn != 0 || evs[0].CostUSD != nil {
		t.Fatalf("S101 rows %+v", evs)
	}
	h.otlpJSON("/api/otel/v1/metrics", oMetrics(oAttrs("service.name", "codex_cli_rs", "conversation.id", "S102"),
		oSum("codex_cli_rs.token.usage", 1, oPoint(oAttrs("type", "input"), 750))))
	evs = h.sessionEvents("S102")
	if len(evs) != 1 || evs[0].AgentType != "codex" || evs[0].TokensIn != 750 {
		t.Fatalf("S102 rows %+v", evs)
	}
}

// The same handlers on /v1/... and /api/otel/v1/..., fed protobuf built with the official types.
func TestOTLPProtobufExports(t *testing.T) {
	h := newHarness(t)
	str := func(k, v string) *commonv1.KeyValue {
		return &commonv1.KeyValue{Key: k, Value: &commonv1.AnyValue{Value: &commonv1.AnyValue_StringValue{StringValue: v}}}
	}
	res := &resourcev1.Resource{Attributes: []*commonv1.KeyValue{str("service.name", "claude-code")}}
	logs := &logsv1.LogsData{ResourceLogs: []*logsv1.ResourceLogs{{Resource: res, ScopeLogs: []*logsv1.ScopeLogs{{LogRecords: []*logsv1.LogRecord{{
		TimeUnixNano: 1789480934611000000,
		Body:         &commonv1.AnyValue{Value: &commonv1.AnyValue_StringValue{StringValue: "claude_code.tool_result"}},
		Attributes: []*commonv1.KeyValue{str("session.id", "PB"), str("event.name", "tool_result"), str("tool_name", "Edit"),
			str("tool_use_id", "toolu_pb"), str("success", "false"), str("duration_ms", "64")},
	}}}}}}}
	h.otlpProto("/v1/logs", logs)
	metrics := &metricsv1.MetricsData{ResourceMetrics: []*metricsv1.ResourceMetrics{{Resource: res, ScopeMetrics: []*metricsv1.ScopeMetrics{{
		Metrics: []*metricsv1.Metric{{Name: "claude_code.token.usage", Data: &metricsv1.Metric_Sum{Sum: &metricsv1.Sum{
			AggregationTemporality: metricsv1.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA,
			DataPoints: []*metricsv1.NumberDataPoint{{Attributes: []*commonv1.KeyValue{str("session.id", "PB"), str("type", "output")},
				Value: &metricsv1.NumberDataPoint_AsDouble{AsDouble: 42}}},
		}}}},
	}}}}}
	h.otlpProto("/api/otel/v1/metrics", metrics)
	evs := h.sessionEvents("PB")
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	if e := evs[0]; e.EventType != "tool_use" || *e.ToolName != "Edit" || e.Status != "error" || *e.DurationMS != 64 ||
		*e.ClientTimestamp != "2026-09-15T14:02:14.611Z" || e.Metadata != `{"tool_use_id":"toolu_pb"}` {
		t.Errorf("log row %+v", e)
	}
	if e := evs[1]; e.EventType != "llm_response" || e.TokensOut != 42 {
		t.Errorf("metric row %+v", e)
	}
}

// The shared fixtures, each in both encodings, give the events, session and totals their README
// lists.
func TestOTLPFixtures(t *testing.T) {
	type want struct {
		fixture, path, session, agent string
		types                         map[string]int
		tokensIn, tokensOut           int64
		cacheRead, cacheWrite         int64
		cost                          float64
		clientTimes                   int  // rows with a client_timestamp
		autoCostRows, clientCostRow   int  // rows by cost_source
		synthetic                     bool // every row is metric-derived
	}
	for _, w := range []want{
		{session: "3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913", agent: "claude_code", path: "/v1/logs", fixture: "claude-session-logs",
			types:    map[string]int{"user_prompt": 2, "llm_request": 3, "error": 1, "tool_use": 2, "response": 3},
			tokensIn: 27, tokensOut: 1832, cacheRead: 60249, cacheWrite: 7859, cost: 0.07510695, clientTimes: 11, clientCostRow: 3},
		// Metrics alone: the input/output points are auto-priced on top of the cost points.
		{session: "3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913", agent: "claude_code", path: "/v1/metrics", fixture: "claude-session-metrics",
			types:    map[string]int{"llm_response": 9},
			tokensIn: 27, tokensOut: 1832, cacheRead: 60249, cacheWrite: 7859, cost: 0.10266795, synthetic: true, autoCostRows: 4, clientCostRow: 2},
		{session: "019d4f3a-62c1-7e58-9b07-c3e5a1d2f846", agent: "codex", path: "/api/otel/v1/logs", fixture: "codex-session-logs",
			types:    map[string]int{"session_start": 1, "user_prompt": 1, "llm_request": 2, "llm_response": 2, "response": 1, "tool_use": 1},
			tokensIn: 2806, tokensOut: 470, cacheRead: 18304, cost: 0.0275065, clientTimes: 8, autoCostRows: 2},
	} {
		for _, enc := range []string{"json", "pb"} {
			t.Run(w.fixture+"."+enc, func(t *testing.T) {
				h := newHarness(t)
				ct := ctJSON
				if enc == "pb" {
					ct = ctProto
				}
				r := h.otlpPost(w.path, ct, "", otlpFixture(t, w.fixture+"."+enc))
				if enc == "pb" {
					wantProtoOK(t, r)
				} else {
					wantEmptyJSON(t, r)
				}
				d := h.session(w.session)
				types := map[string]int{}
				var got struct {
					in, out, cr, cw     int64
					cost                float64
					times, auto, client int
				}
				for _, e := range d.Events {
					types[e.EventType]++
					if e.Source != "otel" || e.AgentType != w.agent || e.SessionID != w.session {
						t.Errorf("row %+v", e)
					}
					if w.synthetic != (e.Metadata == `{"_synthetic":true,"_source":"otel_metric"}`) {
						t.Errorf("row %d metadata %s", e.ID, e.Metadata)
					}
					got.in += e.TokensIn
					got.out += e.TokensOut
					got.cr += e.CacheReadTokens
					got.cw += e.CacheWriteTokens
					if e.CostUSD != nil {
						got.cost += *e.CostUSD
					}
					if e.ClientTimestamp != nil {
						got.times++
					}
					switch str(e.CostSource) {
					case "auto":
						got.auto++
					case "client":
						got.client++
					}
				}
				if fmt.Sprint(types) != fmt.Sprint(w.types) {
					t.Errorf("event types %v, want %v", types, w.types)
				}
				if got.in != w.tokensIn || got.out != w.tokensOut || got.cr != w.cacheRead || got.cw != w.cacheWrite || math.Abs(got.cost-w.cost) > 1e-9 {
					t.Errorf("row totals %d/%d/%d/%d $%.10f, want %d/%d/%d/%d $%.10f", got.in, got.out, got.cr, got.cw, got.cost,
						w.tokensIn, w.tokensOut, w.cacheRead, w.cacheWrite, w.cost)
				}
				if got.times != w.clientTimes || got.auto != w.autoCostRows || got.client != w.clientCostRow {
					t.Errorf("%d rows with a client time, %d auto-priced, %d client-priced; want %d, %d, %d",
						got.times, got.auto, got.client, w.clientTimes, w.autoCostRows, w.clientCostRow)
				}
				s := d.Session
				if s.AgentType != w.agent || s.EventCount != int64(len(d.Events)) || s.TokensIn != w.tokensIn || s.TokensOut != w.tokensOut ||
					math.Abs(s.TotalCostUSD-w.cost) > 1e-9 {
					t.Errorf("session %+v", s)
				}
				st := h.stats("")
				if st.TotalSessions != 1 || st.TotalTokensIn != w.tokensIn || st.TotalTokensOut != w.tokensOut || math.Abs(st.TotalCostUSD-w.cost) > 1e-9 {
					t.Errorf("stats %+v", st)
				}
			})
		}
	}
}

// CONTRACT 18.1 with the README's mixed export: one Claude Code session's logs and metrics, in
// both arrival orders and both encodings, total exactly the api_request usage.
func TestOTLPNoDoubleCounting(t *testing.T) {
	const session = "3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913"
	for _, order := range []string{"logs first", "metrics first"} {
		for _, enc := range []string{"json", "pb"} {
			t.Run(order+"/"+enc, func(t *testing.T) {
				h := newHarness(t)
				ct := ctJSON
				if enc == "pb" {
					ct = ctProto
				}
				logs := func() { h.otlpPost("/v1/logs", ct, "", otlpFixture(t, "claude-session-logs."+enc)) }
				metrics := func() { h.otlpPost("/v1/metrics", ct, "", otlpFixture(t, "claude-session-metrics."+enc)) }
				if order == "logs first" {
					logs()
					metrics()
				} else {
					metrics()
					logs()
				}
				wantClaudeTotals(t, h, session)
			})
		}
	}
	// Split over several requests, as a live exporter sends them, interleaved.
	t.Run("interleaved", func(t *testing.T) {
		h := newHarness(t)
		var logs, metrics map[string]any
		if err := json.Unmarshal(otlpFixture(t, "claude-session-logs.json"), &logs); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(otlpFixture(t, "claude-session-metrics.json"), &metrics); err != nil {
			t.Fatal(err)
		}
		rl := logs["resourceLogs"].([]any)[0].(map[string]any)
		records := rl["scopeLogs"].([]any)[0].(map[string]any)["logRecords"].([]any)
		post := func(from, to int) {
			part := map[string]any{"resourceLogs": []any{map[string]any{"resource": rl["resource"],
				"scopeLogs": []any{map[string]any{"logRecords": records[from:to]}}}}}
			h.otlpJSON("/api/otel/v1/logs", part)
		}
		post(0, 2) // prompt and api_error: no usage yet
		h.otlpJSON("/api/otel/v1/metrics", metrics)
		post(2, 7)
		post(7, len(records))
		wantClaudeTotals(t, h, session)
	})
}

// wantClaudeTotals checks the README's totals of the Claude session through the aggregates:
// session, stats, cost by model, timeline and usage monitor.
func wantClaudeTotals(t *testing.T, h *harness, session string) {
	t.Helper()
	const in, out, cost = 27, 1832, 0.07510695
	d := h.session(session)
	if d.Session.TokensIn != in || d.Session.TokensOut != out || math.Abs(d.Session.TotalCostUSD-cost) > 1e-9 {
		t.Errorf("session totals %d/%d $%.10f, want %d/%d $%.8f", d.Session.TokensIn, d.Session.TokensOut, d.Session.TotalCostUSD, in, out, cost)
	}
	if d.Session.EventCount != 20 || len(d.Events) != 20 {
		t.Errorf("%d events (event_count %d), want 20: 11 from logs and 9 from metrics, all stored", len(d.Events), d.Session.EventCount)
	}
	st := h.stats("")
	if st.TotalTokensIn != in || st.TotalTokensOut != out || math.Abs(st.TotalCostUSD-cost) > 1e-9 {
		t.Errorf("stats totals %d/%d $%.10f", st.TotalTokensIn, st.TotalTokensOut, st.TotalCostUSD)
	}
	var byCost struct {
		Timeline []struct {
			CostUSD   float64 `json:"cost_usd"`
			TokensIn  int64   `json:"tokens_in"`
			TokensOut int64   `json:"tokens_out"`
		} `json:"timeline"`
		ByModel []struct {
			Model     string  `json:"model"`
			CostUSD   float64 `json:"cost_usd"`
			TokensIn  int64   `json:"tokens_in"`
			TokensOut int64   `json:"tokens_out"`
		} `json:"by_model"`
	}
	h.getJSON("/api/stats/cost", &byCost)
	var tl struct {
		in, out int64
		cost    float64
	}
	for _, b := range byCost.Timeline {
		tl.in, tl.out, tl.cost = tl.in+b.TokensIn, tl.out+b.TokensOut, tl.cost+b.CostUSD
	}
	if tl.in != in || tl.out != out || math.Abs(tl.cost-cost) > 1e-9 {
		t.Errorf("cost timeline totals %+v", tl)
	}
	if len(byCost.ByModel) != 1 || byCost.ByModel[0].Model != sonnet || math.Abs(byCost.ByModel[0].CostUSD-cost) > 1e-9 ||
		byCost.ByModel[0].TokensIn != in || byCost.ByModel[0].TokensOut != out {
		t.Errorf("cost by model %+v", byCost.ByModel)
	}
	var usage []contract.Usage
	h.getJSON("/api/stats/usage-monitor", &usage)
	for _, u := range usage {
		if u.AgentType == "claude_code" && u.Session.Used != in+out {
			t.Errorf("usage monitor %+v, want %d tokens used", u, in+out)
		}
	}
}

// Content-Encoding gzip on both encodings; corrupt gzip, unknown encodings and oversize bodies are
// JSON errors and store nothing.
func TestOTLPEncodingAndLimits(t *testing.T) {
	h := newHarness(t)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	wantProtoOK(t, h.otlpPost("/v1/logs", ctProto, "gzip", gz(otlpFixture(t, "codex-session-logs.pb"))))
	wantEmptyJSON(t, h.otlpPost("/api/otel/v1/logs", ctJSON, "gzip", gz(otlpFixture(t, "claude-session-logs.json"))))
	if n := h.stats("").TotalEvents; n != 19 {
		t.Fatalf("%d events after two gzip exports, want 8 + 11", n)
	}

	big := append(append([]byte(`{"resourceLogs":[],"pad":"`), bytes.Repeat([]byte("x"), 5<<20)...), `"}`...)
	for _, tc := range []struct {
		name, ct, enc string
		body          []byte
		status        int
	}{
		{"corrupt gzip", ctProto, "gzip", []byte("not gzip at all"), http.StatusBadRequest},
		{"truncated gzip", ctJSON, "gzip", gz(otlpFixture(t, "claude-session-logs.json"))[:200], http.StatusBadRequest},
		{"brotli", ctJSON, "br", []byte(`{}`), http.StatusUnsupportedMediaType},
		{"deflate", ctProto, "deflate", []byte{0x0a, 0x00}, http.StatusUnsupportedMediaType},
		{"over 5 MiB", ctJSON, "", big, http.StatusRequestEntityTooLarge},
		{"over 5 MiB protobuf", ctProto, "", bytes.Repeat([]byte{0x0a, 0x00}, 3<<20), http.StatusRequestEntityTooLarge},
		{"over 5 MiB once inflated", ctJSON, "gzip", gz(big), http.StatusRequestEntityTooLarge},
		{"bad protobuf in gzip", ctProto, "gzip", gz([]byte{0xff, 0xff}), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSONError(t, h.with(t).otlpPost("/v1/logs", tc.ct, tc.enc, tc.body), tc.status)
		})
	}
	if n := h.stats("").TotalEvents; n != 19 {
		t.Fatalf("%d events after the rejected requests, want still 19", n)
	}
	// Exactly 5 MiB is allowed.
	exact := append(append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 5<<20-len(`{"pad":"`)-2)...), `"}`...)
	wantEmptyJSON(t, h.otlpPost("/v1/logs", ctJSON, "gzip", gz(exact)))
}

// OTLP events are broadcast on the stream like any other (CONTRACT 11.1 step 3).
func TestOTLPBroadcast(t *testing.T) {
	h := newHarness(t)
	c := h.openStream("")
	h.otlpPost("/v1/logs", ctProto, "", otlpFixture(t, "codex-session-logs.pb"))
	var got []contract.Event
	c.until(func(m sseMessage) bool {
		if m.Type == "event" {
			got = append(got, eventPayload(t, m))
		}
		return len(got) == 8
	})
	for _, e := range got {
		if e.Source != "otel" || e.SessionID != "019d4f3a-62c1-7e58-9b07-c3e5a1d2f846" {
			t.Errorf("broadcast row %+v", e)
		}
	}
}

// Correlation keys (CONTRACT 18.1): an OTLP tool_result and a hook report of the same call count
// once, whichever arrives first; a tool_decision with that id is not the call.
func TestOTLPCorrelation(t *testing.T) {
	h := newHarness(t)
	h.ingest(ev("3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913", "claude_code", "tool_use", "source", "hook", "tool_name", "Edit",
		"metadata", map[string]any{"tool_use_id": "toolu_01HXk3vR8bN2qT5wYc7mJd4P"}), http.StatusCreated)
	h.ingest(ev("3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913", "claude_code", "user_prompt", "source", "hook",
		"metadata", map[string]any{"prompt_id": "d4e07b19-6a3c-4f82-b5d1-90c8e2a7f645", "message": "/compact"}), http.StatusCreated)
	wantEmptyJSON(t, h.otlpPost("/v1/logs", ctJSON, "", otlpFixture(t, "claude-session-logs.json")))
	types := map[string]int{}
	for _, e := range h.session("3c9a7e52-18d4-4b6f-a0e1-7d25c4f8b913").Events {
		types[e.EventType+"/"+e.Source]++
	}
	want := map[string]int{"tool_use/hook": 1, "tool_use/otel": 1, "user_prompt/hook": 1, "user_prompt/otel": 1,
		"llm_request/otel": 3, "error/otel": 1, "response/otel": 3}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("rows by type/source %v, want %v", types, want)
	}
}
