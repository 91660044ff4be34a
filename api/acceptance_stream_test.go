package api_test

// Acceptance: the SSE stream (CONTRACT 9, 18.8; section 16 items 36–39, 104, 105).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
)

// Items 36 and 37: headers and the first frame.
func TestStreamConnect(t *testing.T) {
	h := newHarness(t)
	before := time.Now().UTC().Truncate(time.Millisecond)
	c := h.openStream("")
	for k, v := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
		"Connection": "keep-alive",
	} {
		if got := c.resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	m := c.next()
	if m.Type != "connected" || m.Payload != nil {
		t.Fatalf("first frame %q, want {\"type\":\"connected\",\"timestamp\":...}", m.Data)
	}
	at, err := time.Parse("2006-01-02T15:04:05.000Z", m.Timestamp)
	if err != nil {
		t.Fatalf("connected timestamp %q is not client time: %v", m.Timestamp, err)
	}
	if at.Before(before) || time.Since(at) > time.Minute {
		t.Errorf("connected timestamp %s, want the connection time", m.Timestamp)
	}
	var keys map[string]any
	_ = json.Unmarshal([]byte(m.Data), &keys)
	if len(keys) != 2 {
		t.Errorf("connected message %s, want exactly type and timestamp", m.Data)
	}
}

// Items 38, 39 and 105: each stored event arrives as {"type":"event","payload":<event row>}.
func TestStreamEvents(t *testing.T) {
	h := newHarness(t)
	base := h.healthClients()
	c := h.openStream("")
	c.next() // connected
	if n := h.healthClients(); n <= base {
		t.Errorf("sse_clients %d with a stream open, want > %d", n, base)
	}

	id := h.store1(ev("S105", "claude_code", "tool_use", "tool_name", "Bash", "tokens_in", 3))
	m := c.next()
	if m.Type != "event" {
		t.Fatalf("frame %s, want an event", m.Data)
	}
	var got, want map[string]any
	if err := json.Unmarshal(m.Payload, &got); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Events []map[string]any `json:"events"`
	}
	h.getJSON("/api/events", &list)
	want = list.Events[0]
	if got["session_id"] != "S105" || got["id"] != float64(id) || !reflect.DeepEqual(got, want) {
		t.Errorf("payload\n got %v\nwant the stored row %v", got, want)
	}

	// Batches broadcast each stored item, in order; duplicates and rejected items are not sent.
	h.store1(ev("S105", "codex", "response", "event_id", "dup"))
	res := h.batch(ev("S105", "codex", "response", "event_id", "dup"), ev("S105", "codex", "error"), map[string]any{},
		ev("S105", "codex", "plan_step"))
	if res.Received != 2 {
		t.Fatalf("batch %+v", res)
	}
	var types []string
	for range 3 {
		m := c.next()
		types = append(types, eventPayload(t, m).EventType)
	}
	if fmt.Sprint(types) != "[response error plan_step]" {
		t.Errorf("event frames %v, want [response error plan_step]", types)
	}
	// Invalid and duplicate posts send nothing: the next frame is the next stored event.
	h.ingest(ev("S105", "codex", "response", "event_id", "dup"), http.StatusOK)
	h.ingest(map[string]any{"session_id": "S105"}, http.StatusBadRequest)
	h.store1(ev("S105", "codex", "git_commit"))
	if e := eventPayload(t, c.next()); e.EventType != "git_commit" {
		t.Errorf("next frame %s, want the git_commit", e.EventType)
	}
}

// Item 104: the client cap, its exact 503, and prompt accounting on disconnect.
func TestStreamClientLimit(t *testing.T) {
	h := newHarness(t, withConfig(func(c *api.Config) { c.MaxSSEClients = 1 }))
	first := h.openStream("")
	first.next()
	_, status, body := h.tryStream("")
	if status != http.StatusServiceUnavailable || body != `{"error":"SSE client limit reached","max_clients":1}` {
		t.Errorf("second stream: %d %s, want 503 {\"error\":\"SSE client limit reached\",\"max_clients\":1}", status, body)
	}
	if n := h.healthClients(); n != 1 {
		t.Errorf("sse_clients %d after a refused stream, want 1", n)
	}
	first.Close()
	eventually(t, 500*time.Millisecond, "sse_clients back to 0 after the client left", func() bool { return h.healthClients() == 0 })
	second := h.openStream("")
	if m := second.next(); m.Type != "connected" {
		t.Errorf("after the first left, a new stream gets %s", m.Data)
	}
}

// Section 9 filters: a filtered client gets only matching events, and no stats or session_update.
func TestStreamFilters(t *testing.T) {
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) {
		c.StatsInterval = 20 * time.Millisecond
	}))
	all := h.openStream("")
	byAgent := h.openStream("agent_type=codex")
	byType := h.openStream("event_type=tool_use")
	both := h.openStream("agent_type=codex&event_type=tool_use")
	for _, c := range []*sseClient{all, byAgent, byType, both} {
		if m := c.next(); m.Type != "connected" {
			t.Fatalf("first frame %s", m.Data)
		}
	}
	h.batch(
		ev("f", "claude_code", "tool_use"),
		ev("f", "codex", "response"),
		ev("f", "codex", "tool_use"),
		ev("f", "gemini", "error"),
	)
	// Wait until the unfiltered client has seen two stats pushes after the events, so the
	// filtered ones had their chance to (wrongly) receive them too.
	stats := 0
	all.until(func(m sseMessage) bool {
		if m.Type == "stats" {
			stats++
		}
		return stats >= 2
	})
	h.store1(ev("end", "codex", "tool_use", "tool_name", "sentinel"))
	sentinel := func(m sseMessage) bool {
		return m.Type == "event" && eventPayload(t, m).SessionID == "end"
	}
	tests := []struct {
		name string
		c    *sseClient
		want []string // agent/type of the event frames before the sentinel
	}{
		{"agent_type=codex", byAgent, []string{"codex/response", "codex/tool_use"}},
		{"event_type=tool_use", byType, []string{"claude_code/tool_use", "codex/tool_use"}},
		{"both", both, []string{"codex/tool_use"}},
	}
	for _, tc := range tests {
		frames := tc.c.until(sentinel)
		var got []string
		for _, m := range frames[:len(frames)-1] {
			if m.Comment != "" {
				continue
			}
			if m.Type != "event" {
				t.Errorf("%s: filtered client got a %s message: %s", tc.name, m.Type, m.Data)
				continue
			}
			e := eventPayload(t, m)
			got = append(got, e.AgentType+"/"+e.EventType)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: events %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Section 9 stats message: the unfiltered /api/stats object plus usage_monitor.
func TestStreamStats(t *testing.T) {
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) { c.StatsInterval = 20 * time.Millisecond }))
	h.store1(ev("st", "claude_code", "llm_response", "tokens_in", 10, "tokens_out", 5))
	c := h.openStream("")
	frames := c.until(func(m sseMessage) bool { return m.Type == "stats" })
	var payload map[string]json.RawMessage
	if err := json.Unmarshal(frames[len(frames)-1].Payload, &payload); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total_events", "active_sessions", "total_sessions", "live_sessions", "active_agents",
		"total_tokens_in", "total_tokens_out", "total_cost_usd", "tool_breakdown", "agent_breakdown", "model_breakdown",
		"branches", "usage_monitor"} {
		if _, ok := payload[k]; !ok {
			t.Errorf("stats payload lacks %s", k)
		}
	}
	if string(payload["total_events"]) != "1" || string(payload["total_tokens_in"]) != "10" {
		t.Errorf("stats payload %s", frames[len(frames)-1].Payload)
	}
	var usage []struct {
		AgentType string `json:"agent_type"`
		Session   struct {
			Used float64 `json:"used"`
		} `json:"session"`
	}
	if err := json.Unmarshal(payload["usage_monitor"], &usage); err != nil || len(usage) != 1 ||
		usage[0].AgentType != "claude_code" || usage[0].Session.Used != 15 {
		t.Errorf("usage_monitor %s, want the claude_code row with 15 tokens used", payload["usage_monitor"])
	}
}

// Section 9 heartbeat and session_update idle_check.
func TestStreamHeartbeatAndIdleCheck(t *testing.T) {
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) {
		c.HeartbeatInterval = 20 * time.Millisecond
		c.SweepInterval = 20 * time.Millisecond
		c.StatsInterval = time.Hour // its sweep would idle the session without a session_update
	}))
	c := h.openStream("")
	filtered := h.openStream("agent_type=codex")
	c.next()
	filtered.next()
	// Last event 6 minutes ago (the store's clock): the real-time sweep idles it.
	h.clock.Set(time.Now().Add(-6 * time.Minute))
	h.store1(ev("idle-me", "codex", "tool_use"))
	h.clock.Set(time.Time{})
	frames := c.until(func(m sseMessage) bool { return m.Type == "session_update" })
	var update map[string]any
	if err := json.Unmarshal(frames[len(frames)-1].Payload, &update); err != nil ||
		!reflect.DeepEqual(update, map[string]any{"type": "idle_check", "idled": 1.0}) {
		t.Errorf("session_update payload %s, want {\"type\":\"idle_check\",\"idled\":1}", frames[len(frames)-1].Payload)
	}
	sawHeartbeat := false
	for _, m := range c.until(func(m sseMessage) bool { return m.Comment != "" }) {
		if m.Comment == "heartbeat" {
			sawHeartbeat = true
		}
	}
	if !sawHeartbeat {
		t.Error("no \": heartbeat\" comment frame")
	}
	// The filtered client got the event and heartbeats, never the session_update.
	frames = filtered.until(func(m sseMessage) bool { return m.Type == "event" })
	frames = append(frames, filtered.until(func(m sseMessage) bool { return m.Comment == "heartbeat" })...)
	frames = append(frames, filtered.until(func(m sseMessage) bool { return m.Comment == "heartbeat" })...)
	for _, m := range frames {
		if m.Type == "session_update" || m.Type == "stats" {
			t.Errorf("filtered client got %s", m.Data)
		}
	}
}

// 18.8: a client that keeps reading receives every event of a sustained load (upstream dropped
// clients after about 31 events of such a load).
func TestStreamKeepsUpUnderLoad(t *testing.T) {
	const batches, perBatch = 20, 50
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) { c.StatsInterval = 50 * time.Millisecond }))
	c := h.openStream("")
	c.next()

	var mu sync.Mutex
	var posted []int64
	var wg sync.WaitGroup
	errs := make(chan error, batches)
	for w := range 4 { // four concurrent posters, five batches each
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches / 4 {
				events := make([]map[string]any, perBatch)
				for i := range events {
					events[i] = ev(fmt.Sprintf("load-%d", w), "claude_code", "tool_use", "tool_name", "Bash",
						"metadata", map[string]any{"command": fmt.Sprintf("echo %d-%d-%d", w, b, i)})
				}
				body, _ := json.Marshal(map[string]any{"events": events})
				resp, err := h.ts.Client().Post(h.ts.URL+"/api/events/batch", "application/json", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				var res ingestResult
				err = json.NewDecoder(resp.Body).Decode(&res)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated || res.Received != perBatch {
					errs <- fmt.Errorf("batch: %d %+v %v", resp.StatusCode, res, err)
					return
				}
				mu.Lock()
				posted = append(posted, res.IDs...)
				mu.Unlock()
			}
		}()
	}
	seen := map[int64]bool{}
	last := int64(0)
	frames := c.until(func(m sseMessage) bool {
		if m.Type == "event" {
			e := eventPayload(t, m)
			if e.ID <= last {
				t.Errorf("event %d after %d: frames out of order", e.ID, last)
			}
			last = e.ID
			seen[e.ID] = true
		}
		return len(seen) == batches*perBatch
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(posted) != batches*perBatch {
		t.Fatalf("%d events stored, want %d", len(posted), batches*perBatch)
	}
	for _, id := range posted {
		if !seen[id] {
			t.Errorf("stored event %d never reached the stream", id)
		}
	}
	if d := h.hub.Dropped(); d != 0 {
		t.Errorf("hub dropped %d clients", d)
	}
	if n := h.healthClients(); n != 1 {
		t.Errorf("sse_clients %d after the load, want 1 (the reader is still connected)", n)
	}
	_ = frames
}
