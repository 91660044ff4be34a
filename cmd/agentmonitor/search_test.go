package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

// indexHealth is what /api/health says about the index.
func indexHealth(t *testing.T, base string) (stored, indexed int64) {
	t.Helper()
	resp, err := http.Get(base + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		EventsStored  int64  `json:"events_stored"`
		EventsIndexed *int64 `json:"events_indexed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.EventsIndexed == nil {
		t.Fatalf("health: %v, events_indexed %v", err, h.EventsIndexed)
	}
	return h.EventsStored, *h.EventsIndexed
}

// waitIndexed polls /api/health until every stored event is indexed, and returns their number.
func waitIndexed(t *testing.T, s *server) int64 {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		stored, indexed := indexHealth(t, s.base)
		if stored == indexed {
			return stored
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			s.cmd.Wait()
			t.Fatalf("indexed %d of %d events after 90 s\n%s", indexed, stored, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// searchTotal is /api/search's total for the query string.
func searchTotal(t *testing.T, base, query string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/api/search?limit=1&" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Total int64 `json:"total"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search %s: status %d", query, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Total
}

// postEvents sends n events in batches of 100, each with the word "marker<k>" for batch k.
func postEvents(t *testing.T, base, session string, n int) {
	t.Helper()
	for k := 0; k*100 < n; k++ {
		var events []map[string]any
		for j := k * 100; j < min(n, (k+1)*100); j++ {
			events = append(events, map[string]any{"session_id": session, "agent_type": "codex",
				"event_type": "tool_use", "tool_name": "Bash",
				"metadata": map[string]any{"command": fmt.Sprintf("go test ./pkg%d marker%d", j, k)}})
		}
		body, _ := json.Marshal(map[string]any{"events": events})
		resp, err := http.Post(base+"/api/events/batch", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("batch: status %d", resp.StatusCode)
		}
	}
}

// TestSearchIndexSurvivesSIGKILL kills the server while it indexes under ingest. After a restart
// the index catches up with every stored event, once each: the documents, the events a match-all
// search finds and the events stored are the same number.
func TestSearchIndexSurvivesSIGKILL(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "search.db")
	srv := startQuickServer(t, dbPath)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var events []map[string]any
				for j := range 50 {
					events = append(events, map[string]any{"session_id": fmt.Sprintf("w%d", w), "agent_type": "claude_code",
						"event_type": "user_prompt", "metadata": map[string]any{"message": fmt.Sprintf("prompt %d %d %d kill", w, i, j)}})
				}
				body, _ := json.Marshal(map[string]any{"events": events})
				resp, err := client.Post(srv.base+"/api/events/batch", "application/json", bytes.NewReader(body))
				if err != nil {
					return // killed
				}
				resp.Body.Close()
			}
		})
	}
	// Kill once the index holds some events and is behind the store: mid-indexing.
	deadline := time.Now().Add(60 * time.Second)
	for {
		stored, indexed := indexHealth(t, srv.base)
		if indexed >= 2000 && indexed < stored {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never caught the index behind: %d of %d", indexed, stored)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	close(stop)
	wg.Wait()

	srv = startQuickServer(t, dbPath)
	defer srv.stop(t)
	n := waitIndexed(t, srv)
	if got := searchTotal(t, srv.base, ""); got != n {
		t.Errorf("a match-all search finds %d events, %d are stored", got, n)
	}
	if got := searchTotal(t, srv.base, "q=kill"); got != n {
		t.Errorf("search for a word of every event finds %d, want %d", got, n)
	}
	t.Logf("%d events stored and indexed after SIGKILL", n)
}

// TestSearchIndexRebuilds: a deleted index, and an index built from another database (a
// restored backup, CONTRACT 18.10), are rebuilt when the server starts.
func TestSearchIndexRebuilds(t *testing.T) {
	dir := t.TempDir()
	dbPath, otherPath := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")

	srv := startQuickServer(t, dbPath)
	postEvents(t, srv.base, "a", 300)
	waitIndexed(t, srv)
	srv.stop(t)

	other := startQuickServer(t, otherPath)
	postEvents(t, other.base, "b", 7)
	waitIndexed(t, other)
	other.stop(t)

	for _, tc := range []struct {
		name  string
		says  string // in the server's log
		spoil func()
	}{
		{"deleted", "", func() {
			if err := os.RemoveAll(dbPath + ".index"); err != nil {
				t.Fatal(err)
			}
		}},
		{"from another database", "rebuilding the search index", func() {
			if err := os.RemoveAll(dbPath + ".index"); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(otherPath+".index", dbPath+".index"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spoil()
			srv := startQuickServer(t, dbPath)
			if n := waitIndexed(t, srv); n != 300 {
				t.Errorf("%d events stored, want 300", n)
			}
			if got := searchTotal(t, srv.base, ""); got != 300 {
				t.Errorf("search finds %d events, want 300", got)
			}
			if got := searchTotal(t, srv.base, "q=marker2"); got != 100 {
				t.Errorf("search for marker2 finds %d, want 100", got)
			}
			if got := searchTotal(t, srv.base, "session_id=b"); got != 0 {
				t.Errorf("the other database's events are still found: %d", got)
			}
			srv.stop(t)
			if !strings.Contains(srv.log.String(), tc.says) {
				t.Errorf("the server's log does not say %q:\n%s", tc.says, srv.log)
			}
		})
	}
}

func TestReindexCommand(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "r.db")
	store, err := kv.Open(kv.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	in := make([]contract.Input, 250)
	for i := range in {
		in[i] = contract.Input{SessionID: "r", AgentType: "codex", EventType: "user_prompt", Status: "success",
			Source: "api", Metadata: fmt.Sprintf(`{"message":"reindex me %d"}`, i)}
	}
	if _, err := store.Ingest(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	store.Close()

	res := runCLI(t, nil, nil, "reindex", "--db", dbPath)
	if res.code != 0 || !strings.Contains(res.stdout, "indexed 250 events") {
		t.Fatalf("reindex: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	store, err = kv.Open(kv.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	x, err := index.Open(store, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Indexed() != 250 {
		t.Errorf("index holds %d events after reindex, want 250", x.Indexed())
	}
	res2, err := x.Search(t.Context(), `"reindex me"`, index.Filters{}, 1, 0, index.SortRecent)
	if err != nil || res2.Total != 250 {
		t.Errorf("search after reindex: %v %v", res2, err)
	}
}

func TestReindexRefusesARunningServer(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "busy.db")
	srv := startQuickServer(t, dbPath)
	defer srv.stop(t)
	res := runCLI(t, nil, nil, "reindex", "--db", dbPath)
	cliFails(t, res, "reindex on a served database", "stop the server first")
	if res := runCLI(t, nil, nil, "reindex", "--db", filepath.Join(t.TempDir(), "none.db")); res.code == 0 {
		t.Errorf("reindex of a missing database succeeded: %s", res.stdout)
	}
	if res := runCLI(t, nil, nil, "reindex", "extra"); res.code != exitUsage {
		t.Errorf("reindex extra: exit %d, want %d", res.code, exitUsage)
	}
	if res := runCLI(t, nil, nil, "reindex", "--help"); res.code != 0 || !strings.Contains(res.stdout, "usage: agentmonitor reindex") {
		t.Errorf("reindex --help: exit %d\n%s", res.code, res.stdout)
	}
}
