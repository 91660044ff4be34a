package api

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/kv"
)

// ingestEndpoints name the ingest routes (POST) whose answer time is measured.
var ingestEndpoints = map[string]string{
	"/api/events":          "events",
	"/api/events/batch":    "batch",
	"/api/otel/v1/logs":    "otlp_logs",
	"/api/otel/v1/metrics": "otlp_metrics",
	"/api/otel/v1/traces":  "otlp_traces",
	"/v1/logs":             "otlp_logs",
	"/v1/metrics":          "otlp_metrics",
	"/v1/traces":           "otlp_traces",
}

// latencyBuckets are the upper bounds, in seconds, of the ingest latency histogram: an ingest
// answers after its commit's fsync, a fraction of a millisecond to a few on a laptop's disk.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// maxLabelValues bounds the series per label: source is any string a client sends, so past this
// many values the rarest are summed under "_other".
const maxLabelValues = 100

// histogram counts durations per latencyBuckets bound (not cumulative), then the +Inf bucket.
type histogram struct {
	counts []atomic.Uint64
	sum    atomic.Int64 // nanoseconds
}

func newHistogram() *histogram {
	return &histogram{counts: make([]atomic.Uint64, len(latencyBuckets)+1)}
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, s) // the first bound ≥ s
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

// serverMetrics are the counts kept by the API itself; the rest of /metrics is read from the
// store, the hub and the index when scraped.
type serverMetrics struct {
	ingest map[string]*histogram // by endpoint name; fixed at construction, so read without a lock

	mu      sync.Mutex
	imports importTotals
}

type importTotals struct {
	runs, filesScanned, filesSkipped, filesFailed, bytesRead int64
	events, duplicates, malformed, oversized                 int64
}

func newServerMetrics() *serverMetrics {
	m := &serverMetrics{ingest: map[string]*histogram{}}
	for _, name := range ingestEndpoints {
		if m.ingest[name] == nil {
			m.ingest[name] = newHistogram()
		}
	}
	return m
}

// imported adds an import run's summary (a dry run reads files too, but stores nothing, and is
// left out).
func (m *serverMetrics) imported(sum importer.Summary) {
	if sum.DryRun {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &m.imports
	t.runs++
	t.filesScanned += int64(sum.FilesScanned)
	t.filesSkipped += int64(sum.FilesSkipped)
	t.filesFailed += int64(sum.FilesFailed)
	t.bytesRead += sum.BytesRead
	t.events += int64(sum.EventsImported)
	t.duplicates += int64(sum.Duplicates)
	t.malformed += int64(sum.MalformedLines)
	t.oversized += int64(sum.OversizedLines)
}

// timeIngest measures the answer time of the ingest routes, from the first handler to the last
// byte handed to the connection.
func (s *Server) timeIngest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := s.metrics.ingest[ingestEndpoints[r.URL.Path]]
		if h == nil || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		next.ServeHTTP(w, r)
		h.observe(time.Since(start))
	})
}

// serveMetrics answers GET /metrics in the Prometheus text exposition format, version 0.0.4
// (CONTRACT 18.6). The guard limits it to loopback or token holders like every route.
func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	var b bytes.Buffer
	p := promWriter{&b}

	p.head("agentmonitor_build_info", "gauge", "The running build: version and Go version; always 1.")
	p.sample("agentmonitor_build_info", labels("version", s.cfg.Version, "goversion", runtime.Version()), 1)

	ws := s.store.WriterStats()
	p.head("agentmonitor_events_ingested_by_source_total", "counter", "Events stored since start, by source.")
	for _, kv := range topValues(ws.EventsBySource) {
		p.sample("agentmonitor_events_ingested_by_source_total", labels("source", kv.key), float64(kv.n))
	}
	p.head("agentmonitor_events_ingested_by_type_total", "counter", "Events stored since start, by event type.")
	for _, kv := range topValues(ws.EventsByType) {
		p.sample("agentmonitor_events_ingested_by_type_total", labels("event_type", kv.key), float64(kv.n))
	}
	p.gauge("agentmonitor_events_stored", "Events in the database.", float64(s.store.EventsStored()))
	var cutoff float64
	if t := s.store.RetainedFrom(); !t.IsZero() {
		cutoff = float64(t.Unix())
	}
	p.gauge("agentmonitor_retained_from_timestamp_seconds", "Retention cutoff: no event created before it is kept (0: none dropped).", cutoff)

	p.head("agentmonitor_ingest_duration_seconds", "histogram", "Time to answer an ingest request, its commit and fsync included, by endpoint.")
	for _, name := range slices.Sorted(maps.Keys(s.metrics.ingest)) {
		h := s.metrics.ingest[name]
		var cum uint64
		for i := range h.counts {
			cum += h.counts[i].Load()
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = formatFloat(latencyBuckets[i])
			}
			p.sample("agentmonitor_ingest_duration_seconds_bucket", labels("endpoint", name, "le", le), float64(cum))
		}
		p.sample("agentmonitor_ingest_duration_seconds_sum", labels("endpoint", name), time.Duration(h.sum.Load()).Seconds())
		p.sample("agentmonitor_ingest_duration_seconds_count", labels("endpoint", name), float64(cum))
	}

	p.head("agentmonitor_commit_events", "histogram", "Events stored per write transaction (group commit batch size).")
	for i, n := range ws.CommitSizes {
		le := "+Inf"
		if i < len(kv.CommitBuckets) {
			le = strconv.Itoa(kv.CommitBuckets[i])
		}
		p.sample("agentmonitor_commit_events_bucket", labels("le", le), float64(n))
	}
	if ws.CommitSizes == nil { // no commit yet: the histogram still has its buckets
		for _, bound := range kv.CommitBuckets {
			p.sample("agentmonitor_commit_events_bucket", labels("le", strconv.Itoa(bound)), 0)
		}
		p.sample("agentmonitor_commit_events_bucket", labels("le", "+Inf"), 0)
	}
	p.sample("agentmonitor_commit_events_sum", "", float64(ws.Events))
	p.sample("agentmonitor_commit_events_count", "", float64(ws.Commits))
	p.counter("agentmonitor_commits_total", "Write transactions committed.", float64(ws.Commits))
	p.counter("agentmonitor_commit_failures_total", "Write transactions that failed.", float64(ws.Failed))
	p.counter("agentmonitor_commit_seconds_total", "Time spent in write transactions, fsync included.", ws.CommitTime.Seconds())
	p.counter("agentmonitor_fsync_seconds_total", "Time bbolt spent writing committed pages to the file and syncing it.", ws.SyncTime.Seconds())
	p.counter("agentmonitor_db_reopens_total", "Times the database file was closed and opened again to release bbolt's allocation records.", float64(ws.Reopens))
	p.gauge("agentmonitor_db_size_bytes", "Size of the database file.", float64(s.store.Size()))

	p.gauge("agentmonitor_sse_clients", "Connected /api/stream clients.", float64(s.hub.Clients()))
	p.counter("agentmonitor_sse_dropped_total", "Stream clients dropped because their queue was full.", float64(s.hub.Dropped()))

	if s.idx != nil {
		indexed := s.idx.Indexed()
		p.gauge("agentmonitor_index_events", "Events in the search index.", float64(indexed))
		p.gauge("agentmonitor_index_lag_events", "Stored events not yet in the search index.", float64(max(0, s.store.EventsStored()-indexed)))
	}

	s.metrics.mu.Lock()
	t := s.metrics.imports
	s.metrics.mu.Unlock()
	p.counter("agentmonitor_import_runs_total", "Imports of agent history run (dry runs left out).", float64(t.runs))
	p.counter("agentmonitor_import_files_scanned_total", "History files found by imports.", float64(t.filesScanned))
	p.counter("agentmonitor_import_files_skipped_total", "History files unchanged since the last import, not read.", float64(t.filesSkipped))
	p.counter("agentmonitor_import_files_failed_total", "History files that could not be read.", float64(t.filesFailed))
	p.counter("agentmonitor_import_bytes_read_total", "Bytes of history read.", float64(t.bytesRead))
	p.counter("agentmonitor_import_events_total", "Events imported from history.", float64(t.events))
	p.counter("agentmonitor_import_duplicates_total", "History events found already stored.", float64(t.duplicates))
	p.counter("agentmonitor_import_malformed_lines_total", "History lines that did not parse.", float64(t.malformed))
	p.counter("agentmonitor_import_oversized_lines_total", "History lines over the size limit, skipped.", float64(t.oversized))

	writeRuntimeMetrics(p, s.started)

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b.Bytes())
}

// runtimeSamples are the Go runtime's numbers exported, read without stopping the world.
var runtimeSamples = []struct{ runtime, name, typ, help string }{
	{"/sched/goroutines:goroutines", "go_goroutines", "gauge", "Goroutines that currently exist."},
	{"/memory/classes/heap/objects:bytes", "go_memstats_heap_alloc_bytes", "gauge", "Bytes of allocated heap objects."},
	{"/gc/heap/live:bytes", "go_gc_heap_live_bytes", "gauge", "Heap bytes found live by the last garbage collection."},
	{"/memory/classes/total:bytes", "go_memstats_sys_bytes", "gauge", "Bytes of memory obtained from the system."},
	{"/gc/cycles/total:gc-cycles", "go_gc_cycles_total", "counter", "Completed garbage collection cycles."},
}

func writeRuntimeMetrics(p promWriter, started time.Time) {
	samples := make([]metrics.Sample, len(runtimeSamples))
	for i, r := range runtimeSamples {
		samples[i].Name = r.runtime
	}
	metrics.Read(samples)
	for i, r := range runtimeSamples {
		var v float64
		switch samples[i].Value.Kind() {
		case metrics.KindUint64:
			v = float64(samples[i].Value.Uint64())
		case metrics.KindFloat64:
			v = samples[i].Value.Float64()
		default:
			continue // not known to this Go version
		}
		p.head(r.name, r.typ, r.help)
		p.sample(r.name, "", v)
	}
	p.gauge("process_start_time_seconds", "Start time of the server since the Unix epoch.", float64(started.UnixMilli())/1000)
	if rss, ok := residentBytes(); ok {
		p.gauge("process_resident_memory_bytes", "Resident memory of the process.", float64(rss))
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		p.gauge("process_open_fds", "Open file descriptors.", float64(len(fds)))
	}
}

// residentBytes reads the resident set size from /proc (Linux only).
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

type labelCount struct {
	key string
	n   int64
}

// topValues returns the counts sorted by key, the largest maxLabelValues of them kept and the rest
// summed under "_other".
func topValues(m map[string]int64) []labelCount {
	out := make([]labelCount, 0, len(m))
	for k, n := range m {
		out = append(out, labelCount{k, n})
	}
	if len(out) > maxLabelValues {
		slices.SortFunc(out, func(a, b labelCount) int { return cmp.Compare(b.n, a.n) })
		other := labelCount{key: "_other"}
		for _, kv := range out[maxLabelValues:] {
			other.n += kv.n
		}
		out = append(out[:maxLabelValues], other)
	}
	slices.SortFunc(out, func(a, b labelCount) int { return strings.Compare(a.key, b.key) })
	return out
}

// promWriter writes the text exposition format.
type promWriter struct{ b *bytes.Buffer }

func (p promWriter) head(name, typ, help string) {
	fmt.Fprintf(p.b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one line; lbls is "" or `{a="x",...}` as labels builds it.
func (p promWriter) sample(name, lbls string, v float64) {
	p.b.WriteString(name)
	p.b.WriteString(lbls)
	p.b.WriteByte(' ')
	p.b.WriteString(formatFloat(v))
	p.b.WriteByte('\n')
}

func (p promWriter) gauge(name, help string, v float64) {
	p.head(name, "gauge", help)
	p.sample(name, "", v)
}

func (p promWriter) counter(name, help string, v float64) {
	p.head(name, "counter", help)
	p.sample(name, "", v)
}

// labels formats name/value pairs, escaping values as the format requires.
func labels(pairs ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(pairs[i])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(pairs[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
