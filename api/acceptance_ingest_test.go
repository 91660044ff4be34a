package api_test

// Acceptance: ingest, validation, dedup, correlation keys, timestamps, metadata and pricing
// (CONTRACT 3–6, 8.2, 8.3, 10, 18.1–18.3; section 16 items 2–14, 40–56, 81–87).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
)

// Item 2 and section 3: one event is stored and listed with every field of the event row.
func TestIngestSingle(t *testing.T) {
	h := newHarness(t)
	before := time.Now().UTC().Truncate(time.Second)
	res := h.ingest(map[string]any{
		"event_id": "e-1", "session_id": "s1", "agent_type": "claude_code", "event_type": "tool_use",
		"tool_name": "Bash", "status": "success", "tokens_in": 100, "tokens_out": 50, "cost_usd": 0.01,
		"branch": "main", "project": "myapp", "duration_ms": 840, "model": "m-x",
		"client_timestamp": "2026-02-18T18:06:41.231Z", "metadata": map[string]any{"command": "pnpm test"},
		"cache_read_tokens": 7, "cache_write_tokens": 3, "source": "hook",
	}, http.StatusCreated)
	after := time.Now().UTC()
	if res.Received != 1 || len(res.IDs) != 1 || res.Duplicates != 0 || res.Rejected != nil {
		t.Fatalf("reply %+v, want received 1, one id, duplicates 0, no rejected", res)
	}
	r := h.get("/api/events")
	var list struct {
		Events []map[string]json.RawMessage `json:"events"`
		Total  int                          `json:"total"`
	}
	r.decode(t, &list)
	if list.Total != 1 || len(list.Events) != 1 {
		t.Fatalf("GET /api/events: total %d, %d rows, want 1 and 1", list.Total, len(list.Events))
	}
	row := list.Events[0]
	want := map[string]string{
		"id":                 fmt.Sprint(res.IDs[0]),
		"event_id":           `"e-1"`,
		"schema_version":     `1`,
		"session_id":         `"s1"`,
		"agent_type":         `"claude_code"`,
		"event_type":         `"tool_use"`,
		"tool_name":          `"Bash"`,
		"status":             `"success"`,
		"tokens_in":          `100`,
		"tokens_out":         `50`,
		"branch":             `"main"`,
		"project":            `"myapp"`,
		"duration_ms":        `840`,
		"client_timestamp":   `"2026-02-18T18:06:41.231Z"`,
		"metadata":           `"{\"command\":\"pnpm test\"}"`,
		"payload_truncated":  `0`,
		"model":              `"m-x"`,
		"cost_usd":           `0.01`,
		"cache_read_tokens":  `7`,
		"cache_write_tokens": `3`,
		"source":             `"hook"`,
	}
	for k, v := range want {
		if got := string(row[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	var created string
	if err := json.Unmarshal(row["created_at"], &created); err != nil {
		t.Fatalf("created_at %s: %v", row["created_at"], err)
	}
	at, err := time.Parse("2006-01-02 15:04:05", created)
	if err != nil {
		t.Fatalf("created_at %q is not server time: %v", created, err)
	}
	if at.Before(before) || at.After(after) {
		t.Errorf("created_at %s, want the receive time (between %s and %s)", created, before, after)
	}
	if res.IDs[0] != 1 {
		t.Errorf("first id = %d, want 1", res.IDs[0])
	}
}

// Absent optional values are null in the row; ids increase from 1.
func TestIngestDefaults(t *testing.T) {
	h := newHarness(t)
	id := h.store1(ev("s1", "codex", "response"))
	var list struct {
		Events []map[string]json.RawMessage `json:"events"`
	}
	h.get("/api/events").decode(t, &list)
	row := list.Events[0]
	for k, v := range map[string]string{
		"event_id": "null", "tool_name": "null", "branch": "null", "project": "null", "duration_ms": "null",
		"client_timestamp": "null", "model": "null", "cost_usd": "null", "metadata": `"{}"`, "status": `"success"`,
		"tokens_in": "0", "tokens_out": "0", "cache_read_tokens": "0", "cache_write_tokens": "0",
		"source": `"api"`, "payload_truncated": "0", "schema_version": "1",
	} {
		if got := string(row[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if id2 := h.store1(ev("s1", "codex", "response")); id2 != id+1 {
		t.Errorf("second id %d, want %d", id2, id+1)
	}
}

// Items 5–8, 40–43, 50, 51 and 4.2: invalid bodies get 400 with the exact details, in order.
func TestIngestValidation(t *testing.T) {
	const enum = "must be one of: tool_use, session_start, session_end, error, llm_request, llm_response, response, file_change, git_commit, plan_step, user_prompt"
	base := `"session_id":"S","agent_type":"claude_code","event_type":"tool_use"`
	tests := []struct {
		name string
		body string
		want []fieldError
	}{
		{"only session_id (item 5)", `{"session_id":"S"}`, []fieldError{
			{"agent_type", "must be a string"}, {"event_type", "must be a string"}, {"event_type", enum}}},
		{"no agent_type (item 6)", `{"session_id":"S","event_type":"tool_use"}`, []fieldError{
			{"agent_type", "must be a string"}}},
		{"no event_type (item 7)", `{"session_id":"S","agent_type":"codex"}`, []fieldError{
			{"event_type", "must be a string"}, {"event_type", enum}}},
		{"JSON string (item 8)", `"just a string"`, []fieldError{{"body", "must be a JSON object"}}},
		{"doubly quoted string (item 42)", `""just a string""`, []fieldError{{"body", "must be a JSON object"}}},
		{"array (item 43)", `[{"session_id":"S"}]`, []fieldError{{"body", "must be a JSON object"}}},
		{"not JSON", `session_id=S`, []fieldError{{"body", "must be a JSON object"}}},
		{"empty", ``, []fieldError{{"body", "must be a JSON object"}}},
		{"null", `null`, []fieldError{{"body", "must be a JSON object"}}},
		{"number", `42`, []fieldError{{"body", "must be a JSON object"}}},
		{"unknown event type (item 40)", `{"session_id":"S","agent_type":"a","event_type":"unknown_type"}`,
			[]fieldError{{"event_type", enum}}},
		{"blank required strings", `{"session_id":"  ","agent_type":"","event_type":" "}`, []fieldError{
			{"session_id", "must be a non-empty string"}, {"agent_type", "must be a non-empty string"},
			{"event_type", "must be a non-empty string"}, {"event_type", enum}}},
		{"required of wrong type", `{"session_id":1,"agent_type":true,"event_type":["tool_use"]}`, []fieldError{
			{"session_id", "must be a string"}, {"agent_type", "must be a string"},
			{"event_type", "must be a string"}, {"event_type", enum}}},
		{"client_timestamp not a date (item 50)", `{` + base + `,"client_timestamp":"not-a-date"}`,
			[]fieldError{{"client_timestamp", "must be a valid timestamp"}}},
		{"client_timestamp number (item 50)", `{` + base + `,"client_timestamp":12345}`,
			[]fieldError{{"client_timestamp", "must be an ISO timestamp string when provided"}}},
		{"status, tokens (item 51)", `{` + base + `,"status":"ok","tokens_in":-1,"tokens_out":"5"}`, []fieldError{
			{"status", "must be one of: success, error, timeout"},
			{"tokens_in", "must be a non-negative integer when provided"},
			{"tokens_out", "must be a non-negative integer when provided"}}},
		{"negative cost (item 51)", `{` + base + `,"cost_usd":-1}`,
			[]fieldError{{"cost_usd", "must be a non-negative number when provided"}}},
		{"tool_name number (item 51)", `{` + base + `,"tool_name":123}`,
			[]fieldError{{"tool_name", "must be a string when provided"}}},
		{"padded status is not trimmed", `{` + base + `,"status":" success"}`,
			[]fieldError{{"status", "must be one of: success, error, timeout"}}},
		{"status not a string", `{` + base + `,"status":1}`,
			[]fieldError{{"status", "must be a string when provided"}}},
		{"fractional integer", `{` + base + `,"duration_ms":5.5}`,
			[]fieldError{{"duration_ms", "must be a non-negative integer when provided"}}},
		{"all optional fields wrong, in contract order", `{"session_id":"S","agent_type":"a","event_type":"tool_use",` +
			`"source":1,"client_timestamp":"x","cost_usd":"1","cache_write_tokens":-2,"cache_read_tokens":1.5,` +
			`"tokens_out":"1","tokens_in":-1,"duration_ms":{},"model":1,"project":[],"branch":false,"tool_name":2,` +
			`"event_id":3,"status":"bad"}`, []fieldError{
			{"status", "must be one of: success, error, timeout"},
			{"event_id", "must be a string when provided"},
			{"tool_name", "must be a string when provided"},
			{"branch", "must be a string when provided"},
			{"project", "must be a string when provided"},
			{"model", "must be a string when provided"},
			{"duration_ms", "must be a non-negative integer when provided"},
			{"tokens_in", "must be a non-negative integer when provided"},
			{"tokens_out", "must be a non-negative integer when provided"},
			{"cache_read_tokens", "must be a non-negative integer when provided"},
			{"cache_write_tokens", "must be a non-negative integer when provided"},
			{"cost_usd", "must be a non-negative number when provided"},
			{"client_timestamp", "must be a valid timestamp"},
			{"source", "must be a string when provided"}}},
	}
	h := newHarness(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			res := h.ingest(tc.body, http.StatusBadRequest)
			if res.Error != "Invalid event payload" {
				t.Errorf("error = %q, want Invalid event payload", res.Error)
			}
			if !reflect.DeepEqual(res.Details, tc.want) {
				t.Errorf("details\n got %+v\nwant %+v", res.Details, tc.want)
			}
		})
	}
	if got := h.events("").Total; got != 0 {
		t.Errorf("invalid events stored: total %d", got)
	}
}

// Integers may be written as 5.0 or 1e3; unknown fields are ignored.
func TestIngestLenientNumbers(t *testing.T) {
	h := newHarness(t)
	id := h.store1(`{"session_id":"n","agent_type":"a","event_type":"tool_use","tokens_in":5.0,"tokens_out":1e3,"extra":{"x":1}}`)
	e := h.event(id)
	if e.TokensIn != 5 || e.TokensOut != 1000 {
		t.Errorf("tokens %d/%d, want 5/1000", e.TokensIn, e.TokensOut)
	}
}

// Item 41 and 2.4: a doubly encoded object is accepted.
func TestIngestDoubleEncoded(t *testing.T) {
	h := newHarness(t)
	inner := `{"session_id":"dbl","agent_type":"codex","event_type":"response"}`
	outer, _ := json.Marshal(inner)
	h.store1(string(outer))
	l := h.events("")
	if l.Total != 1 || l.Events[0].SessionID != "dbl" {
		t.Fatalf("after a double-encoded ingest: %+v, want the one event of session dbl", l)
	}
}

// Items 9, 10, 44, 67 and 5 step 2: an event_id is stored once; null event_ids never dedup.
func TestIngestDedup(t *testing.T) {
	h := newHarness(t)
	e := ev("S", "claude_code", "tool_use", "event_id", "E", "tokens_in", 10)
	h.store1(e)
	res := h.ingest(e, http.StatusOK)
	if res.Received != 0 || res.Duplicates != 1 || len(res.IDs) != 0 || res.IDs == nil {
		t.Errorf("duplicate reply %+v, want {received:0, ids:[], duplicates:1}", res)
	}
	r := h.post("/api/events", e)
	if string(r.body) != `{"received":0,"ids":[],"duplicates":1}` {
		t.Errorf("duplicate body %s, want exactly {\"received\":0,\"ids\":[],\"duplicates\":1}", r.body)
	}
	// The key is trimmed before the lookup.
	h.ingest(ev("S", "claude_code", "tool_use", "event_id", "  E "), http.StatusOK)
	if got := h.events("").Total; got != 1 {
		t.Errorf("total %d after duplicates, want 1 (item 44)", got)
	}
	st := h.stats("")
	if st.TotalEvents != 1 || st.TotalSessions != 1 || st.TotalTokensIn != 10 {
		t.Errorf("stats %+v, want 1 event, 1 session, 10 tokens in (item 67)", st)
	}

	// Item 10: event_id null (or blank) is no key.
	for _, id := range []any{nil, "", "   "} {
		e := ev("S2", "claude_code", "tool_use", "event_id", id)
		h.store1(e)
		h.store1(e)
	}
	if got := h.events("session_id=S2").Total; got != 6 {
		t.Errorf("events without event_id: total %d, want 6", got)
	}
}

// Items 11–14, 46, 47 and 8.3.
func TestIngestBatch(t *testing.T) {
	h := newHarness(t)

	// Item 11.
	res := h.batch(ev("b1", "claude_code", "tool_use"), ev("b1", "claude_code", "response"))
	if res.Received != 2 || len(res.IDs) != 2 || res.Duplicates != 0 || res.Rejected == nil || len(res.Rejected) != 0 {
		t.Errorf("two valid events: %+v, want received 2, 2 ids, duplicates 0, rejected []", res)
	}
	if res.IDs[1] != res.IDs[0]+1 {
		t.Errorf("ids %v, want consecutive in item order", res.IDs)
	}

	// Item 12 and shapes that are not { events: [...] }.
	for _, body := range []string{`{"not_events":[]}`, `{"events":{}}`, `{"events":"[]"}`, `[]`, `"x"`, ``, `{"events":null}`} {
		r := h.post("/api/events/batch", body)
		if r.status != http.StatusBadRequest || string(r.body) != `{"error":"Expected { events: [...] }"}` {
			t.Errorf("batch %s: %d %s, want 400 {\"error\":\"Expected { events: [...] }\"}", body, r.status, r.body)
		}
	}

	// An empty array is still 201.
	r := h.post("/api/events/batch", `{"events":[]}`)
	if r.status != http.StatusCreated || string(r.body) != `{"received":0,"ids":[],"duplicates":0,"rejected":[]}` {
		t.Errorf("empty batch: %d %s", r.status, r.body)
	}

	// Item 13.
	res = h.batch(ev("b2", "codex", "tool_use"), map[string]any{"session_id": "b2"})
	if res.Received != 1 || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || len(res.Rejected[0].Errors) == 0 {
		t.Errorf("one invalid item: %+v, want received 1, rejected [{index 1, errors}]", res)
	}

	// Item 14.
	h.store1(ev("b3", "codex", "tool_use", "event_id", "E14"))
	res = h.batch(ev("b3", "codex", "tool_use", "event_id", "E14"), ev("b3", "codex", "response"))
	if res.Received != 1 || res.Duplicates != 1 {
		t.Errorf("stored E again plus a new event: %+v, want received 1, duplicates 1", res)
	}

	// Items 46 and 47: a duplicate inside the batch, errors as "<field>: <message>".
	res = h.batch(
		ev("b4", "codex", "tool_use", "event_id", "E46"),
		ev("b4", "codex", "tool_use", "event_id", "E46"),
		ev("b4", "codex", "tool_use", "status", "bad"),
		ev("", "codex", "tool_use"),
		map[string]any{"session_id": "b4", "agent_type": "codex", "event_type": "tool_use", "tokens_in": -1, "cost_usd": "x"},
		"not an object",
	)
	want := []rejectedEntry{
		{2, []string{"status: must be one of: success, error, timeout"}},
		{3, []string{"session_id: must be a non-empty string"}},
		{4, []string{"tokens_in: must be a non-negative integer when provided", "cost_usd: must be a non-negative number when provided"}},
		{5, []string{"body: must be a JSON object"}},
	}
	if res.Received != 1 || res.Duplicates != 1 || len(res.IDs) != 1 || !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("mixed batch: %+v\nwant received 1, duplicates 1, rejected %+v", res, want)
	}

	// A doubly encoded batch is read like a single event.
	inner := `{"events":[{"session_id":"b5","agent_type":"codex","event_type":"response"}]}`
	outer, _ := json.Marshal(inner)
	r = h.post("/api/events/batch", outer)
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), `"received":1`) {
		t.Errorf("double-encoded batch: %d %s", r.status, r.body)
	}
}

// Item 56: every event type of the enum is accepted.
func TestIngestEveryEventType(t *testing.T) {
	h := newHarness(t)
	for _, typ := range []string{"tool_use", "session_start", "session_end", "error", "llm_request",
		"llm_response", "response", "file_change", "git_commit", "plan_step", "user_prompt"} {
		t.Run(typ, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(ev("types", "codex", typ))
			if got := h.event(id).EventType; got != typ {
				t.Errorf("stored event_type %q", got)
			}
		})
	}
}

// Items 48, 49 and 4.1: client timestamps are normalized to UTC client time.
func TestIngestClientTimestamp(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-01-02T03:04:05.000Z", "2020-01-02T03:04:05.000Z"},
		{"2026-02-18T10:00:00-05:00", "2026-02-18T15:00:00.000Z"},
		{"2026-02-18T10:00:00+0130", "2026-02-18T08:30:00.000Z"},
		{"2026-02-18", "2026-02-18T00:00:00.000Z"},
		{"2026-02-18T10:00:00", "2026-02-18T10:00:00.000Z"}, // no zone: UTC
		{"2026-02-18 10:00:00.123456Z", "2026-02-18T10:00:00.123Z"},
		{"2026-02-18T10:00Z", "2026-02-18T10:00:00.000Z"},
	}
	h := newHarness(t)
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(ev("ts", "claude_code", "response", "client_timestamp", tc.in))
			e := h.event(id)
			if str(e.ClientTimestamp) != tc.want {
				t.Errorf("client_timestamp %s, want %s", str(e.ClientTimestamp), tc.want)
			}
			if e.PayloadTruncated != 0 {
				t.Errorf("payload_truncated %d, want 0", e.PayloadTruncated)
			}
			// Item 48: created_at is the receive time, in server format, not the client's time.
			at, err := time.Parse("2006-01-02 15:04:05", e.CreatedAt)
			if err != nil {
				t.Fatalf("created_at %q: %v", e.CreatedAt, err)
			}
			if time.Since(at) > time.Minute || time.Since(at) < -time.Second {
				t.Errorf("created_at %s is not the receive time", e.CreatedAt)
			}
		})
	}
}

// Items 52–54 and 4.1 normalization.
func TestIngestNormalization(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name  string
		event map[string]any
		check func(t *testing.T, e eventView)
	}{
		{"error without status is error (item 52)", ev("n", "a", "error"), func(t *testing.T, e eventView) {
			e.want(t, "status", "error")
		}},
		{"error with timeout stays timeout (item 52)", ev("n", "a", "error", "status", "timeout"), func(t *testing.T, e eventView) {
			e.want(t, "status", "timeout")
		}},
		{"status null defaults", ev("n", "a", "tool_use", "status", nil), func(t *testing.T, e eventView) {
			e.want(t, "status", "success")
		}},
		{"trimmed strings (item 53)", map[string]any{"session_id": "  trim-s ", "agent_type": "\tcodex ",
			"event_type": " tool_use\n", "tool_name": "  Bash ", "model": " m ", "project": " p ", "branch": " b ",
			"event_id": " id1 ", "source": " hook "}, func(t *testing.T, e eventView) {
			e.want(t, "session_id", "trim-s")
			e.want(t, "agent_type", "codex")
			e.want(t, "event_type", "tool_use")
			e.want(t, "tool_name", "Bash")
			e.want(t, "model", "m")
			e.want(t, "project", "p")
			e.want(t, "branch", "b")
			e.want(t, "event_id", "id1")
			e.want(t, "source", "hook")
		}},
		{"blank optional strings are null (item 53)", ev("n2", "a", "tool_use", "tool_name", "   ", "model", "",
			"project", " ", "branch", "\t", "source", " "), func(t *testing.T, e eventView) {
			e.want(t, "tool_name", nil)
			e.want(t, "model", nil)
			e.want(t, "project", nil)
			e.want(t, "branch", nil)
			e.want(t, "source", "api")
		}},
		{"source hook (item 54)", ev("n", "a", "tool_use", "source", "hook"), func(t *testing.T, e eventView) {
			e.want(t, "source", "hook")
		}},
		{"source any string", ev("n", "a", "tool_use", "source", "my-tool"), func(t *testing.T, e eventView) {
			e.want(t, "source", "my-tool")
		}},
		{"no source is api (item 54)", ev("n", "a", "tool_use"), func(t *testing.T, e eventView) {
			e.want(t, "source", "api")
		}},
		{"duration_ms 0 is null", ev("n", "a", "tool_use", "duration_ms", 0), func(t *testing.T, e eventView) {
			e.want(t, "duration_ms", nil)
		}},
		{"nulls are defaults", ev("n", "a", "tool_use", "tokens_in", nil, "cost_usd", nil, "metadata", nil,
			"client_timestamp", nil), func(t *testing.T, e eventView) {
			e.want(t, "tokens_in", 0.0)
			e.want(t, "cost_usd", nil)
			e.want(t, "metadata", "{}")
			e.want(t, "client_timestamp", nil)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(tc.event)
			tc.check(t, h.rawEvent(id))
		})
	}
}

// eventView is a stored row decoded generically, to check nulls and JSON types.
type eventView map[string]any

func (e eventView) want(t *testing.T, key string, v any) {
	t.Helper()
	got, ok := e[key]
	if !ok {
		t.Errorf("row has no %s", key)
		return
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("%s = %#v, want %#v", key, got, v)
	}
}

func (h *harness) rawEvent(id int64) eventView {
	h.t.Helper()
	var list struct {
		Events []eventView `json:"events"`
	}
	h.getJSON("/api/events?limit=-1", &list)
	for _, e := range list.Events {
		if e["id"] == float64(id) {
			return e
		}
	}
	h.t.Fatalf("event %d not listed", id)
	return nil
}

// Section 6: metadata is stored as compact JSON text in key order, without HTML escaping.
func TestIngestMetadata(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ name, metadata, want string }{
		{"absent", ``, `{}`},
		{"null", `null`, `{}`},
		{"object key order kept", `{ "b" : 1, "a" : [ 1 , { "y" : null } ] }`, `{"b":1,"a":[1,{"y":null}]}`},
		{"no HTML escaping, UTF-8 kept", `{"cmd":"a < b && c > d","é":"ü😀"}`, `{"cmd":"a < b && c > d","é":"ü😀"}`},
		{"string", `"hello"`, `"hello"`},
		{"array", `[1, "two", true]`, `[1,"two",true]`},
		{"number", `42`, `42`},
		{"boolean", `false`, `false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			body := `{"session_id":"meta","agent_type":"a","event_type":"tool_use"`
			if tc.metadata != "" {
				body += `,"metadata":` + tc.metadata
			}
			id := h.store1(body + `}`)
			e := h.event(id)
			if e.Metadata != tc.want || e.PayloadTruncated != 0 {
				t.Errorf("metadata %s (truncated %d), want %s (0)", e.Metadata, e.PayloadTruncated, tc.want)
			}
		})
	}
}

// Item 55 and section 6 with M = 1024.
func TestIngestMetadataTruncation(t *testing.T) {
	h := newHarness(t, withConfig(func(c *api.Config) { c.MaxPayloadBytes = 1024 }))
	emoji := strings.Repeat("😀", 1200)
	long := strings.Repeat("x", 1100)
	fits := `{"k":"` + strings.Repeat("y", 1024-len(`{"k":""}`)) + `"}` // exactly 1024 bytes
	over := `{"k":"` + strings.Repeat("y", 1025-len(`{"k":""}`)) + `"}` // 1025 bytes
	tests := []struct {
		name, metadata, want string
		truncated            int
	}{
		{"contract example (item 55)", `{"command":"pnpm test","blob":"` + emoji + `"}`,
			`{"_truncated":true,"_original_bytes":4833,"command":"pnpm test"}`, 1},
		{"exactly M bytes", fits, fits, 0},
		{"M+1 bytes", over, `{"_truncated":true,"_original_bytes":1025}`, 1},
		{"summary keys in contract order", `{"type":"t","blob":"` + emoji + `","message":{"a":[1]},"command":"c","zzz":1,"file_path":"/f"}`,
			fmt.Sprintf(`{"_truncated":true,"_original_bytes":%d,"command":"c","file_path":"/f","message":{"a":[1]},"type":"t"}`,
				len(`{"type":"t","blob":"`+emoji+`","message":{"a":[1]},"command":"c","zzz":1,"file_path":"/f"}`)), 1},
		{"summary too big: bare summary", `{"command":"` + long + `"}`,
			fmt.Sprintf(`{"_truncated":true,"_original_bytes":%d}`, len(long)+len(`{"command":""}`)), 1},
		{"array", `["` + long + `"]`, fmt.Sprintf(`{"_truncated":true,"_original_bytes":%d}`, len(long)+4), 1},
		{"string", `"` + long + `"`, fmt.Sprintf(`{"_truncated":true,"_original_bytes":%d}`, len(long)+2), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(`{"session_id":"trunc","agent_type":"a","event_type":"tool_use","metadata":` + tc.metadata + `}`)
			e := h.event(id)
			if e.Metadata != tc.want {
				t.Errorf("metadata\n got %s\nwant %s", clip([]byte(e.Metadata)), tc.want)
			}
			if e.PayloadTruncated != tc.truncated {
				t.Errorf("payload_truncated %d, want %d", e.PayloadTruncated, tc.truncated)
			}
			if len(e.Metadata) > 1024 || !json.Valid([]byte(e.Metadata)) {
				t.Errorf("stored metadata is %d bytes / valid %v, want valid JSON of at most 1024 bytes",
					len(e.Metadata), json.Valid([]byte(e.Metadata)))
			}
		})
	}
}

// Items 81–87 and 10: auto cost on ingest.
func TestIngestPricing(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		fields []any
		want   *float64
		source string
	}{
		{"sonnet 4.5 (item 81)", []any{"model", "claude-sonnet-4-5-20250929", "tokens_in", 1_000_000, "tokens_out", 100_000}, ptr(4.5), "auto"},
		{"with cache tokens (item 82)", []any{"model", "claude-sonnet-4-5-20250929", "tokens_in", 100_000, "tokens_out", 50_000,
			"cache_read_tokens", 500_000, "cache_write_tokens", 10_000}, ptr(1.2375), "auto"},
		{"explicit cost kept (item 83)", []any{"model", "claude-sonnet-4-5-20250929", "tokens_in", 1_000_000, "cost_usd", 99.99}, ptr(99.99), "client"},
		{"explicit zero kept", []any{"model", "o3", "tokens_in", 1_000_000, "cost_usd", 0}, ptr(0), "client"},
		{"unknown model (item 84)", []any{"model", "totally-unknown-model", "tokens_in", 1000, "tokens_out", 1000}, nil, ""},
		{"known model, no tokens (item 84)", []any{"model", "o3"}, nil, ""},
		{"cache tokens alone", []any{"model", "o3", "cache_read_tokens", 1000, "cache_write_tokens", 1000}, nil, ""},
		{"tokens, no model", []any{"tokens_in", 1000}, nil, ""},
		{"o3 (item 85)", []any{"model", "o3", "tokens_in", 500_000, "tokens_out", 200_000}, ptr(2.6), "auto"},
		{"alias sonnet (item 85)", []any{"model", "sonnet", "tokens_in", 1_000_000}, ptr(3), "auto"},
		{"alias opus (item 85)", []any{"model", "opus", "tokens_in", 1_000_000}, ptr(15), "auto"},
		{"alias claude-sonnet-4-5 (item 85)", []any{"model", "claude-sonnet-4-5", "tokens_in", 1_000_000, "tokens_out", 100_000}, ptr(4.5), "auto"},
		{"openai/o3 (item 85)", []any{"model", "openai/o3", "tokens_in", 250_000, "tokens_out", 125_000}, ptr(1.5), "auto"},
		{"anthropic/ prefix (item 85)", []any{"model", "anthropic/claude-sonnet-4-5-20250929", "tokens_in", 1_000_000, "tokens_out", 100_000}, ptr(4.5), "auto"},
		{"google/gemini-2.5-pro (item 85)", []any{"model", "google/gemini-2.5-pro", "tokens_in", 1_000_000}, ptr(1.25), "auto"},
		{"dated name not in the table", []any{"model", "claude-sonnet-4-5-20250514", "tokens_in", 1000}, nil, ""},
		{"no case folding", []any{"model", "Sonnet", "tokens_in", 1000}, nil, ""},
		{"gpt-5.3-codex", []any{"model", "gpt-5.3-codex", "tokens_in", 1_000_000, "tokens_out", 1_000_000}, ptr(15.75), "auto"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			id := h.store1(ev("price", "codex", "llm_response", tc.fields...))
			e := h.event(id)
			switch {
			case tc.want == nil && e.CostUSD != nil:
				t.Errorf("cost_usd %v, want null", *e.CostUSD)
			case tc.want != nil && (e.CostUSD == nil || !approx(*e.CostUSD, *tc.want, 1e-9)):
				t.Errorf("cost_usd %v, want %v", fmtCost(e.CostUSD), *tc.want)
			}
			// 18.2: where the cost came from.
			if got := str(e.CostSource); tc.source != "" && got != tc.source || tc.source == "" && e.CostSource != nil {
				t.Errorf("cost_source %s, want %q", got, tc.source)
			}
		})
	}

	// Item 86: totals of priced events.
	h2 := newHarness(t)
	h2.store1(ev("p1", "claude_code", "llm_response", "model", "claude-sonnet-4-5-20250929", "tokens_in", 1_000_000))
	h2.store1(ev("p1", "claude_code", "llm_response", "model", "claude-sonnet-4-5-20250929", "tokens_out", 1_000_000))
	if got := h2.stats("").TotalCostUSD; !approx(got, 18, 1e-9) {
		t.Errorf("total_cost_usd %v, want 18", got)
	}

	// Item 87: a batch of two models is priced item by item.
	res := h2.batch(
		ev("p2", "claude_code", "llm_response", "model", "claude-opus-4-6", "tokens_in", 1000, "tokens_out", 10),
		ev("p2", "codex", "llm_response", "model", "gpt-4.1-mini", "tokens_in", 1000, "tokens_out", 10),
	)
	for _, id := range res.IDs {
		if c := costOf(t, h2.event(id)); c <= 0 {
			t.Errorf("batch event %d: cost %v, want > 0", id, c)
		}
	}
}

func ptr(f float64) *float64 { return &f }

func fmtCost(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// Items 3 and 4: auto and explicit cost reach the transcript.
func TestIngestCostInTranscript(t *testing.T) {
	h := newHarness(t)
	h.store1(ev("tr3", "codex", "llm_response", "model", "o3", "tokens_in", 250000, "tokens_out", 125000))
	h.store1(ev("tr4", "codex", "llm_response", "model", "o3", "tokens_in", 250000, "tokens_out", 125000, "cost_usd", 12.345))
	for _, tc := range []struct {
		session string
		cost    float64
	}{{"tr3", 1.5}, {"tr4", 12.345}} {
		var tr struct {
			Entries []struct {
				Model   string   `json:"model"`
				CostUSD *float64 `json:"cost_usd"`
			} `json:"entries"`
		}
		h.getJSON("/api/sessions/"+tc.session+"/transcript", &tr)
		if len(tr.Entries) != 1 || tr.Entries[0].Model != "o3" || tr.Entries[0].CostUSD == nil ||
			!approx(*tr.Entries[0].CostUSD, tc.cost, 1e-10) {
			t.Errorf("%s transcript %+v, want one o3 entry costing %v", tc.session, tr.Entries, tc.cost)
		}
	}
}

// 18.1 and 18.12: one real tool call, prompt or API call is counted once, whatever its source.
func TestIngestCorrelationKeys(t *testing.T) {
	h := newHarness(t)
	meta := func(k, v string) map[string]any { return map[string]any{k: v, "command": "ls"} }
	steps := []struct {
		name   string
		event  map[string]any
		status int
	}{
		{"first tool call", ev("c1", "claude_code", "tool_use", "source", "hook", "metadata", meta("tool_use_id", "toolu_1")), http.StatusCreated},
		{"same call from another source", ev("c1", "claude_code", "tool_use", "source", "otel", "metadata", meta("tool_use_id", "toolu_1")), http.StatusOK},
		{"same call imported", ev("c1", "claude_code", "tool_use", "source", "import", "metadata", meta("tool_use_id", "toolu_1")), http.StatusOK},
		{"a prompt carrying the tool key", ev("c1", "claude_code", "user_prompt", "metadata", meta("tool_use_id", "toolu_1")), http.StatusCreated},
		{"a response carrying the tool key", ev("c1", "claude_code", "response", "metadata", meta("tool_use_id", "toolu_1")), http.StatusCreated},
		{"the key in another session", ev("c2", "claude_code", "tool_use", "metadata", meta("tool_use_id", "toolu_1")), http.StatusCreated},
		{"another tool call", ev("c1", "claude_code", "tool_use", "metadata", meta("tool_use_id", "toolu_2")), http.StatusCreated},
		{"first prompt", ev("c1", "claude_code", "user_prompt", "source", "hook", "metadata", meta("prompt_id", "p-1")), http.StatusCreated},
		{"same prompt", ev("c1", "claude_code", "user_prompt", "source", "otel", "metadata", meta("prompt_id", "p-1")), http.StatusOK},
		{"a tool call carrying the prompt key", ev("c1", "claude_code", "tool_use", "metadata", meta("prompt_id", "p-1")), http.StatusCreated},
		{"first API call", ev("c1", "claude_code", "llm_request", "tokens_in", 10, "metadata", meta("request_id", "req_1")), http.StatusCreated},
		{"same API call as a response", ev("c1", "claude_code", "llm_response", "tokens_in", 10, "metadata", meta("request_id", "req_1")), http.StatusOK},
		{"a non-string key is no key", ev("c1", "claude_code", "tool_use", "metadata", map[string]any{"tool_use_id": 7}), http.StatusCreated},
		{"a non-string key again", ev("c1", "claude_code", "tool_use", "metadata", map[string]any{"tool_use_id": 7}), http.StatusCreated},
	}
	stored := 0
	for _, s := range steps {
		res := h.ingest(s.event, s.status)
		if s.status == http.StatusOK && res.Duplicates != 1 {
			t.Errorf("%s: %+v, want a duplicate", s.name, res)
		}
		if s.status == http.StatusCreated {
			stored++
		}
	}
	if got := h.events("").Total; got != int64(stored) {
		t.Errorf("total %d, want %d", got, stored)
	}
	if st := h.stats(""); st.TotalTokensIn != 10 {
		t.Errorf("total_tokens_in %d, want 10 (the API call counted once)", st.TotalTokensIn)
	}

	// The same inside one batch; the key survives metadata truncation.
	res := h.batch(
		ev("c3", "codex", "tool_use", "metadata", map[string]any{"tool_use_id": "call_9", "blob": strings.Repeat("z", 20_000)}),
		ev("c3", "codex", "tool_use", "metadata", map[string]any{"tool_use_id": "call_9"}),
	)
	if res.Received != 1 || res.Duplicates != 1 {
		t.Errorf("batch with one call twice: %+v, want received 1, duplicates 1", res)
	}

	// A duplicate by key changes nothing: the ended session stays ended.
	h.store1(ev("c4", "codex", "tool_use", "metadata", meta("tool_use_id", "t4")))
	h.store1(ev("c4", "codex", "session_end"))
	h.ingest(ev("c4", "codex", "tool_use", "metadata", meta("tool_use_id", "t4")), http.StatusOK)
	if s := h.session("c4").Session; s.Status != "ended" || s.EventCount != 2 {
		t.Errorf("session after a keyed duplicate: status %s, %d events; want ended, 2", s.Status, s.EventCount)
	}
}

// 18.3: imported history keeps its own time.
func TestIngestImportKeepsItsTime(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()
	at := now.Add(-72 * time.Hour).Truncate(time.Second).Add(789 * time.Millisecond)
	earlier := at.Add(-time.Hour)
	clientTime := at.Format("2006-01-02T15:04:05.000Z")
	id := h.store1(ev("imp", "claude_code", "llm_response", "source", "import", "client_timestamp", clientTime,
		"tokens_in", 300, "tokens_out", 200))
	e := h.event(id)
	if want := serverTime(at); e.CreatedAt != want {
		t.Errorf("created_at %s, want the client time cut to seconds %s", e.CreatedAt, want)
	}
	if str(e.ClientTimestamp) != clientTime {
		t.Errorf("client_timestamp %s, want %s", str(e.ClientTimestamp), clientTime)
	}
	// An older line of the same history moves started_at back; last_event_at stays the latest.
	h.store1(ev("imp", "claude_code", "user_prompt", "source", "import",
		"client_timestamp", earlier.Format(time.RFC3339Nano)))
	s := h.session("imp").Session
	if s.Status != "ended" || s.EndedAt == nil {
		t.Errorf("imported session: status %s, ended_at %s; want ended with ended_at", s.Status, str(s.EndedAt))
	}
	if s.StartedAt != serverTime(earlier) || s.LastEventAt != serverTime(at) {
		t.Errorf("started_at %s, last_event_at %s; want %s, %s", s.StartedAt, s.LastEventAt, serverTime(earlier), serverTime(at))
	}

	q := func(t time.Time) string { return t.Format(time.RFC3339) }
	if st := h.stats("since=" + q(now.Add(-96*time.Hour))); st.TotalEvents != 2 || st.TotalTokensIn != 300 {
		t.Errorf("stats since 4 days ago: %d events, %d tokens in; want 2, 300", st.TotalEvents, st.TotalTokensIn)
	}
	if st := h.stats("since=" + q(now.Add(-48*time.Hour))); st.TotalEvents != 0 {
		t.Errorf("stats since 2 days ago: %d events, want 0", st.TotalEvents)
	}
	if l := h.events("since=" + q(now.Add(-96*time.Hour)) + "&until=" + q(now.Add(-48*time.Hour))); l.Total != 2 {
		t.Errorf("events between 4 and 2 days ago: %d, want 2", l.Total)
	}
	if l := h.events("since=" + q(now.Add(-time.Hour))); l.Total != 0 {
		t.Errorf("events of the last hour: %d, want 0", l.Total)
	}

	var usage []struct {
		AgentType string `json:"agent_type"`
		Session   struct {
			Used float64 `json:"used"`
		} `json:"session"`
		Weekly *struct {
			Used float64 `json:"used"`
		} `json:"weekly"`
	}
	h.getJSON("/api/stats/usage-monitor", &usage)
	if len(usage) != 1 || usage[0].AgentType != "claude_code" || usage[0].Weekly == nil {
		t.Fatalf("usage monitor %+v, want one claude_code row with a weekly window", usage)
	}
	if usage[0].Session.Used != 0 {
		t.Errorf("5 h window used %v, want 0: the history is 3 days old", usage[0].Session.Used)
	}
	if usage[0].Weekly.Used != 500 {
		t.Errorf("weekly window used %v, want 500", usage[0].Weekly.Used)
	}

	var cost struct {
		Timeline []struct {
			Bucket string `json:"bucket"`
		} `json:"timeline"`
	}
	h.getJSON("/api/stats/cost", &cost)
	if len(cost.Timeline) != 2 || cost.Timeline[1].Bucket != at.Format("2006-01-02T15:00:00Z") {
		t.Errorf("cost timeline %+v, want the hours the history happened in", cost.Timeline)
	}
}
