package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/kv"
)

// The test binary doubles as the server: a child started with this variable runs serve. Set to
// "cli", the child runs the command line given as its arguments (e.g. hook, backup), like main.
const childEnv = "AGENTMONITOR_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "serve":
		if err := run([]string{"serve"}, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "cli":
		os.Exit(runChildCLI())
	}
	os.Exit(m.Run())
}

// server is a child agentmonitor process.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *lockedBuffer
}

// lockedBuffer collects a child's output, which its copying goroutine writes while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer starts a server on dbPath; env adds or overrides its variables (the data directory,
// which holds the hook spool, is a fresh temporary one unless env names another).
func startServer(t *testing.T, dbPath string, env ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &server{base: "http://127.0.0.1:" + strconv.Itoa(port), log: &lockedBuffer{}}
	s.cmd = exec.Command(os.Args[0], "-test.run=^$")
	s.cmd.Env = append(os.Environ(), childEnv+"=serve",
		"AGENTMONITOR_DB_PATH="+dbPath,
		"AGENTMONITOR_PORT="+strconv.Itoa(port),
		"AGENTMONITOR_PROJECTS_DIR="+t.TempDir(),
		"AGENTMONITOR_AUTO_IMPORT_MINUTES=0",
		"AGENTMONITOR_DATA_DIR="+t.TempDir())
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that stops early leaves no server behind (after a stop this does nothing).
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			s.cmd.Wait()
			t.Fatalf("server did not start: %s", s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashLosesNoAcknowledgedEvent kills the server with SIGKILL under concurrent ingest. Every
// event answered 201 must be in the file afterwards, and every counter must equal a recount.
func TestCrashLosesNoAcknowledgedEvent(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	srv := startServer(t, dbPath)

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var ids []string
				var body []byte
				if i%2 == 0 { // a batch of 10
					var events []map[string]any
					for j := range 10 {
						id := fmt.Sprintf("w%d-%d-%d", w, i, j)
						ids = append(ids, id)
						events = append(events, crashEvent(id, w, j))
					}
					body, _ = json.Marshal(map[string]any{"events": events})
				} else {
					id := fmt.Sprintf("w%d-%d", w, i)
					ids = append(ids, id)
					body, _ = json.Marshal(crashEvent(id, w, 0))
				}
				path := "/api/events"
				if len(ids) > 1 {
					path = "/api/events/batch"
				}
				resp, err := client.Post(srv.base+path, "application/json", bytes.NewReader(body))
				if err != nil {
					return // the server is gone
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
	// Kill once a good number of events are acknowledged, while requests are in flight.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 3000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	close(stop)
	wg.Wait()

	store, err := kv.Open(kv.Options{Path: dbPath})
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer store.Close()
	stored := map[string]bool{}
	if _, err := store.Events(kv.EventFilter{Limit: -1}, func(row []byte) error {
		var e struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(row, &e); err != nil {
			return err
		}
		stored[e.EventID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("acknowledged %d events, %d stored after SIGKILL", len(acked), len(stored))
	if missing > 0 {
		t.Fatalf("%d acknowledged events lost", missing)
	}
	if err := store.Verify(); err != nil {
		t.Fatalf("state after crash differs from a recount: %v", err)
	}
}

func crashEvent(id string, worker, j int) map[string]any {
	return map[string]any{
		"event_id": id, "session_id": fmt.Sprintf("crash-%d", worker), "agent_type": "claude_code",
		"event_type": "tool_use", "tool_name": "Bash", "model": "claude-sonnet-4-5-20250929",
		"tokens_in": 100 + j, "tokens_out": 20, "metadata": map[string]any{"command": "make test", "file_path": "main.go"},
	}
}

func TestSecondServerFailsFast(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "one.db")
	srv := startServer(t, dbPath)
	defer func() {
		srv.cmd.Process.Signal(os.Interrupt)
		if err := srv.cmd.Wait(); err != nil {
			t.Errorf("first server did not exit 0 on SIGINT: %v\n%s", err, srv.log)
		}
	}()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=serve", "AGENTMONITOR_DB_PATH="+dbPath, "AGENTMONITOR_PORT=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("second server on the same file started: %s", out)
	}
	if !bytes.Contains(out, []byte("in use by another process")) {
		t.Errorf("second server's message does not say why: %s", out)
	}
}
