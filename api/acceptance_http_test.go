package api_test

// Acceptance: health, routing, the Host guard, body limits and the dashboard (CONTRACT 2, 8.1,
// 8.17, 16.1 item 1, 16.7 item 106, 18.6, 18.7).

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Item 1 and 18.6: health has status, uptime, db_size_bytes, sse_clients, events_stored, version.
func TestHealth(t *testing.T) {
	h := newHarness(t)
	r := h.get("/api/health")
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200", r.status)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var raw map[string]any
	r.decode(t, &raw)
	if raw["status"] != "ok" {
		t.Errorf("status = %v, want ok", raw["status"])
	}
	for _, k := range []string{"uptime", "db_size_bytes", "sse_clients", "events_stored"} {
		if _, ok := raw[k].(float64); !ok {
			t.Errorf("%s = %#v, want a number", k, raw[k])
		}
	}
	if raw["version"] != "test-1.2.3" {
		t.Errorf("version = %v, want the configured test-1.2.3", raw["version"])
	}
	if raw["db_size_bytes"].(float64) <= 0 {
		t.Errorf("db_size_bytes = %v, want the size of the database file", raw["db_size_bytes"])
	}
	if raw["events_stored"] != 0.0 || raw["sse_clients"] != 0.0 {
		t.Errorf("fresh server: events_stored %v, sse_clients %v, want 0 and 0", raw["events_stored"], raw["sse_clients"])
	}

	h.store1(ev("s1", "claude_code", "tool_use"))
	h.batch(ev("s1", "claude_code", "response"), ev("s2", "codex", "response"))
	var after struct {
		EventsStored int64 `json:"events_stored"`
	}
	h.getJSON("/api/health", &after)
	if after.EventsStored != 3 {
		t.Errorf("events_stored = %d after 3 stored events, want 3", after.EventsStored)
	}
}

// 18.7: only loopback Host names are served when no token is set.
func TestHostGuard(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		host   string
		status int
	}{
		{"evil.example", http.StatusForbidden},
		{"evil.example:3141", http.StatusForbidden},
		{"127.0.0.2", http.StatusForbidden},
		{"localhost.evil.example", http.StatusForbidden},
		{"localhost", http.StatusOK},
		{"localhost:3141", http.StatusOK},
		{"app.localhost:80", http.StatusOK},
		{"127.0.0.1:9999", http.StatusOK},
		{"[::1]:3141", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			h := h.with(t)
			for _, path := range []string{"/api/health", "/"} {
				r := h.request(http.MethodGet, path, "", nil, tc.host)
				if r.status != tc.status {
					t.Fatalf("GET %s with Host %s: status %d, want %d", path, tc.host, r.status, tc.status)
				}
				if tc.status == http.StatusForbidden && string(r.body) != `{"error":"forbidden host"}` {
					t.Errorf("GET %s: body %s, want {\"error\":\"forbidden host\"}", path, r.body)
				}
			}
		})
	}
	// A forbidden host stores nothing.
	r := h.request(http.MethodPost, "/api/events", "application/json",
		strings.NewReader(`{"session_id":"s","agent_type":"a","event_type":"tool_use"}`), "evil.example")
	if r.status != http.StatusForbidden {
		t.Fatalf("POST with forbidden host: status %d, want 403", r.status)
	}
	if got := h.events("").Total; got != 0 {
		t.Errorf("a forbidden request stored %d events", got)
	}
}

// 2.6: unknown paths and wrong methods on known paths are 404 (not 405).
func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ method, path string }{
		{http.MethodGet, "/api/nope"},
		{http.MethodGet, "/api"},
		{http.MethodGet, "/api/"},
		{http.MethodGet, "/api/events/batch"},
		{http.MethodGet, "/api/stats/nope"},
		{http.MethodGet, "/api/sessions/s1/nope"},
		{http.MethodGet, "/api/health/"},
		{http.MethodGet, "/nope"},
		{http.MethodGet, "/sessions/x/y"},
		{http.MethodPost, "/api/health"},
		{http.MethodPut, "/api/events"},
		{http.MethodDelete, "/api/events"},
		{http.MethodPatch, "/api/sessions/s1"},
		{http.MethodPost, "/api/stats"},
		{http.MethodPost, "/api/stream"},
		{http.MethodPost, "/"},
		{http.MethodOptions, "/api/events"},
		{http.MethodOptions, "/api/health"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			h := h.with(t)
			r := h.request(tc.method, tc.path, "application/json", strings.NewReader("{}"), "")
			if r.status != http.StatusNotFound {
				t.Errorf("status %d, want 404: %s", r.status, clip(r.body))
			}
		})
	}
}

// 2.4: ingest bodies up to 1 MiB are read, larger ones get 413; nothing is stored.
func TestIngestBodyLimit(t *testing.T) {
	const limit = 1 << 20
	event := func(size int) []byte {
		b := []byte(`{"session_id":"big","agent_type":"claude_code","event_type":"tool_use"}`)
		return append(b, bytes.Repeat([]byte(" "), size-len(b))...) // white space: still one JSON object
	}
	batch := func(size int) []byte {
		b := []byte(`{"events":[{"session_id":"big","agent_type":"claude_code","event_type":"tool_use"}]}`)
		return append(b, bytes.Repeat([]byte(" "), size-len(b))...)
	}
	tests := []struct {
		name, path string
		body       []byte
		status     int
	}{
		{"single at the limit", "/api/events", event(limit), http.StatusCreated},
		{"single over the limit", "/api/events", event(limit + 1), http.StatusRequestEntityTooLarge},
		{"single far over the limit", "/api/events", event(3 * limit), http.StatusRequestEntityTooLarge},
		{"batch at the limit", "/api/events/batch", batch(limit), http.StatusCreated},
		{"batch over the limit", "/api/events/batch", batch(limit + 1), http.StatusRequestEntityTooLarge},
	}
	h := newHarness(t)
	stored := int64(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			r := h.post(tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, clip(r.body))
			}
			if tc.status == http.StatusCreated {
				stored++
			}
			if got := h.events("").Total; got != stored {
				t.Errorf("total events %d, want %d", got, stored)
			}
		})
	}
}

// 2.4: which Content-Types make the body readable.
func TestIngestContentType(t *testing.T) {
	h := newHarness(t)
	body := `{"session_id":"ct","agent_type":"claude_code","event_type":"tool_use"}`
	tests := []struct {
		contentType string
		status      int
	}{
		{"application/json", http.StatusCreated},
		{"application/json; charset=utf-8", http.StatusCreated},
		{"application/vnd.agentmonitor+json", http.StatusCreated},
		{"text/plain", http.StatusCreated},
		{"text/plain; charset=utf-8", http.StatusCreated},
		{"", http.StatusBadRequest},
		{"application/x-www-form-urlencoded", http.StatusBadRequest},
		{"text/html", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.contentType, func(t *testing.T) {
			h := h.with(t)
			r := h.request(http.MethodPost, "/api/events", tc.contentType, strings.NewReader(body), "")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == http.StatusBadRequest {
				want := `{"error":"Invalid event payload","details":[{"field":"body","message":"must be a JSON object"}]}`
				if string(r.body) != want {
					t.Errorf("body %s, want %s", r.body, want)
				}
			}
		})
	}
	// The batch route reads the same way: an unreadable body is "not { events: [...] }".
	r := h.request(http.MethodPost, "/api/events/batch", "text/html", strings.NewReader(`{"events":[]}`), "")
	if r.status != http.StatusBadRequest || string(r.body) != `{"error":"Expected { events: [...] }"}` {
		t.Errorf("batch with text/html: %d %s, want 400 Expected { events: [...] }", r.status, r.body)
	}
}

// Item 106 and 18.6: the dashboard routes answer the app shell; the API stays JSON.
func TestDashboardRoutes(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/", "/sessions", "/sessions/x", "/sessions/a%2Fb", "/costs", "/tools", "/search", "/usage"} {
		t.Run(path, func(t *testing.T) {
			h := h.with(t)
			r := h.get(path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200", r.status)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			if !bytes.Contains(r.body, []byte("<title>AgentMonitor</title>")) {
				t.Errorf("body lacks <title>AgentMonitor</title>: %s", clip(r.body))
			}
		})
	}
	r := h.get("/api/health")
	if ct := r.header.Get("Content-Type"); r.status != http.StatusOK || !strings.HasPrefix(ct, "application/json") ||
		!json.Valid(r.body) {
		t.Errorf("GET /api/health: %d %q %s, want 200 JSON", r.status, ct, r.body)
	}
}

// 2.1: every API response is JSON, errors included.
func TestAPIResponsesAreJSON(t *testing.T) {
	h := newHarness(t)
	h.store1(ev("j1", "claude_code", "tool_use", "tool_name", "Bash"))
	paths := []string{
		"/api/health", "/api/events", "/api/stats", "/api/stats/tools", "/api/stats/cost",
		"/api/stats/usage-monitor", "/api/sessions", "/api/sessions/j1", "/api/sessions/j1/transcript",
		"/api/sessions/none", "/api/sessions/none/transcript", "/api/filter-options",
	}
	for _, p := range paths {
		r := h.get(p)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !json.Valid(r.body) {
			t.Errorf("GET %s: Content-Type %q, body %s: want JSON", p, ct, clip(r.body))
		}
	}
}
