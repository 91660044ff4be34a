// Command ambench is the load generator behind `make bench`: it starts a built agentmonitor binary
// on a temporary database, drives it over loopback and prints throughput, latency percentiles,
// resident memory and SSE delivery.
//
// Workloads: the upstream batch workload (20,000 events in batches of 50 from 40 concurrent
// clients while 3 SSE clients listen) and single-event posts from concurrent clients. Each client
// stands for one agent: its events belong to one session of its own. One unmeasured round of
// batches warms the server up first.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/agentmonitor", "agentmonitor binary to run")
	events := flag.Int("events", 20000, "events of the batch workload")
	batch := flag.Int("batch", 50, "events per batch")
	clients := flag.Int("clients", 40, "concurrent batch clients")
	sse := flag.Int("sse", 3, "SSE clients connected during the batch workload")
	singles := flag.Int("singles", 20000, "events of the single-post workload")
	singleClients := flag.Int("single-clients", 32, "concurrent single-post clients")
	profile := flag.String("cpuprofile", "", "have the server write a CPU profile here")
	flag.Parse()
	// The load generator shares the machine with the server; its own collector stays out of the way.
	debug.SetGCPercent(400)
	serverArgs = []string{"serve"}
	if *profile != "" {
		serverArgs = append(serverArgs, "--cpuprofile", *profile)
	}
	if err := run(*bin, *events, *batch, *clients, *sse, *singles, *singleClients); err != nil {
		fmt.Fprintln(os.Stderr, "ambench:", err)
		os.Exit(1)
	}
}

var serverArgs []string

func run(bin string, events, batch, clients, sseClients, singles, singleClients int) error {
	dir, err := os.MkdirTemp("", "ambench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, serverArgs...)
	cmd.Env = append(os.Environ(),
		"AGENTMONITOR_DB_PATH="+filepath.Join(dir, "bench.db"),
		"AGENTMONITOR_PORT="+strconv.Itoa(port),
		"AGENTMONITOR_AUTO_IMPORT_MINUTES=0",
		"AGENTMONITOR_PROJECTS_DIR="+dir,
	)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	if err := waitHealthy(hc, base); err != nil {
		return err
	}
	time.Sleep(time.Second)
	idleRSS := rss(cmd.Process.Pid, "VmRSS")

	// Warm-up, not measured: the clients' connections, the file's first growth steps, the
	// runtime's first heap growth.
	if _, err := load(hc, base+"/api/events/batch", clients, clients, func(i int) []byte {
		items := make([]json.RawMessage, batch)
		for j := range items {
			items[j] = eventJSON(fmt.Sprintf("w-%d-%d", i, j), i%clients)
		}
		b, _ := json.Marshal(map[string]any{"events": items})
		return b
	}, http.StatusCreated); err != nil {
		return err
	}

	// SSE listeners count the event frames they receive.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	received := make([]atomic.Int64, sseClients)
	for i := range sseClients {
		ready := make(chan error, 1)
		go listen(ctx, base, &received[i], ready)
		if err := <-ready; err != nil {
			return err
		}
	}

	batchRes, err := load(hc, base+"/api/events/batch", events/batch, clients, func(i int) []byte {
		items := make([]json.RawMessage, batch)
		for j := range items {
			items[j] = eventJSON(fmt.Sprintf("b-%d-%d", i, j), i%clients)
		}
		b, _ := json.Marshal(map[string]any{"events": items})
		return b
	}, http.StatusCreated)
	if err != nil {
		return err
	}
	want := int64(events / batch * batch)
	deadline := time.Now().Add(10 * time.Second)
	var got int64
	for {
		got = 0
		for i := range received {
			got += min(received[i].Load(), want)
		}
		if got == want*int64(sseClients) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()

	singleRes, err := load(hc, base+"/api/events", singles, singleClients, func(i int) []byte {
		return eventJSON(fmt.Sprintf("s-%d", i), clients+i%singleClients)
	}, http.StatusCreated)
	if err != nil {
		return err
	}
	peakRSS := rss(cmd.Process.Pid, "VmHWM")

	fmt.Printf("ambench: %s, %d cores\n", bin, numCPU())
	fmt.Printf("%-34s %12s %9s %9s %9s\n", "workload", "events/s", "p50", "p95", "p99")
	fmt.Printf("%-34s %12.0f %9s %9s %9s\n", fmt.Sprintf("batch %dx%d, %d clients, %d SSE", events/batch, batch, clients, sseClients),
		float64(want)/batchRes.wall.Seconds(), ms(batchRes.pct(50)), ms(batchRes.pct(95)), ms(batchRes.pct(99)))
	fmt.Printf("%-34s %12.0f %9s %9s %9s\n", fmt.Sprintf("single posts, %d clients", singleClients),
		float64(singles)/singleRes.wall.Seconds(), ms(singleRes.pct(50)), ms(singleRes.pct(95)), ms(singleRes.pct(99)))
	fmt.Printf("SSE delivery: %d of %d frames (%.2f%%)\n", got, want*int64(sseClients), 100*float64(got)/float64(want*int64(sseClients)))
	fmt.Printf("RSS: idle %.1f MB, peak %.1f MB\n", idleRSS/1024, peakRSS/1024)
	return nil
}

type result struct {
	wall      time.Duration
	latencies []time.Duration
}

func (r result) pct(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := (len(r.latencies)*p + 99) / 100
	return r.latencies[min(max(i-1, 0), len(r.latencies)-1)]
}

// load posts n bodies from workers concurrent clients and times each request.
func load(hc *http.Client, url string, n, workers int, body func(i int) []byte, wantStatus int) (result, error) {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = body(i)
	}
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				resp, err := hc.Post(url, "application/json", bytes.NewReader(bodies[i]))
				if err == nil {
					_, _ = bufio.NewReader(resp.Body).WriteTo(discard{})
					resp.Body.Close()
					if resp.StatusCode != wantStatus {
						err = fmt.Errorf("POST %s: status %d", url, resp.StatusCode)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	r := result{wall: time.Since(start), latencies: lat}
	slices.Sort(r.latencies)
	return r, firstErr
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func eventJSON(id string, session int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"event_id":   id,
		"session_id": fmt.Sprintf("bench-%d", session),
		"agent_type": []string{"claude_code", "codex"}[session%2],
		"event_type": "tool_use",
		"tool_name":  []string{"Bash", "Read", "Edit", "Grep"}[session%4],
		"tokens_in":  1200, "tokens_out": 340,
		"model":       "claude-sonnet-4-5-20250929",
		"duration_ms": 87,
		"project":     "bench",
		"metadata": map[string]any{
			"command":   "go test ./... -run TestSomething -count=1",
			"file_path": "/home/dev/src/bench/internal/server/handler.go",
			"output":    strings.Repeat("ok  	github.com/example/bench/internal 0.42s\n", 4),
		},
	})
	return b
}

func listen(ctx context.Context, base string, n *atomic.Int64, ready chan<- error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ready <- err
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first && bytes.Contains(line, []byte(`"connected"`)) {
			first = false
			ready <- nil
		}
		if bytes.HasPrefix(line, []byte(`data: {"type":"event"`)) {
			n.Add(1)
		}
	}
	if first {
		ready <- errors.New("SSE stream ended before connected")
	}
}

func waitHealthy(hc *http.Client, base string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(base + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server did not become healthy in 15s")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// rss reads a memory line (VmRSS, VmHWM) of /proc/<pid>/status in KiB; 0 where there is no /proc.
func rss(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return f
		}
	}
	return 0
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "processor\t:")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
