package web_test

// Helpers of the dashboard tests: a real server (kv over a temp bbolt file, hub, api) that can
// stop and start again on the same address, serving a freshly built dashboard.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
	"github.com/agentmonitor/agentmonitor/ui/web"
)

var quiet = slog.New(slog.DiscardHandler)

// wasmGzipLimit is the size budget of the gzipped client (issue 6).
const wasmGzipLimit = 2 << 20

var (
	buildOnce  sync.Once
	builtFiles fs.FS
	buildErr   error
)

// dashboardFiles returns the dashboard's files with a client built now from the current
// source (the embedded one may be a placeholder or stale): `go build` for js/wasm into a temp
// folder, gzipped like `make wasm`. It logs the sizes and fails above the size budget.
func dashboardFiles(t *testing.T) fs.FS {
	t.Helper()
	buildOnce.Do(func() { builtFiles, buildErr = buildDashboard(t) })
	if buildErr != nil {
		t.Fatalf("build the dashboard: %v", buildErr)
	}
	return builtFiles
}

func buildDashboard(t *testing.T) (fs.FS, error) {
	dir, err := os.MkdirTemp("", "agentmonitor-web-")
	if err != nil {
		return nil, err
	}
	// The folder outlives the test that built it: other tests of the run share it.
	if err := os.CopyFS(dir, web.Files()); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, web.WasmFile))
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	wasmPath := filepath.Join(dir, "app.wasm")
	start := time.Now()
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", wasmPath, "./wasm")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, errors.New(string(out) + err.Error())
	}
	raw, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, err
	}
	// Compressed like `make wasm` (gzip -9), whose output is what the budget is about; Go's own
	// deflate is about 1% larger.
	var gz bytes.Buffer
	if gzipBin, err := exec.LookPath("gzip"); err == nil {
		cmd := exec.Command(gzipBin, "-9", "-n", "-c", wasmPath)
		cmd.Stdout = &gz
		if err := cmd.Run(); err != nil {
			return nil, err
		}
	} else {
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
	}
	if err := os.WriteFile(filepath.Join(dir, web.WasmFile), gz.Bytes(), 0o644); err != nil {
		return nil, err
	}
	_ = os.Remove(wasmPath)
	t.Logf("wasm built in %v: %d bytes, %d gzipped (budget %d)", time.Since(start).Round(time.Millisecond),
		len(raw), gz.Len(), wasmGzipLimit)
	if gz.Len() > wasmGzipLimit {
		return nil, errors.New("the gzipped wasm is over 2 MiB")
	}
	return os.DirFS(dir), nil
}

// server is a real AgentMonitor server over a temp database, restartable on its address.
type server struct {
	t     *testing.T
	addr  string
	URL   string
	store *kv.Store
	hub   *api.Hub
	srv   *api.Server
	http  *http.Server
	mu    sync.Mutex
	token string
}

func startServer(t *testing.T, files fs.FS, configure ...func(*api.Config)) *server {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Version = "test"
	cfg.StatsInterval = time.Second
	cfg.DashboardFiles = files
	for _, f := range configure {
		f(&cfg)
	}
	hub := api.NewHub(cfg.MaxSSEClients, cfg.SSEQueue)
	prices, err := pricing.NewLive("")
	if err != nil {
		t.Fatal(err)
	}
	store, err := kv.Open(kv.Options{
		Path:             filepath.Join(t.TempDir(), "am.db"),
		SessionTimeout:   cfg.SessionTimeout,
		HistoricalWindow: cfg.HistoricalWindow,
		OnCommit:         hub.PublishEvents,
		Price:            prices.Cost,
		Logger:           quiet,
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	s := &server{t: t, store: store, hub: hub, srv: api.New(cfg, store, hub, prices, quiet), token: cfg.Token}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); s.srv.Run(ctx) }()
	// Search, when the api package serves it (CONTRACT 18.5): a Bleve index tailing the store.
	var idx *index.Index
	tailed := make(chan struct{})
	if setter, ok := any(s.srv).(interface{ SetIndex(*index.Index) }); ok {
		if idx, err = index.Open(store, index.Options{Logger: quiet, Delay: 5 * time.Millisecond,
			Interval: 50 * time.Millisecond}); err != nil {
			t.Fatalf("open index: %v", err)
		}
		setter.SetIndex(idx)
		go func() { defer close(tailed); idx.Run(ctx) }()
	} else {
		close(tailed)
	}
	s.start()
	t.Cleanup(func() {
		cancel()
		<-ran
		<-tailed
		s.stop()
		hub.Close()
		if idx != nil {
			if err := idx.Close(); err != nil {
				t.Errorf("close index: %v", err)
			}
		}
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// start serves on the server's address (a free one the first time).
func (s *server) start() {
	s.t.Helper()
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen on %s: %v", addr, err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	hs := &http.Server{Handler: s.srv, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.http = hs
	s.mu.Unlock()
	go hs.Serve(ln)
}

// stop closes the listener and every connection, streams included.
func (s *server) stop() {
	s.mu.Lock()
	hs := s.http
	s.http = nil
	s.mu.Unlock()
	if hs != nil {
		hs.Close()
	}
}

// post stores events through the API (POST /api/events/batch).
func (s *server) post(events ...map[string]any) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"events": events})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/events/batch", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("post events: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Received int `json:"received"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &r) != nil || r.Received != len(events) {
		s.t.Fatalf("post events: %d %s", resp.StatusCode, b)
	}
}

// get returns the status, content type and body of path.
func (s *server) get(path string, header ...string) (int, http.Header, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip: headers as sent
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
