package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sample is one row of the CSV.
type sample struct {
	at                    time.Duration
	rssMB, anonMB, fileMB float64 // means of the interval's readings
	goroutines, fds       int
	liveHeapMB            float64 // found live by the server's last GC: the leak signal without GC noise
	dbMB                  float64
	acked                 int64
	eventsPerSec          float64
	requests, errors      int64
	ingest50, ingest95    float64 // ms, this interval
	ingest99, read50      float64
	read99                float64
	sseFrames, sseClients int64
}

var csvHeader = []string{"t_s", "rss_mb", "rss_anon_mb", "rss_file_mb", "live_heap_mb", "goroutines", "open_fds", "db_mb", "events_acked",
	"events_per_s", "requests", "errors", "ingest_p50_ms", "ingest_p95_ms", "ingest_p99_ms", "read_p50_ms",
	"read_p99_ms", "sse_frames", "sse_clients"}

func (s sample) row() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	return []string{f(s.at.Seconds()), f(s.rssMB), f(s.anonMB), f(s.fileMB), f(s.liveHeapMB), i(int64(s.goroutines)), i(int64(s.fds)), f(s.dbMB),
		i(s.acked), f(s.eventsPerSec), i(s.requests), i(s.errors), f(s.ingest50), f(s.ingest95), f(s.ingest99),
		f(s.read50), f(s.read99), i(s.sseFrames), i(s.sseClients)}
}

// recorder collects what the load generators saw.
type recorder struct {
	mu                  sync.Mutex
	ingest, read        []time.Duration // this interval
	allIngest, allRead  []time.Duration
	errMsgs             []string
	acked               map[string][]string // session → acknowledged event_id (API) or tool_use_id (OTLP)
	otlpSessions        map[string]bool
	ackedBy             map[string]int64 // by path: batch, single, otlp
	requests, errors    atomic.Int64
	ackedN              atomic.Int64
	sseFrames           atomic.Int64
	sseClients          atomic.Int64
	sseConnects         atomic.Int64
	sseFramesPerClient  []atomic.Int64 // steady clients
	sseUnexpectedCloses atomic.Int64
}

func newRecorder(steady int) *recorder {
	return &recorder{acked: map[string][]string{}, otlpSessions: map[string]bool{}, ackedBy: map[string]int64{},
		sseFramesPerClient: make([]atomic.Int64, steady)}
}

// fail records a failed request; the first 20 messages are kept for the summary.
func (r *recorder) fail(format string, args ...any) {
	r.errors.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errMsgs) < 20 {
		r.errMsgs = append(r.errMsgs, time.Now().Format("15:04:05 ")+fmt.Sprintf(format, args...))
	}
}

func (r *recorder) took(ingest bool, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ingest {
		r.ingest = append(r.ingest, d)
		r.allIngest = append(r.allIngest, d)
	} else {
		r.read = append(r.read, d)
		r.allRead = append(r.allRead, d)
	}
}

func (r *recorder) ack(kind, session string, ids []string, otlp bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked[session] = append(r.acked[session], ids...)
	r.ackedBy[kind] += int64(len(ids))
	if otlp {
		r.otlpSessions[session] = true
	}
	r.ackedN.Add(int64(len(ids)))
}

// interval takes this interval's latencies away.
func (r *recorder) interval() (ingest, read []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ingest, read = r.ingest, r.read
	r.ingest, r.read = nil, nil
	return ingest, read
}

// pct is the p-th percentile of d (sorted here), in milliseconds.
func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*p/100+0.999999) - 1
	return float64(d[min(max(i, 0), len(d)-1)].Microseconds()) / 1000
}

type soaker struct {
	o       options
	base    string
	hc      *http.Client
	rec     *recorder
	start   time.Time
	pid     int
	otlp    bool
	search  bool
	version string
}

func soak(o options) (bool, error) {
	dir, err := os.MkdirTemp("", "amsoak")
	if err != nil {
		return false, err
	}
	if o.keep {
		fmt.Printf("database folder kept: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return false, err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	// The server writes a heap profile at its shutdown, for a look at what the memory holds.
	cmd := exec.Command(o.bin, "serve", "--memprofile", filepath.Join(o.out, "heap.pprof"))
	cmd.Env = append(os.Environ(),
		"AGENTMONITOR_DB_PATH="+filepath.Join(dir, "soak.db"),
		"AGENTMONITOR_DATA_DIR="+dir,
		"AGENTMONITOR_HOST=127.0.0.1",
		"AGENTMONITOR_PORT="+port,
		"AGENTMONITOR_TOKEN=",
		"AGENTMONITOR_AUTO_IMPORT_MINUTES=0",
		"AGENTMONITOR_STATS_INTERVAL=1000",
		"AGENTMONITOR_PROJECTS_DIR="+dir)
	logFile, err := os.Create(filepath.Join(o.out, "server.log"))
	if err != nil {
		return false, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("start %s: %w", o.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	s := &soaker{o: o, base: "http://127.0.0.1:" + port, rec: newRecorder(o.sseClients), pid: cmd.Process.Pid,
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if err := s.waitHealthy(exited); err != nil {
		return false, err
	}
	s.otlp = o.otlpEvery > 0 && s.status(http.MethodPost, "/v1/logs", `{"resourceLogs":[]}`) == http.StatusOK
	s.search = s.status(http.MethodGet, "/api/search?q=soak", "") == http.StatusOK

	csvFile, err := os.Create(filepath.Join(o.out, "soak.csv"))
	if err != nil {
		return false, err
	}
	defer csvFile.Close()
	cw := csv.NewWriter(csvFile)
	_ = cw.Write(csvHeader)

	fmt.Printf("amsoak: %s (version %s) for %s on %d cores, sampling every %s; OTLP %v, search %v\n",
		o.bin, s.version, o.duration, runtime.NumCPU(), o.interval, s.otlp, s.search)
	// Listeners stop after the load: they must see the last acknowledged events too.
	listen, stopListening := context.WithCancel(context.Background())
	defer stopListening()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg, listeners sync.WaitGroup
	s.start = time.Now()
	for i := range o.sseClients {
		listeners.Go(func() { s.sseSteady(listen, i) })
	}
	// The steady clients listen before the first event, so each should see every one.
	for deadline := time.Now().Add(10 * time.Second); s.rec.sseClients.Load() < int64(o.sseClients) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	s.start = time.Now()
	if o.sseChurn > 0 {
		wg.Go(func() { s.sseChurning(ctx) })
	}
	for i := range o.batchWorkers {
		wg.Go(func() { s.poster(ctx, "batch", i, o.batchSize, o.batchEvery) })
	}
	for i := range o.singleWorkers {
		wg.Go(func() { s.poster(ctx, "single", i, 1, o.singleEvery) })
	}
	if s.otlp {
		wg.Go(func() { s.otlpPoster(ctx) })
	}
	for i := range o.readers {
		wg.Go(func() { s.reader(ctx, i) })
	}

	// Memory is read ten times an interval and averaged: one reading lands anywhere in a GC
	// cycle, which moves the heap by more than the growth the soak looks for.
	var samples []sample
	tick := time.NewTicker(o.interval / memReadings)
	var mem memory
	var lastAcked int64
	lastAt := time.Duration(0)
	for n := int((o.duration + o.interval/2) / o.interval); len(samples) < n; {
		select {
		case <-tick.C:
		case err := <-exited:
			stopped = true
			return false, fmt.Errorf("the server exited during the soak: %v (see %s)", err, logFile.Name())
		}
		if mem.read(s.pid); mem.n < memReadings {
			continue
		}
		sm := s.sample(lastAcked, lastAt)
		sm.rssMB, sm.anonMB, sm.fileMB = mem.rss/mem.n/1024, mem.anon/mem.n/1024, mem.file/mem.n/1024
		mem = memory{}
		lastAcked, lastAt = sm.acked, sm.at
		samples = append(samples, sm)
		_ = cw.Write(sm.row())
		cw.Flush()
		fmt.Printf("%7.0fs  rss %6.1f MB  anon %5.1f MB  live heap %5.1f MB  goroutines %4d  fds %3d  db %7.1f MB  acked %9d  %6.0f ev/s  ingest p99 %7.2f ms  read p99 %7.2f ms  errors %d\n",
			sm.at.Seconds(), sm.rssMB, sm.anonMB, sm.liveHeapMB, sm.goroutines, sm.fds, sm.dbMB, sm.acked, sm.eventsPerSec, sm.ingest99, sm.read99, sm.errors)
	}
	tick.Stop()
	cancel()
	wg.Wait()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s.sseBehind() == 0 {
			break
		}
	}
	stopListening()
	listeners.Wait()

	lost, stored, verr := s.verify()
	if verr != nil {
		s.rec.fail("verify: %v", verr)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(30 * time.Second):
		exitErr = errors.New("did not stop within 30 s of SIGINT")
		_ = cmd.Process.Kill()
		<-exited
	}
	stopped = true

	sum := s.summarize(samples, lost, stored, exitErr)
	fmt.Print(sum.text)
	svg := plotSVG(samples, sum.title)
	svgPath := filepath.Join(o.out, "soak.svg")
	if err := os.WriteFile(svgPath, svg, 0o644); err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(o.out, "summary.txt"), []byte(sum.text), 0o644); err != nil {
		return false, err
	}
	fmt.Printf("wrote %s, %s, %s\n", csvFile.Name(), svgPath, filepath.Join(o.out, "summary.txt"))
	return sum.passed, nil
}

func (s *soaker) waitHealthy(exited <-chan error) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited at start: %v", err)
		default:
		}
		resp, err := s.hc.Get(s.base + "/api/health")
		if err == nil {
			var h struct{ Version string }
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.version = h.Version
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server did not answer /api/health within 20 s")
}

func (s *soaker) status(method, path, body string) int {
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// session is a client's current session: a new one every sessionEvery.
func (s *soaker) session(kind string, worker int) string {
	return fmt.Sprintf("soak-%s%d-%d", kind, worker, int(time.Since(s.start)/s.o.sessionEvery))
}

var (
	tools    = []string{"Bash", "Read", "Edit", "Grep", "Write", "Glob"}
	words    = strings.Fields("index writer commit session transcript stream bucket rollup cursor latency fsync batch gopher handler router sweep")
	models   = []string{"claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "gpt-5-codex"}
	projects = []string{"webapp", "api-server", "infra", "docs"}
)

// event is one realistic event: mostly tool calls, with prompts, model responses and file edits.
func event(rng *rand.Rand, id, session string) map[string]any {
	e := map[string]any{"event_id": id, "session_id": session, "project": projects[rng.IntN(len(projects))],
		"agent_type": []string{"claude_code", "codex"}[rng.IntN(2)]}
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	switch k := rng.IntN(10); {
	case k < 6:
		tool := tools[rng.IntN(len(tools))]
		e["event_type"], e["tool_name"], e["duration_ms"] = "tool_use", tool, 5+rng.IntN(4000)
		e["metadata"] = map[string]any{"command": "go test ./... -run " + text(2), "file_path": "/home/dev/src/" + text(1) + "/main.go",
			"output": text(40)}
		if rng.IntN(20) == 0 {
			e["status"] = "error"
		}
	case k < 7:
		e["event_type"], e["metadata"] = "user_prompt", map[string]any{"message": "please " + text(25)}
	case k < 9:
		e["event_type"], e["model"] = "llm_response", models[rng.IntN(len(models))]
		e["tokens_in"], e["tokens_out"], e["cache_read_tokens"] = 500+rng.IntN(20000), 50+rng.IntN(3000), rng.IntN(50000)
		e["metadata"] = map[string]any{"content_preview": text(30)}
	default:
		e["event_type"], e["tool_name"] = "file_change", "Edit"
		e["metadata"] = map[string]any{"file_path": "/home/dev/src/" + text(1) + ".go", "lines_added": rng.IntN(80), "lines_removed": rng.IntN(40)}
	}
	return e
}

// poster posts events of one kind (batch: n per post to /api/events/batch; single: one to
// /api/events) every pause and records what was acknowledged.
func (s *soaker) poster(ctx context.Context, kind string, worker, n int, pause time.Duration) {
	rng := rand.New(rand.NewPCG(uint64(worker), uint64(len(kind))))
	tick := time.NewTicker(pause)
	defer tick.Stop()
	for seq := 0; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		session := s.session(kind, worker)
		ids := make([]string, n)
		events := make([]any, n)
		for j := range events {
			ids[j] = fmt.Sprintf("%s%d-%d-%d", kind, worker, seq, j)
			events[j] = event(rng, ids[j], session)
		}
		path, body := "/api/events", any(events[0])
		if kind == "batch" {
			path, body = "/api/events/batch", map[string]any{"events": events}
		}
		b, _ := json.Marshal(body)
		var res struct {
			Received   int   `json:"received"`
			Duplicates int   `json:"duplicates"`
			Rejected   []any `json:"rejected"`
		}
		status, err := s.do(true, http.MethodPost, path, b, &res)
		switch {
		case err != nil:
			s.rec.fail("POST %s: %v", path, err)
		case status != http.StatusCreated || res.Received != n || res.Duplicates != 0 || len(res.Rejected) != 0:
			s.rec.fail("POST %s: status %d, received %d of %d, %d duplicates, %d rejected", path, status, res.Received, n, res.Duplicates, len(res.Rejected))
		default:
			s.rec.ack(kind, session, ids, false)
		}
	}
}

// otlpPoster exports OTLP/JSON logs to /v1/logs: Claude Code tool results, each with its own
// tool_use_id, which the server keeps in metadata.
func (s *soaker) otlpPoster(ctx context.Context) {
	tick := time.NewTicker(s.o.otlpEvery)
	defer tick.Stop()
	str := func(k, v string) map[string]any {
		return map[string]any{"key": k, "value": map[string]any{"stringValue": v}}
	}
	for seq := 0; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		session := s.session("otlp", 0)
		ids := make([]string, s.o.otlpRecords)
		records := make([]any, len(ids))
		now := time.Now().UnixNano()
		for j := range records {
			ids[j] = fmt.Sprintf("toolu_soak_%d_%d", seq, j)
			records[j] = map[string]any{"timeUnixNano": strconv.FormatInt(now, 10), "attributes": []any{
				str("session.id", session), str("event.name", "claude_code.tool_result"),
				str("tool_name", tools[j%len(tools)]), str("tool_use_id", ids[j]), str("success", "true"),
				str("duration_ms", strconv.Itoa(10+j)),
			}}
		}
		body, _ := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
			"resource":  map[string]any{"attributes": []any{str("service.name", "claude-code")}},
			"scopeLogs": []any{map[string]any{"logRecords": records}},
		}}})
		status, err := s.do(true, http.MethodPost, "/v1/logs", body, nil)
		switch {
		case err != nil:
			s.rec.fail("POST /v1/logs: %v", err)
		case status != http.StatusOK:
			s.rec.fail("POST /v1/logs: status %d", status)
		default:
			s.rec.ack("otlp", session, ids, true)
		}
	}
}

// reader walks the query routes, one request every pause.
func (s *soaker) reader(ctx context.Context, worker int) {
	rng := rand.New(rand.NewPCG(uint64(worker), 99))
	tick := time.NewTicker(s.o.readEvery)
	defer tick.Stop()
	fixed := []string{"/api/health", "/api/stats", "/api/sessions?limit=20", "/api/events?limit=50",
		"/api/stats/tools", "/api/stats/cost", "/api/stats/usage-monitor", "/api/filter-options",
		"/api/events?event_type=tool_use&limit=20", "/metrics"}
	for i := worker; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		path := fixed[i%len(fixed)]
		switch i % (len(fixed) + 3) {
		case len(fixed):
			path = "/api/sessions/" + s.session("single", rng.IntN(max(s.o.singleWorkers, 1))) + "?event_limit=20"
		case len(fixed) + 1:
			path = "/api/sessions/" + s.session("single", rng.IntN(max(s.o.singleWorkers, 1))) + "/transcript"
		case len(fixed) + 2:
			if s.search {
				path = "/api/search?q=" + words[rng.IntN(len(words))] + "&limit=20"
			}
		}
		status, err := s.do(false, http.MethodGet, path, nil, nil)
		switch {
		case err != nil:
			s.rec.fail("GET %s: %v", path, err)
		case status == http.StatusNotFound && strings.Contains(path, "/transcript") || status == http.StatusNotFound && strings.HasPrefix(path, "/api/sessions/"):
			// a session that has no event yet (the poster has not posted in this period)
		case status != http.StatusOK:
			s.rec.fail("GET %s: status %d", path, status)
		}
	}
}

// do sends one request, times it and decodes a JSON answer into v when v is not nil.
func (s *soaker) do(ingest bool, method, path string, body []byte, v any) (int, error) {
	s.rec.requests.Add(1)
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil {
		err = json.NewDecoder(resp.Body).Decode(v)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	s.rec.took(ingest, time.Since(start))
	return resp.StatusCode, err
}

// sseBehind is how many acknowledged events the slowest steady SSE client has not seen yet.
func (s *soaker) sseBehind() int64 {
	var behind int64
	for i := range s.rec.sseFramesPerClient {
		behind = max(behind, s.rec.ackedN.Load()-s.rec.sseFramesPerClient[i].Load())
	}
	return behind
}

// sseSteady stays connected for the whole soak, counting event frames; a stream that ends early
// is an error, and the client connects again.
func (s *soaker) sseSteady(ctx context.Context, i int) {
	for ctx.Err() == nil {
		err := s.sse(ctx, &s.rec.sseFramesPerClient[i])
		if ctx.Err() == nil {
			s.rec.sseUnexpectedCloses.Add(1)
			s.rec.fail("SSE client %d: stream ended: %v", i, err)
			time.Sleep(time.Second)
		}
	}
}

// sseChurning connects, listens for sseChurn, disconnects and connects again, as browser tabs do.
func (s *soaker) sseChurning(ctx context.Context) {
	var frames atomic.Int64
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, s.o.sseChurn)
		err := s.sse(cctx, &frames)
		if cctx.Err() == nil {
			s.rec.sseUnexpectedCloses.Add(1)
			s.rec.fail("reconnecting SSE client: stream ended: %v", err)
		}
		cancel()
	}
}

// sse reads one stream until it ends or ctx is done.
func (s *soaker) sse(ctx context.Context, frames *atomic.Int64) error {
	s.rec.requests.Add(1)
	s.rec.sseConnects.Add(1)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/api/stream", nil)
	resp, err := (&http.Client{}).Do(req) // no timeout: the stream lasts
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	s.rec.sseClients.Add(1)
	defer s.rec.sseClients.Add(-1)
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	prefix := []byte(`data: {"type":"event"`)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			return err
		}
		if bytes.HasPrefix(line, prefix) {
			frames.Add(1)
			s.rec.sseFrames.Add(1)
		}
	}
}

// sample reads the server's state and this interval's latencies.
func (s *soaker) sample(lastAcked int64, lastAt time.Duration) sample {
	sm := sample{at: time.Since(s.start)}
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid)); err == nil {
		sm.fds = len(fds)
	}
	if m, err := s.scrape(); err == nil {
		sm.goroutines = int(m["go_goroutines"])
		sm.liveHeapMB = m["go_gc_heap_live_bytes"] / 1e6
		sm.dbMB = m["agentmonitor_db_size_bytes"] / 1e6
	} else {
		s.rec.fail("GET /metrics: %v", err)
	}
	ingest, read := s.rec.interval()
	sm.ingest50, sm.ingest95, sm.ingest99 = pct(ingest, 50), pct(ingest, 95), pct(ingest, 99)
	sm.read50, sm.read99 = pct(read, 50), pct(read, 99)
	sm.acked = s.rec.ackedN.Load()
	if d := (sm.at - lastAt).Seconds(); d > 0 {
		sm.eventsPerSec = float64(sm.acked-lastAcked) / d
	}
	sm.requests, sm.errors = s.rec.requests.Load(), s.rec.errors.Load()
	sm.sseFrames, sm.sseClients = s.rec.sseFrames.Load(), s.rec.sseClients.Load()
	return sm
}

// scrape reads the unlabelled samples of /metrics.
func (s *soaker) scrape() (map[string]float64, error) {
	resp, err := s.hc.Get(s.base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// memReadings is how many times an interval the server's memory is read.
const memReadings = 10

// memory sums readings of the server's resident memory, in KiB.
type memory struct{ rss, anon, file, n float64 }

func (m *memory) read(pid int) {
	m.rss += procStatus(pid, "VmRSS")
	m.anon += procStatus(pid, "RssAnon")
	m.file += procStatus(pid, "RssFile")
	m.n++
}

// procStatus reads a memory line (VmRSS, RssAnon) of /proc/<pid>/status in KiB; 0 without /proc.
func procStatus(pid int, field string) float64 {
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

// verify reads every session the soak wrote to through GET /api/events and counts the
// acknowledged ids missing from it; stored is the server's event count.
func (s *soaker) verify() (lost, stored int64, err error) {
	s.rec.mu.Lock()
	acked := s.rec.acked
	otlp := s.rec.otlpSessions
	s.rec.mu.Unlock()
	hc := &http.Client{Timeout: 5 * time.Minute}
	for _, session := range slices.Sorted(maps.Keys(acked)) {
		resp, err := hc.Get(s.base + "/api/events?limit=-1&session_id=" + session)
		if err != nil {
			return 0, 0, err
		}
		var list struct {
			Events []struct {
				EventID  *string `json:"event_id"`
				Metadata string  `json:"metadata"`
			} `json:"events"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET /api/events?session_id=%s: status %d: %v", session, resp.StatusCode, err)
		}
		have := make(map[string]bool, len(list.Events))
		for _, e := range list.Events {
			switch {
			case otlp[session]:
				var md struct {
					ToolUseID string `json:"tool_use_id"`
				}
				_ = json.Unmarshal([]byte(e.Metadata), &md)
				have[md.ToolUseID] = true
			case e.EventID != nil:
				have[*e.EventID] = true
			}
		}
		for _, id := range acked[session] {
			if !have[id] {
				lost++
				if lost <= 5 {
					s.rec.fail("lost event %s of session %s", id, session)
				}
			}
		}
	}
	var h struct {
		EventsStored int64 `json:"events_stored"`
	}
	resp, err := hc.Get(s.base + "/api/health")
	if err != nil {
		return lost, 0, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	return lost, h.EventsStored, err
}
