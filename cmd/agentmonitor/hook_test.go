package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/hooks"
)

const (
	fixtureDir     = "../../hooks/testdata/claude"
	fixtureSession = "8e5f1c3a-d7b2-4e96-a041-6c9b2f7e3d18"
	// hookBound is what a test accepts for one hook's run, process start left out; the hook's own
	// limit is hookLimit (0.7 s) with a backstop at hookBackstop, so this only leaves room for a
	// loaded machine. hookProcessBound is for the whole process, started under the race detector.
	hookBound        = 2 * time.Second
	hookProcessBound = 10 * time.Second
)

// timingEnv names the file where a child records how long its command ran, from the start of
// run to its exit, leaving out the start of the process (which a loaded machine can make long).
const timingEnv = "AGENTMONITOR_TEST_TIMING"

// runChildCLI is the child test binary running the command line in its arguments, like main.
func runChildCLI() int {
	start := time.Now()
	record := func() {
		if p := os.Getenv(timingEnv); p != "" {
			os.WriteFile(p, []byte(time.Since(start).String()), 0o644)
		}
	}
	hookExit = func() {
		record()
		os.Exit(exitOK)
	}
	code := exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	record()
	return code
}

// cliResult is one run of the agentmonitor command line in a child process.
type cliResult struct {
	code           int
	stdout, stderr string
	took           time.Duration // the whole child process
	ran            time.Duration // the command itself (see timingEnv)
}

// runCLI runs the test binary as `agentmonitor args...` with stdin and env added to this process's
// environment.
func runCLI(t *testing.T, stdin []byte, env []string, args ...string) cliResult {
	t.Helper()
	timing := filepath.Join(t.TempDir(), "timing")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(childEnviron("cli"), append(env, timingEnv+"="+timing)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	if b, err := os.ReadFile(timing); err == nil {
		res.ran, _ = time.ParseDuration(string(b))
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return res
}

// childEnviron is the environment of a child test binary running as mode ("cli" or "serve"). A
// binary built with -race sleeps a second at exit unless told not to (GORACE atexit_sleep_ms),
// which would hide the hook's own time.
func childEnviron(mode string) []string {
	return append(os.Environ(), childEnv+"="+mode, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

// hookEnv is the environment of a hook that posts to base and spools into dataDir.
func hookEnv(base, dataDir string) []string {
	return []string{"AGENTMONITOR_URL=" + base, "AGENTMONITOR_DATA_DIR=" + dataDir, "AGENTMONITOR_TOKEN="}
}

// runHook runs `agentmonitor hook` on one fixture and checks that it exits 0 at once and silently.
func runHook(t *testing.T, env []string, file string) cliResult {
	t.Helper()
	input, err := os.ReadFile(filepath.Join(fixtureDir, file))
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, input, env, "hook")
	if res.code != 0 || res.stdout != "" || res.stderr != "" {
		t.Errorf("hook %s: exit %d, stdout %q, stderr %q", file, res.code, res.stdout, res.stderr)
	}
	if res.ran > hookBound || res.ran == 0 || res.took > hookProcessBound {
		t.Errorf("hook %s ran %v (process: %v)", file, res.ran, res.took)
	}
	return res
}

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	if len(files) != 12 {
		t.Fatalf("%d fixture files, want 12", len(files))
	}
	return files
}

// sessionEvents reads a session and all its events, oldest first.
func sessionEvents(t *testing.T, base, id string) (contract.Session, []contract.Event) {
	t.Helper()
	resp, err := http.Get(base + "/api/sessions/" + id + "?event_limit=-1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Session contract.Session `json:"session"`
		Events  []contract.Event `json:"events"`
	}
	if resp.StatusCode == http.StatusNotFound {
		return contract.Session{}, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("session %s: %d %v", id, resp.StatusCode, err)
	}
	slices.SortFunc(body.Events, func(a, b contract.Event) int { return int(a.ID - b.ID) })
	return body.Session, body.Events
}

// startQuickServer is startServer for a server stopped with stop: without the race detector's
// second of sleep at exit.
func startQuickServer(t *testing.T, dbPath string, env ...string) *server {
	t.Helper()
	return startServer(t, dbPath, append([]string{"GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}, env...)...)
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("server did not exit 0 on SIGINT: %v\n%s", err, s.log)
	}
}

// expected is the stored event per fixture file (hooks/testdata/claude, from the fixtures README).
var expected = []struct {
	eventType, status, toolName string
	metadata                    map[string]string
	duration                    int64
}{
	{"session_start", "success", "", map[string]string{"hook_event": "SessionStart", "source": "startup"}, 0},
	{"user_prompt", "success", "", map[string]string{"message": "Run the linter and fix whatever it reports in src/server.ts",
		"prompt_id": "f3a9c7e1-2b4d-4c58-9e06-7d1b5a3f8c42"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "PreToolUse"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "PermissionRequest", "command": "npm run lint"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "Notification", "notification_type": "permission_prompt",
		"message": "Claude needs your permission to use Bash"}, 0},
	{"tool_use", "success", "Bash", map[string]string{"command": "npm run lint", "tool_use_id": "toolu_01K7nRw4Tq9sV2xB8mZc3LdF"}, 3184},
	{"tool_use", "error", "Read", map[string]string{"file_path": "/home/dev/src/app/src/server.config.ts",
		"error":       "File does not exist. Current working directory: /home/dev/src/app",
		"tool_use_id": "toolu_01Pz6hJ3kY8tN1wC5vQr9GsM"}, 12},
	{"response", "success", "", map[string]string{"hook_event": "SubagentStart", "agent_id": "a7c2e9f14b3d6058", "agent_type": "Explore"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "SubagentStop", "agent_id": "a7c2e9f14b3d6058", "agent_type": "Explore"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "Stop"}, 0},
	{"response", "success", "", map[string]string{"hook_event": "PreCompact", "trigger": "manual"}, 0},
	{"session_end", "success", "", map[string]string{"reason": "prompt_input_exit"}, 0},
}

// TestHookFixturesThroughTheBinary feeds the twelve recorded hook inputs, in order, through
// `agentmonitor hook` into a running server and checks what it stored against the fixtures README.
func TestHookFixturesThroughTheBinary(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	srv := startQuickServer(t, filepath.Join(t.TempDir(), "hooks.db"), "AGENTMONITOR_DATA_DIR="+dataDir)
	defer srv.stop(t)
	env := hookEnv(srv.base, dataDir)

	var slowest time.Duration
	for _, f := range fixtureFiles(t) {
		slowest = max(slowest, runHook(t, env, f).ran)
	}
	t.Logf("slowest hook run: %v", slowest)

	sess, events := sessionEvents(t, srv.base, fixtureSession)
	if len(events) != len(expected) {
		t.Fatalf("%d events stored, want %d", len(events), len(expected))
	}
	for i, e := range events {
		want := expected[i]
		if e.EventType != want.eventType || e.Status != want.status || deref(e.ToolName) != want.toolName {
			t.Errorf("event %d: %s/%s/%q, want %s/%s/%q", i+1, e.EventType, e.Status, deref(e.ToolName),
				want.eventType, want.status, want.toolName)
		}
		if e.AgentType != "claude_code" || e.Source != "hook" || deref(e.Project) != "app" || e.Branch != nil {
			t.Errorf("event %d: agent %q source %q project %v branch %v", i+1, e.AgentType, e.Source, deref(e.Project), deref(e.Branch))
		}
		if e.EventID == nil || !strings.HasPrefix(*e.EventID, "hook-") {
			t.Errorf("event %d: event_id %v", i+1, deref(e.EventID))
		}
		if e.TokensIn != 0 || e.TokensOut != 0 || e.CostUSD != nil {
			t.Errorf("event %d has usage", i+1)
		}
		var md map[string]any
		if err := json.Unmarshal([]byte(e.Metadata), &md); err != nil {
			t.Fatalf("event %d metadata %q: %v", i+1, e.Metadata, err)
		}
		for k, v := range want.metadata {
			if md[k] != v {
				t.Errorf("event %d metadata %s = %v, want %q", i+1, k, md[k], v)
			}
		}
		var dur int64
		if e.DurationMS != nil {
			dur = *e.DurationMS
		}
		if dur != want.duration {
			t.Errorf("event %d duration_ms %d, want %d", i+1, dur, want.duration)
		}
	}
	// claude_code's session_end leaves the session idle, not ended (CONTRACT 5 step 10).
	if sess.Status != contract.SessionIdle || sess.EndedAt != nil {
		t.Errorf("session %s, ended_at %v; want idle, null", sess.Status, deref(sess.EndedAt))
	}
	if n := len(readSpool(t, dataDir)); n > 0 {
		// A loaded machine can make the server slower than the hook's 0.5 s POST limit: the event
		// is then stored and spooled, and the spool drain finds it a duplicate.
		t.Logf("%d events spooled as well: the server answered later than the hook waits", n)
	}

	// Sent again, the prompt and both tool calls are duplicates by their correlation keys; a Stop
	// is a new event with a new event_id.
	for _, f := range []string{"02-UserPromptSubmit.json", "06-PostToolUse.json", "07-PostToolUseFailure.json"} {
		runHook(t, env, f)
	}
	if _, again := sessionEvents(t, srv.base, fixtureSession); len(again) != len(expected) {
		t.Errorf("%d events after replaying 02, 06, 07; want %d", len(again), len(expected))
	}
	runHook(t, env, "10-Stop.json")
	if _, again := sessionEvents(t, srv.base, fixtureSession); len(again) != len(expected)+1 {
		t.Errorf("%d events after replaying 10, want %d", len(again), len(expected)+1)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// readSpool returns the spooled events of dataDir.
func readSpool(t *testing.T, dataDir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, hooks.SpoolName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("spool line %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// closedPort returns the URL of a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String()
}

func TestHookSpoolsWhenTheServerIsDown(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "not", "yet", "there")
	env := hookEnv(closedPort(t), dataDir)
	files := []string{"02-UserPromptSubmit.json", "06-PostToolUse.json", "12-SessionEnd.json"}
	for _, f := range files {
		res := runHook(t, env, f)
		t.Logf("%s with the server down: ran %v (process %v)", f, res.ran, res.took)
	}
	spooled := readSpool(t, dataDir)
	if len(spooled) != len(files) {
		t.Fatalf("%d spooled events, want %d", len(spooled), len(files))
	}
	var want []string
	for _, ev := range spooled {
		id, _ := ev["event_id"].(string)
		if !strings.HasPrefix(id, "hook-") || ev["session_id"] != fixtureSession {
			t.Errorf("spooled %v", ev)
		}
		want = append(want, id)
	}
	slices.Sort(want)

	// The server drains the spool at start: each event appears once.
	db := filepath.Join(t.TempDir(), "spool.db")
	storedOnce := func(srv *server) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, events := sessionEvents(t, srv.base, fixtureSession)
			var got []string
			for _, e := range events {
				got = append(got, deref(e.EventID))
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("stored %v, want %v", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	srv := startQuickServer(t, db, "AGENTMONITOR_DATA_DIR="+dataDir)
	storedOnce(srv)
	for _, name := range []string{hooks.SpoolName, hooks.SpoolName + ".draining"} {
		if _, err := os.Stat(filepath.Join(dataDir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after the drain: %v", name, err)
		}
	}
	srv.stop(t)

	// A drain that stopped half way leaves its file; the next start takes it again and the
	// event_ids make the replay exact.
	var lines bytes.Buffer
	for _, ev := range spooled {
		b, _ := json.Marshal(ev)
		lines.Write(append(b, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dataDir, hooks.SpoolName+".draining"), lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = startQuickServer(t, db, "AGENTMONITOR_DATA_DIR="+dataDir)
	defer srv.stop(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dataDir, hooks.SpoolName+".draining")); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replayed spool was not drained")
		}
		time.Sleep(20 * time.Millisecond)
	}
	storedOnce(srv)
}

// TestHookReturnsWhenTheServerHangs points the hook at a listener that accepts connections and
// never answers, and at a stdin that never closes.
func TestHookReturnsWhenTheServerHangs(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	dataDir := t.TempDir()
	res := runHook(t, hookEnv("http://"+ln.Addr().String(), dataDir), "06-PostToolUse.json")
	t.Logf("hook against a hanging server ran %v (limit %v; process %v)", res.ran, hookLimit, res.took)
	if got := readSpool(t, dataDir); len(got) != 1 {
		t.Errorf("%d spooled events after a timeout, want 1", len(got))
	}

	// A stdin that stays open: the hook gives up reading and exits anyway.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte(`{"session_id":"s","hook_event_name":"Stop"`))
	timing := filepath.Join(t.TempDir(), "timing")
	cmd := exec.Command(os.Args[0], "hook")
	cmd.Env = append(childEnviron("cli"), append(hookEnv("http://"+ln.Addr().String(), dataDir), timingEnv+"="+timing)...)
	cmd.Stdin = r
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.Close()
	took := time.Since(start)
	b, _ := os.ReadFile(timing)
	ran, _ := time.ParseDuration(string(b))
	t.Logf("hook with an open stdin ran %v (process %v)", ran, took)
	if err != nil || len(out) != 0 || ran == 0 || ran > hookBound || took > hookProcessBound {
		t.Errorf("hook with an open stdin: %v, output %q, ran %v, process %v", err, out, ran, took)
	}
}

// TestHookAnswers: 5xx spools the event, 4xx drops it, the token goes along as a bearer token.
func TestHookAnswers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var status int
	var auth []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
		w.WriteHeader(status)
	}))
	defer ts.Close()
	for _, tc := range []struct {
		status  int
		spooled int
	}{{http.StatusCreated, 0}, {http.StatusServiceUnavailable, 1}, {http.StatusInternalServerError, 1}, {http.StatusBadRequest, 0}, {http.StatusUnauthorized, 0}} {
		mu.Lock()
		status = tc.status
		mu.Unlock()
		dataDir := t.TempDir()
		runHook(t, append(hookEnv(ts.URL, dataDir), "AGENTMONITOR_TOKEN=s3cret"), "10-Stop.json")
		if got := len(readSpool(t, dataDir)); got != tc.spooled {
			t.Errorf("answer %d: %d spooled, want %d", tc.status, got, tc.spooled)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range auth {
		if a != "Bearer s3cret" {
			t.Errorf("Authorization %q", a)
		}
	}

	// Input that is no hook event is dropped silently.
	dataDir := t.TempDir()
	for _, in := range []string{"", "not json", `{"hook_event_name":"Stop"}`, `[1]`} {
		res := runCLI(t, []byte(in), hookEnv(closedPort(t), dataDir), "hook")
		if res.code != 0 || res.stdout != "" || res.stderr != "" {
			t.Errorf("hook on %q: exit %d, %q %q", in, res.code, res.stdout, res.stderr)
		}
	}
	if got := readSpool(t, dataDir); len(got) != 0 {
		t.Errorf("spooled %v", got)
	}
}

func TestHookHelp(t *testing.T) {
	res := runCLI(t, nil, nil, "hook", "--help")
	if res.code != 0 || !strings.Contains(res.stdout, "usage: agentmonitor hook") {
		t.Errorf("hook --help: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
