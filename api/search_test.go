package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

// searchHarness is a server with a search index whose tailer runs for the test's lifetime.
func searchHarness(t *testing.T) *harness {
	t.Helper()
	cfg := api.DefaultConfig()
	h := &harness{t: t, cfg: cfg, clock: &clock{}}
	h.hub = api.NewHub(cfg.MaxSSEClients, cfg.SSEQueue)
	store, err := kv.Open(kv.Options{Path: filepath.Join(t.TempDir(), "am.db"), OnCommit: h.hub.PublishEvents,
		Now: h.clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	x, err := index.Open(store, index.Options{Logger: quiet, Delay: time.Millisecond, Interval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.store = store
	h.srv = api.New(cfg, store, h.hub, defaultPrices(), quiet)
	h.srv.SetIndex(x)
	h.ts = httptest.NewServer(h.srv)
	ctx, cancel := context.WithCancel(context.Background())
	tailed := make(chan struct{})
	go func() { defer close(tailed); x.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-tailed
		h.hub.Close()
		h.ts.Close()
		if err := x.Close(); err != nil {
			t.Errorf("close index: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return h
}

type healthReply struct {
	EventsStored  int64  `json:"events_stored"`
	EventsIndexed *int64 `json:"events_indexed"`
}

// waitIndexed polls /api/health until events_indexed reaches events_stored.
func (h *harness) waitIndexed() {
	h.t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		var hr healthReply
		h.getJSON("/api/health", &hr)
		if hr.EventsIndexed == nil {
			h.t.Fatal("health has no events_indexed")
		}
		if *hr.EventsIndexed == hr.EventsStored {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("index stuck at %d of %d events", *hr.EventsIndexed, hr.EventsStored)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type searchReply struct {
	Total   int `json:"total"`
	Results []struct {
		Event struct {
			ID        int64  `json:"id"`
			SessionID string `json:"session_id"`
			Metadata  string `json:"metadata"`
		} `json:"event"`
		Score     float64             `json:"score"`
		Fragments map[string][]string `json:"fragments"`
	} `json:"results"`
}

func (r searchReply) ids() []int64 {
	out := []int64{}
	for _, res := range r.Results {
		out = append(out, res.Event.ID)
	}
	return out
}

// searchEvents is a small history, ingested as one batch: ids 1–8.
var searchEvents = []any{
	map[string]any{"session_id": "s1", "agent_type": "claude_code", "event_type": "user_prompt", "project": "alpha",
		"metadata": map[string]any{"message": "Please fix the flaky login test"}},
	map[string]any{"session_id": "s1", "agent_type": "claude_code", "event_type": "tool_use", "tool_name": "Bash",
		"metadata": map[string]any{"command": "go test ./auth/... -run TestLogin"}},
	map[string]any{"session_id": "s1", "agent_type": "claude_code", "event_type": "tool_use", "tool_name": "Edit",
		"metadata": map[string]any{"file_path": "/src/app/main.go"}},
	map[string]any{"session_id": "s2", "agent_type": "codex", "event_type": "tool_use", "tool_name": "Read", "project": "beta",
		"metadata": map[string]any{"file_path": "/src/lib/main.go"}},
	map[string]any{"session_id": "s2", "agent_type": "codex", "event_type": "tool_use", "tool_name": "Bash", "status": "error",
		"metadata": map[string]any{"command": "make build", "error": "undefined: NewServer <b>bold</b>"}},
	map[string]any{"session_id": "s2", "agent_type": "codex", "event_type": "response",
		"metadata": map[string]any{"content_preview": "NewServer was renamed to Listen"}},
	map[string]any{"session_id": "s3", "agent_type": "gemini", "event_type": "tool_use", "tool_name": "WebFetch",
		"metadata": map[string]any{"url": "https://example.com/docs/login"}},
	map[string]any{"session_id": "s3", "agent_type": "gemini", "event_type": "user_prompt",
		"metadata": map[string]any{"message": "deploy the login page to staging"}},
}

func TestSearchAPI(t *testing.T) {
	h := searchHarness(t)
	h.batch(searchEvents...)
	h.waitIndexed()

	for _, tc := range []struct {
		name, query string
		want        []int64 // result ids in order
		total       int     // when not len(want)
	}{
		{"word", "q=login", []int64{8, 7, 1}, 0},
		{"a word is not part of a longer one", "q=testlogin", []int64{2}, 0},
		{"words are ANDed", "q=login+flaky", []int64{1}, 0},
		{"phrase", "q=" + url.QueryEscape(`"login test"`), []int64{1}, 0},
		{"exclusion", "q=login+-flaky", []int64{8, 7}, 0},
		{"text field", "q=command:make", []int64{5}, 0},
		{"filter field in the query", "q=agent_type:codex", []int64{6, 5, 4}, 0},
		{"base name", "q=file:main.go", []int64{4, 3}, 0},
		{"full path", "q=" + url.QueryEscape(`file:"/src/app/main.go"`), []int64{3}, 0},
		{"filters", "q=newserver&agent_type=codex&event_type=response", []int64{6}, 0},
		{"project filter", "q=main.go&project=beta", []int64{4}, 0},
		{"tool and session filters", "tool_name=Bash&session_id=s2", []int64{5}, 0},
		{"source filter", "source=nothing", []int64{}, 0},
		{"unparseable since matches nothing", "q=login&since=not-a-date", []int64{}, 0},
		{"limit and offset", "q=login&limit=2&offset=1", []int64{7, 1}, 3},
		{"limit 0 is the default", "q=login&limit=0", []int64{8, 7, 1}, 0},
		{"negative limit is the maximum", "q=login&limit=-1", []int64{8, 7, 1}, 0},
		{"no query lists all newest first", "", []int64{8, 7, 6, 5, 4, 3, 2, 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r searchReply
			h.with(t).getJSON("/api/search?"+tc.query, &r)
			if !slices.Equal(r.ids(), tc.want) {
				t.Errorf("ids %v, want %v", r.ids(), tc.want)
			}
			total := tc.total
			if total == 0 {
				total = len(tc.want)
			}
			if r.Total != total {
				t.Errorf("total %d, want %d", r.Total, total)
			}
		})
	}

	t.Run("fragments", func(t *testing.T) {
		var r searchReply
		h.with(t).getJSON("/api/search?q=newserver", &r)
		if len(r.Results) != 2 {
			t.Fatalf("results %v", r.ids())
		}
		if got := r.Results[1].Fragments["error"]; !slices.Equal(got, []string{"undefined: <mark>NewServer</mark> &lt;b&gt;bold&lt;/b&gt;"}) {
			t.Errorf("error fragments %q", got)
		}
		if got := r.Results[0].Fragments["response"]; !slices.Equal(got, []string{"<mark>NewServer</mark> was renamed to Listen"}) {
			t.Errorf("response fragments %q", got)
		}
		if r.Results[1].Event.Metadata == "" || r.Results[1].Event.SessionID != "s2" {
			t.Errorf("event row not returned whole: %+v", r.Results[1].Event)
		}
		raw := h.with(t).get("/api/search?q=agent_type:codex")
		if !strings.Contains(string(raw.body), `"fragments":{}`) {
			t.Errorf("a filter-only match should have empty fragments: %s", clip(raw.body))
		}
	})

	t.Run("relevance", func(t *testing.T) {
		var r searchReply
		h.with(t).getJSON("/api/search?q=login&sort=relevance", &r)
		if len(r.Results) != 3 {
			t.Fatalf("results %v", r.ids())
		}
		for i := 1; i < len(r.Results); i++ {
			if r.Results[i].Score > r.Results[i-1].Score {
				t.Errorf("scores not descending: %v then %v", r.Results[i-1].Score, r.Results[i].Score)
			}
		}
	})

	t.Run("since and until", func(t *testing.T) {
		h.clock.Set(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
		h.batch(map[string]any{"session_id": "s9", "agent_type": "codex", "event_type": "user_prompt",
			"metadata": map[string]any{"message": "an old login question"}})
		h.clock.Set(time.Time{})
		h.with(t).waitIndexed()
		var r searchReply
		h.with(t).getJSON("/api/search?q=login&until=2026-01-11", &r)
		if !slices.Equal(r.ids(), []int64{9}) {
			t.Errorf("until: %v", r.ids())
		}
		h.with(t).getJSON("/api/search?q=login&since=2026-01-11", &r)
		if !slices.Equal(r.ids(), []int64{8, 7, 1}) {
			t.Errorf("since: %v", r.ids())
		}
	})

	t.Run("sessions", func(t *testing.T) {
		var l struct {
			Sessions []struct {
				ID string `json:"id"`
			} `json:"sessions"`
			Total int `json:"total"`
		}
		h.with(t).getJSON("/api/sessions?q=newserver", &l)
		if l.Total != 1 || len(l.Sessions) != 1 || l.Sessions[0].ID != "s2" {
			t.Errorf("sessions?q=newserver: %+v", l)
		}
		h.with(t).getJSON("/api/sessions?q=login&agent_type=gemini", &l)
		if l.Total != 1 || l.Sessions[0].ID != "s3" {
			t.Errorf("sessions?q=login&agent_type=gemini: %+v", l)
		}
		h.with(t).getJSON("/api/sessions?q=login&limit=1", &l)
		if l.Total != 1 {
			t.Errorf("limit: %+v", l)
		}
	})

	for _, bad := range []string{
		"/api/search?q=" + url.QueryEscape(`"unterminated`),
		"/api/search?q=" + url.QueryEscape(`nofield:x`),
		"/api/search?q=login&sort=oldest",
		"/api/sessions?q=" + url.QueryEscape(`"unterminated`),
	} {
		r := h.get(bad)
		if r.status != http.StatusBadRequest || !strings.HasPrefix(string(r.body), `{"error":"`) {
			t.Errorf("GET %s: %d %s, want 400 with an error", bad, r.status, r.body)
		}
	}
}

func TestSearchWithoutIndex(t *testing.T) {
	h := newHarness(t)
	if r := h.get("/api/search?q=x"); r.status != http.StatusServiceUnavailable {
		t.Errorf("search without an index: %d %s", r.status, r.body)
	}
	if r := h.get("/api/health"); strings.Contains(string(r.body), "events_indexed") {
		t.Errorf("health without an index reports events_indexed: %s", r.body)
	}
}
