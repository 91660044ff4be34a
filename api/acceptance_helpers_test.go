package api_test

// Helpers of the acceptance suite (CONTRACT section 16): a real server over a temp bbolt file,
// HTTP shortcuts, a movable store clock and a raw SSE reader.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

// waitLong bounds every wait on something asynchronous (SSE frames, client accounting). It is a
// deadline, never a sleep: tests return as soon as the awaited thing happens.
const waitLong = 10 * time.Second

// quiet drops the server's and the store's logs.
var quiet = slog.New(slog.DiscardHandler)

// clock is the store's movable clock (kv.Options.Now). The zero clock is the real one.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set fixes the store's time at t; the zero time goes back to the real clock.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// harness is one running server over a fresh database.
type harness struct {
	t     *testing.T
	cfg   api.Config
	clock *clock
	store *kv.Store
	hub   *api.Hub
	srv   *api.Server
	ts    *httptest.Server
}

type harnessOptions struct {
	config func(*api.Config)
	run    bool
}

type harnessOption func(*harnessOptions)

// withConfig changes the server's configuration (api.DefaultConfig otherwise).
func withConfig(f func(*api.Config)) harnessOption {
	return func(o *harnessOptions) { o.config = f }
}

// withRun starts the background jobs (idle sweep, SSE stats push) for the test's lifetime.
func withRun() harnessOption { return func(o *harnessOptions) { o.run = true } }

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var o harnessOptions
	for _, opt := range opts {
		opt(&o)
	}
	cfg := api.DefaultConfig()
	cfg.Version = "test-1.2.3"
	if o.config != nil {
		o.config(&cfg)
	}
	h := &harness{t: t, cfg: cfg, clock: &clock{}}
	h.hub = api.NewHub(cfg.MaxSSEClients, cfg.SSEQueue)
	store, err := kv.Open(kv.Options{
		Path:             filepath.Join(t.TempDir(), "am.db"),
		SessionTimeout:   cfg.SessionTimeout,
		HistoricalWindow: cfg.HistoricalWindow,
		OnCommit:         h.hub.PublishEvents,
		Price:            pricing.Default().Cost, // as serve wires it: cumulative token series are priced
		Now:              h.clock.Now,
		Logger:           quiet,
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h.store = store
	h.srv = api.New(cfg, store, h.hub, defaultPrices(), quiet)
	h.ts = httptest.NewServer(h.srv)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	if o.run {
		go func() { defer close(ran); h.srv.Run(ctx) }()
	} else {
		close(ran)
	}
	t.Cleanup(func() {
		cancel()
		<-ran
		h.hub.Close() // ends open streams, so ts.Close does not wait on them
		h.ts.Close()
		if err := h.store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return h
}

// with returns h reporting to t: subtests must not fail through their parent's T.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// reply is a read response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v, failing the test when it is not JSON.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not the expected JSON (%v): %s", err, clip(r.body))
	}
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// request sends one request; host, when not empty, replaces the Host header.
func (h *harness) request(method, path, contentType string, body io.Reader, host string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *harness) get(path string) reply {
	h.t.Helper()
	return h.request(http.MethodGet, path, "", nil, "")
}

// getJSON GETs path, expects 200 and decodes the body into v.
func (h *harness) getJSON(path string, v any) {
	h.t.Helper()
	r := h.get(path)
	if r.status != http.StatusOK {
		h.t.Fatalf("GET %s: status %d, want 200: %s", path, r.status, clip(r.body))
	}
	r.decode(h.t, v)
}

// post sends body as application/json: a string or []byte as is, anything else marshalled.
func (h *harness) post(path string, body any) reply {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatalf("marshal body: %v", err)
		}
	}
	return h.request(http.MethodPost, path, "application/json", bytes.NewReader(b), "")
}

// ingestResult is the reply of the ingest routes.
type ingestResult struct {
	Received   int             `json:"received"`
	IDs        []int64         `json:"ids"`
	Duplicates int             `json:"duplicates"`
	Rejected   []rejectedEntry `json:"rejected"`
	Error      string          `json:"error"`
	Details    []fieldError    `json:"details"`
}

type rejectedEntry struct {
	Index  int      `json:"index"`
	Errors []string `json:"errors"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ingest posts one event, expects status and returns the decoded reply.
func (h *harness) ingest(event any, status int) ingestResult {
	h.t.Helper()
	r := h.post("/api/events", event)
	if r.status != status {
		h.t.Fatalf("POST /api/events: status %d, want %d: %s", r.status, status, clip(r.body))
	}
	var out ingestResult
	r.decode(h.t, &out)
	return out
}

// store1 ingests one event that must be stored and returns its id.
func (h *harness) store1(event any) int64 {
	h.t.Helper()
	res := h.ingest(event, http.StatusCreated)
	if res.Received != 1 || len(res.IDs) != 1 || res.Duplicates != 0 {
		h.t.Fatalf("ingest: %+v, want one stored event", res)
	}
	return res.IDs[0]
}

// batch posts events to /api/events/batch, expects 201 and returns the reply.
func (h *harness) batch(events ...any) ingestResult {
	h.t.Helper()
	r := h.post("/api/events/batch", map[string]any{"events": events})
	if r.status != http.StatusCreated {
		h.t.Fatalf("POST /api/events/batch: status %d, want 201: %s", r.status, clip(r.body))
	}
	var out ingestResult
	r.decode(h.t, &out)
	return out
}

// eventList is the reply of GET /api/events.
type eventList struct {
	Events []contract.Event `json:"events"`
	Total  int64            `json:"total"`
}

func (h *harness) events(query string) eventList {
	h.t.Helper()
	var out eventList
	h.getJSON("/api/events?"+query, &out)
	return out
}

// event returns the stored row with this id.
func (h *harness) event(id int64) contract.Event {
	h.t.Helper()
	for _, e := range h.events("limit=-1").Events {
		if e.ID == id {
			return e
		}
	}
	h.t.Fatalf("event %d not listed by GET /api/events", id)
	return contract.Event{}
}

// sessionDetail is the reply of GET /api/sessions/:id.
type sessionDetail struct {
	Session contract.Session `json:"session"`
	Events  []contract.Event `json:"events"`
}

func (h *harness) session(id string) sessionDetail {
	h.t.Helper()
	var out sessionDetail
	h.getJSON("/api/sessions/"+url.PathEscape(id)+"?event_limit=-1", &out)
	return out
}

// sessionList is the reply of GET /api/sessions.
type sessionList struct {
	Sessions []contract.Session `json:"sessions"`
	Total    int                `json:"total"`
}

func (h *harness) sessions(query string) sessionList {
	h.t.Helper()
	var out sessionList
	h.getJSON("/api/sessions?"+query, &out)
	return out
}

// findSession returns the listed session with this id.
func (l sessionList) find(id string) (contract.Session, bool) {
	for _, s := range l.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return contract.Session{}, false
}

func (h *harness) stats(query string) contract.Stats {
	h.t.Helper()
	var out contract.Stats
	h.getJSON("/api/stats?"+query, &out)
	return out
}

// ev builds an event body: session, agent type, event type, then key/value pairs.
func ev(session, agent, eventType string, kvs ...any) map[string]any {
	m := map[string]any{"session_id": session, "agent_type": agent, "event_type": eventType}
	for i := 0; i+1 < len(kvs); i += 2 {
		m[kvs[i].(string)] = kvs[i+1]
	}
	return m
}

func approx(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

// costOf returns the row's cost, failing when it is null.
func costOf(t *testing.T, e contract.Event) float64 {
	t.Helper()
	if e.CostUSD == nil {
		t.Fatalf("event %d: cost_usd is null", e.ID)
	}
	return *e.CostUSD
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// sseMessage is one frame of the stream: a comment (": heartbeat") or one data line.
type sseMessage struct {
	Comment string          `json:"-"` // the comment text, for comment frames
	Data    string          `json:"-"` // the raw JSON after "data: "
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
	// Timestamp is set on the "connected" message.
	Timestamp string `json:"timestamp"`
}

// sseClient reads a raw GET /api/stream response frame by frame.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	cancel context.CancelFunc
	frames chan sseMessage
	errs   chan error
}

// openStream opens GET /api/stream?query and expects 200.
func (h *harness) openStream(query string) *sseClient {
	h.t.Helper()
	c, status, body := h.tryStream(query)
	if status != http.StatusOK {
		h.t.Fatalf("GET /api/stream?%s: status %d, want 200: %s", query, status, body)
	}
	return c
}

// tryStream opens a stream; a non-200 answer returns a nil client, the status and the body.
func (h *harness) tryStream(query string) (*sseClient, int, string) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.ts.URL+"/api/stream?"+query, nil)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		cancel()
		h.t.Fatalf("GET /api/stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, string(b)
	}
	c := &sseClient{t: h.t, resp: resp, cancel: cancel, frames: make(chan sseMessage, 1<<14), errs: make(chan error, 1)}
	go c.read()
	h.t.Cleanup(c.Close)
	return c, resp.StatusCode, ""
}

// read parses frames: lines up to a blank line. A data frame must be exactly one "data: " line.
func (c *sseClient) read() {
	defer close(c.frames)
	br := bufio.NewReader(c.resp.Body)
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.errs <- err
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line != "" {
			lines = append(lines, line)
			continue
		}
		if len(lines) == 0 {
			continue
		}
		var m sseMessage
		switch {
		case len(lines) == 1 && strings.HasPrefix(lines[0], ":"):
			m.Comment = strings.TrimSpace(strings.TrimPrefix(lines[0], ":"))
		case len(lines) == 1 && strings.HasPrefix(lines[0], "data: "):
			m.Data = strings.TrimPrefix(lines[0], "data: ")
			if err := json.Unmarshal([]byte(m.Data), &m); err != nil {
				c.errs <- err
				return
			}
		default:
			c.errs <- &frameError{lines}
			return
		}
		lines = nil
		c.frames <- m
	}
}

type frameError struct{ lines []string }

func (e *frameError) Error() string { return "malformed SSE frame: " + strings.Join(e.lines, "\\n") }

// next returns the next frame, failing the test when none arrives within waitLong.
func (c *sseClient) next() sseMessage {
	c.t.Helper()
	select {
	case m, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("stream ended: %v", <-c.errs)
		}
		return m
	case <-time.After(waitLong):
		c.t.Fatalf("no SSE frame within %v", waitLong)
	}
	return sseMessage{}
}

// until returns the frames read up to and including the first one for which stop is true.
func (c *sseClient) until(stop func(sseMessage) bool) []sseMessage {
	c.t.Helper()
	deadline := time.After(waitLong)
	var got []sseMessage
	for {
		select {
		case m, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("stream ended after %d frames: %v", len(got), <-c.errs)
			}
			got = append(got, m)
			if stop(m) {
				return got
			}
		case <-deadline:
			c.t.Fatalf("awaited SSE frame did not arrive within %v (%d frames read)", waitLong, len(got))
		}
	}
}

// Close disconnects the client.
func (c *sseClient) Close() {
	c.cancel()
	c.resp.Body.Close()
}

// eventPayload decodes an "event" message's row.
func eventPayload(t *testing.T, m sseMessage) contract.Event {
	t.Helper()
	var e contract.Event
	if err := json.Unmarshal(m.Payload, &e); err != nil {
		t.Fatalf("event payload: %v: %s", err, m.Payload)
	}
	return e
}

// healthClients reads sse_clients from GET /api/health.
func (h *harness) healthClients() int64 {
	h.t.Helper()
	var out contract.Health
	h.getJSON("/api/health", &out)
	return out.SSEClients
}

// eventually polls cond every few milliseconds until it holds or within elapses.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %v", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serverTime formats t as the contract's server time.
func serverTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// defaultPrices is the embedded rate table, as serve uses it without a user rate file.
func defaultPrices() *pricing.Live {
	l, err := pricing.NewLive("")
	if err != nil {
		panic(err)
	}
	return l
}
