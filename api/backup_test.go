package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/kv"
)

// checkCopy checks that b is a whole database: bbolt's consistency check passes, the store opens
// it and recounts it, and it returns the event_ids it holds.
func checkCopy(t *testing.T, b []byte) map[string]bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	var problems []error
	db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			problems = append(problems, err)
		}
		return nil
	})
	db.Close()
	if len(problems) > 0 {
		t.Fatalf("the copy fails bbolt's check: %v", errors.Join(problems...))
	}
	store, err := kv.Open(kv.Options{Path: path, Logger: quiet})
	if err != nil {
		t.Fatalf("kv.Open on the copy: %v", err)
	}
	defer store.Close()
	if err := store.Verify(); err != nil {
		t.Fatalf("the copy's derived state: %v", err)
	}
	ids := map[string]bool{}
	if _, err := store.Events(kv.EventFilter{Limit: -1}, func(row []byte) error {
		var e struct {
			EventID string `json:"event_id"`
		}
		err := json.Unmarshal(row, &e)
		ids[e.EventID] = true
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestBackup(t *testing.T) {
	h := newHarness(t)
	for i := range 20 {
		h.store1(ev("b1", "claude_code", "tool_use", "event_id", fmt.Sprintf("pre-%d", i), "tool_name", "Bash"))
	}
	r := h.get("/api/backup")
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/backup: %d %s", r.status, clip(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q, body %d bytes", cl, len(r.body))
	}
	ids := checkCopy(t, r.body)
	for i := range 20 {
		if !ids[fmt.Sprintf("pre-%d", i)] {
			t.Errorf("pre-%d missing from the copy", i)
		}
	}

	if r := h.request(http.MethodGet, "/api/backup", "", nil, "evil.example"); r.status != http.StatusForbidden {
		t.Errorf("backup for Host evil.example: %d", r.status)
	}
}

func TestBackupNeedsTheToken(t *testing.T) {
	h := newHarness(t, withConfig(func(c *api.Config) { c.Token = "s3cret" }))
	if r := h.get("/api/backup"); r.status != http.StatusUnauthorized {
		t.Errorf("backup without the token: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodGet, h.ts.URL+"/api/backup", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("backup with the token: %d", resp.StatusCode)
	}
	checkCopy(t, b)
}

// TestBackupUnderIngest takes copies while writers ingest as fast as they can: each copy is whole
// (its Content-Length is its size, bbolt's check passes) and holds every event acknowledged before
// it was asked for.
func TestBackupUnderIngest(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var events []map[string]any
				var ids []string
				for j := range 20 {
					id := fmt.Sprintf("w%d-%d-%d", w, i, j)
					ids = append(ids, id)
					events = append(events, ev(fmt.Sprintf("load-%d", w), "claude_code", "tool_use", "event_id", id,
						"tool_name", "Bash", "metadata", map[string]any{"command": "go test ./... " + id}))
				}
				body, _ := json.Marshal(map[string]any{"events": events})
				resp, err := http.Post(h.ts.URL+"/api/events/batch", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					for _, id := range ids {
						acked[id] = true
					}
					mu.Unlock()
				}
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for round := range 3 {
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		before := make([]string, 0, len(acked))
		for id := range acked {
			before = append(before, id)
		}
		mu.Unlock()
		r := h.get("/api/backup")
		if r.status != http.StatusOK || r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
			t.Fatalf("round %d: status %d, Content-Length %q, %d bytes", round, r.status, r.header.Get("Content-Length"), len(r.body))
		}
		ids := checkCopy(t, r.body)
		missing := 0
		for _, id := range before {
			if !ids[id] {
				missing++
			}
		}
		t.Logf("round %d: %d events acknowledged before the backup, %d in the %d-byte copy", round, len(before), len(ids), len(r.body))
		if missing > 0 {
			t.Fatalf("round %d: %d acknowledged events missing from the copy", round, missing)
		}
	}
}
