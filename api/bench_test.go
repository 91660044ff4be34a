package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

// BenchmarkQuery1M seeds one million events through the writer — 1,000 sessions of 1,000 events,
// one event every 2.5 s over the last 29 days, 4 agents, 8 tools, 4 models, 20 projects — and times the
// read endpoints over HTTP. Each sub-benchmark reports its p50 and p95 in milliseconds.
//
//	go test -run '^$' -bench Query1M -benchtime 200x ./api
func BenchmarkQuery1M(b *testing.B) {
	const sessions, perSession = 1000, 1000
	start := time.Now().UTC().Add(-29 * 24 * time.Hour).Truncate(time.Hour) // history up to now
	var now time.Time
	cfg := api.DefaultConfig()
	hub := api.NewHub(cfg.MaxSSEClients, cfg.SSEQueue)
	store, err := kv.Open(kv.Options{
		Path:     filepath.Join(b.TempDir(), "1m.db"),
		Now:      func() time.Time { return now },
		OnCommit: hub.PublishEvents,
		Logger:   quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	seedStart := time.Now()
	tools := []string{"Bash", "Read", "Edit", "Grep", "Glob", "Write", "WebFetch", "Task"}
	models := []string{"claude-sonnet-4-5-20250929", "claude-opus-4-6", "o3", "gpt-5.3-codex"}
	batch := make([]contract.Input, 0, 2000)
	for i := range sessions * perSession {
		s := i / perSession
		cost := 0.001 * float64(i%7)
		in := contract.Input{
			SessionID: fmt.Sprintf("session-%04d", s), AgentType: []string{"claude_code", "codex", "gemini", "aider"}[s%4],
			EventType: []string{"tool_use", "tool_use", "llm_response", "user_prompt"}[i%4], ToolName: tools[i%len(tools)],
			Status: []string{"success", "success", "success", "error"}[i%4/3*3], Source: "hook",
			Project: fmt.Sprintf("project-%02d", s%20), Branch: "main", Model: models[s%4],
			TokensIn: int64(i % 3000), TokensOut: int64(i % 700), DurationMS: int64(i%900 + 1), CostUSD: &cost,
			CostSource: contract.CostClient,
			Metadata:   fmt.Sprintf(`{"command":"go test ./pkg/%d/...","file_path":"/src/project/file%d.go"}`, i%50, i%300),
		}
		if in.EventType != "tool_use" {
			in.ToolName = ""
		}
		batch = append(batch, in)
		if len(batch) == cap(batch) {
			now = start.Add(time.Duration(i) * 2500 * time.Millisecond)
			if _, err := store.Ingest(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("seeded %d events in %v, file %d MiB", store.EventsStored(), time.Since(seedStart).Round(time.Second), store.Size()>>20)

	ts := httptest.NewServer(api.New(cfg, store, hub, defaultPrices(), quiet))
	defer ts.Close()
	since := now.Add(-24 * time.Hour).Format(time.RFC3339)
	for _, q := range []struct{ name, path string }{
		{"stats", "/api/stats"},
		{"stats-since-24h", "/api/stats?since=" + since},
		{"sessions", "/api/sessions"},
		{"session-detail", "/api/sessions/session-0500"},
		{"transcript-1000", "/api/sessions/session-0500/transcript"},
		{"events", "/api/events"},
		{"events-filtered", "/api/events?agent_type=codex&tool_name=Bash"},
		{"events-session", "/api/events?session_id=session-0123&limit=100"},
		{"tools", "/api/stats/tools"},
		{"cost", "/api/stats/cost"},
		{"cost-since-24h", "/api/stats/cost?since=" + since},
		{"usage-monitor", "/api/stats/usage-monitor"},
		{"filter-options", "/api/filter-options"},
	} {
		b.Run(q.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				resp, err := http.Get(ts.URL + q.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", q.path, resp.StatusCode)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			pct := func(p int) float64 {
				return float64(lat[min((len(lat)*p+99)/100, len(lat))-1].Microseconds()) / 1000
			}
			b.ReportMetric(pct(50), "p50-ms")
			b.ReportMetric(pct(95), "p95-ms")
		})
	}
}
