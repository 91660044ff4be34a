package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/kv"
)

// eventIDs opens a database copy the way restore checks one (bbolt's check, kv.Open, a recount)
// and returns the event_ids it holds.
func eventIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	if err := checkDB(path); err != nil {
		t.Fatal(err)
	}
	store, err := kv.Open(kv.Options{Path: path, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer store.Close()
	if err := store.Verify(); err != nil {
		t.Fatalf("%s: %v", path, err)
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

// ingestLoad posts batches to base from a few writers until stop closes, and records in acked
// every event_id the server acknowledged.
func ingestLoad(base string, stop chan struct{}, mu *sync.Mutex, acked map[string]bool) *sync.WaitGroup {
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
				var ids []string
				for j := range 10 {
					id := fmt.Sprintf("w%d-%d-%d", w, i, j)
					ids = append(ids, id)
					events = append(events, crashEvent(id, w, j))
				}
				body, _ := json.Marshal(map[string]any{"events": events})
				resp, err := client.Post(base+"/api/events/batch", "application/json", bytes.NewReader(body))
				if err != nil {
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
	return &wg
}

func cliFails(t *testing.T, res cliResult, what, says string) {
	t.Helper()
	if res.code != exitFailure || !strings.Contains(res.stderr, says) {
		t.Errorf("%s: exit %d, stderr %q; want exit 1 saying %q", what, res.code, res.stderr, says)
	}
}

// TestBackupAndRestore takes a backup through a running server under ingest, then directly from
// the file, and restores it: refused while a server runs or over a database without --force.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	srv := startQuickServer(t, db)

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	load := ingestLoad(srv.base, stop, &mu, acked)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 500 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := make([]string, 0, len(acked))
	for id := range acked {
		before = append(before, id)
	}
	mu.Unlock()
	backup := filepath.Join(dir, "copy.db")
	env := []string{"AGENTMONITOR_URL=" + srv.base, "AGENTMONITOR_DB_PATH=" + db, "AGENTMONITOR_TOKEN="}
	res := runCLI(t, nil, env, "backup", backup)
	close(stop)
	load.Wait()
	if res.code != 0 || !strings.Contains(res.stdout, "from the server at "+srv.base) {
		t.Fatalf("backup through the server: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	ids := eventIDs(t, backup)
	missing := 0
	for _, id := range before {
		if !ids[id] {
			missing++
		}
	}
	t.Logf("%d events acknowledged before the backup, %d in the copy (%v)", len(before), len(ids), res.took)
	if missing > 0 {
		t.Fatalf("%d acknowledged events missing from the copy", missing)
	}
	if _, err := os.Stat(backup + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp left behind", backup)
	}

	// While the server runs: restore refuses, through its answer or through the file's lock.
	cliFails(t, runCLI(t, nil, env, "restore", backup), "restore while a server answers", "a server is running")
	cliFails(t, runCLI(t, nil, env, "restore", "--force", "--db", db, backup), "restore onto a held file", "in use")
	// A direct backup of a file a server holds says why it cannot.
	cliFails(t, runCLI(t, nil, append(env, "AGENTMONITOR_URL="+closedPort(t)), "backup", filepath.Join(dir, "x.db")),
		"direct backup of a held file", "in use by another process")
	cliFails(t, runCLI(t, nil, env, "backup", db), "backup onto the database", "is the database itself")

	srv.stop(t)
	mu.Lock()
	total := len(acked)
	mu.Unlock()

	// No server: backup copies the file itself.
	direct := filepath.Join(dir, "direct.db")
	env = []string{"AGENTMONITOR_URL=" + closedPort(t), "AGENTMONITOR_DB_PATH=" + db}
	if res := runCLI(t, nil, env, "backup", direct); res.code != 0 || !strings.Contains(res.stdout, "from "+db) {
		t.Fatalf("direct backup: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := len(eventIDs(t, direct)); got < total {
		t.Errorf("direct copy holds %d events, %d were acknowledged", got, total)
	}

	// Restore into a new place: the index beside it goes.
	target := filepath.Join(dir, "restored", "agentmonitor.db")
	os.MkdirAll(target+".index", 0o755)
	os.WriteFile(filepath.Join(target+".index", "stale"), []byte("x"), 0o600)
	if res := runCLI(t, nil, env, "restore", "--db", target, backup); res.code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := len(eventIDs(t, target)); got != len(ids) {
		t.Errorf("restored database holds %d events, the backup %d", got, len(ids))
	}
	if _, err := os.Stat(target + ".index"); !os.IsNotExist(err) {
		t.Errorf("the old index is still there: %v", err)
	}

	// Over an existing database: only with --force, which keeps the old one.
	cliFails(t, runCLI(t, nil, env, "restore", "--db", target, direct), "restore without --force", "--force")
	old, _ := os.ReadFile(target)
	if res := runCLI(t, nil, env, "restore", direct, "--db", target, "--force"); res.code != 0 {
		t.Fatalf("restore --force: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if kept, _ := os.ReadFile(target + ".before-restore"); !bytes.Equal(kept, old) {
		t.Error("the replaced database was not kept")
	}
	if got := len(eventIDs(t, target)); got < total {
		t.Errorf("after --force the database holds %d events, want %d", got, total)
	}

	// A file that is no database is refused, and nothing changes.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	before2, _ := os.ReadFile(target)
	cliFails(t, runCLI(t, nil, env, "restore", "--force", "--db", target, junk), "restore of junk", "not a sound AgentMonitor database")
	if after, _ := os.ReadFile(target); !bytes.Equal(after, before2) {
		t.Error("a refused restore changed the database")
	}

	// The restored file serves.
	srv = startQuickServer(t, target)
	defer srv.stop(t)
	resp, err := http.Get(srv.base + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		EventsStored int64 `json:"events_stored"`
	}
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health.EventsStored < int64(total) {
		t.Errorf("the server on the restored file has %d events, want %d", health.EventsStored, total)
	}
}

func TestBackupRestoreUsage(t *testing.T) {
	for _, args := range [][]string{{"backup"}, {"restore"}, {"backup", "a", "b"}, {"restore", "--nope", "x"}} {
		if res := runCLI(t, nil, nil, args...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, res.code, exitUsage, res.stderr)
		}
	}
	for _, cmd := range []string{"backup", "restore"} {
		res := runCLI(t, nil, nil, cmd, "--help")
		if res.code != 0 || !strings.Contains(res.stdout, "usage: agentmonitor "+cmd) || !strings.Contains(res.stdout, "-db") {
			t.Errorf("%s --help: exit %d\n%s", cmd, res.code, res.stdout)
		}
	}
}
