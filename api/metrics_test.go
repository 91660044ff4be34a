package api_test

import (
	"bytes"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/kv"
)

// scrape GETs /metrics and parses it with Prometheus' own text parser.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	r := h.get("/metrics")
	if r.status != http.StatusOK {
		h.t.Fatalf("GET /metrics: status %d: %s", r.status, clip(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		h.t.Errorf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		h.t.Fatalf("the Prometheus parser rejects /metrics: %v\n%s", err, r.body)
	}
	return fams
}

// metricValue is the value of the sample of name whose labels include want (name=value pairs);
// for a histogram, its count. It fails the test when there is no such sample.
func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	fam := fams[name]
	if fam == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range fam.GetMetric() {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == want[i] && l.GetValue() == want[i+1]
			}
			if !found {
				continue next
			}
		}
		switch fam.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
		t.Fatalf("%s: unexpected type %v", name, fam.GetType())
	}
	t.Fatalf("no sample of %s with %q", name, want)
	return 0
}

// TestMetrics ingests known events through every path, then checks /metrics against them.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	before := h.scrape()
	for _, name := range []string{"agentmonitor_ingest_duration_seconds", "agentmonitor_commit_events"} {
		if fam := before[name]; fam == nil || fam.GetType() != dto.MetricType_HISTOGRAM {
			t.Fatalf("%s is not a histogram before any ingest", name)
		}
	}
	if v := metricValue(t, before, "agentmonitor_commits_total"); v != 0 {
		t.Errorf("commits before any ingest: %v", v)
	}

	stream := h.openStream("")
	for i := range 3 {
		h.store1(ev("m1", "claude_code", "tool_use", "tool_name", "Bash", "event_id", "single-"+string(rune('a'+i))))
	}
	res := h.batch(
		ev("m2", "codex", "llm_request", "source", "hook"),
		ev("m2", "codex", "llm_request", "source", "hook"),
		ev("m2", "codex", "user_prompt", "source", `we"ird\source`),
		ev("m2", "codex", "not_a_type"),
	)
	if res.Received != 3 || len(res.Rejected) != 1 {
		t.Fatalf("batch: %+v", res)
	}
	h.otlpJSON("/v1/logs", oLogs(oAttrs("service.name", "claude_code", "gen_ai.session.id", "m3"),
		oRecord(oAttrs("event.name", "claude_code.tool_result", "gen_ai.tool.name", "Read"))))
	h.ingest(ev("m1", "claude_code", "tool_use", "event_id", "single-a"), http.StatusOK) // a duplicate
	if r := h.post("/api/events", `{"session_id":""}`); r.status != http.StatusBadRequest {
		t.Fatalf("invalid event: %d", r.status)
	}

	fams := h.scrape()
	f := func(name string, want float64, labels ...string) {
		t.Helper()
		if got := metricValue(t, fams, name, labels...); got != want {
			t.Errorf("%s%q = %v, want %v", name, labels, got, want)
		}
	}
	f("agentmonitor_events_ingested_by_source_total", 3, "source", "api")
	f("agentmonitor_events_ingested_by_source_total", 2, "source", "hook")
	f("agentmonitor_events_ingested_by_source_total", 1, "source", `we"ird\source`)
	f("agentmonitor_events_ingested_by_source_total", 1, "source", "otel")
	f("agentmonitor_events_ingested_by_type_total", 4, "event_type", "tool_use")
	f("agentmonitor_events_ingested_by_type_total", 2, "event_type", "llm_request")
	f("agentmonitor_events_ingested_by_type_total", 1, "event_type", "user_prompt")
	f("agentmonitor_events_stored", 7)
	f("agentmonitor_retained_from_timestamp_seconds", 0) // no retention
	// Every POST is timed, refused and duplicate ones too: they are answers the clients waited for.
	f("agentmonitor_ingest_duration_seconds", 5, "endpoint", "events")
	f("agentmonitor_ingest_duration_seconds", 1, "endpoint", "batch")
	f("agentmonitor_ingest_duration_seconds", 1, "endpoint", "otlp_logs")
	f("agentmonitor_ingest_duration_seconds", 0, "endpoint", "otlp_traces")
	f("agentmonitor_sse_clients", 1)
	f("agentmonitor_sse_dropped_total", 0)
	f("agentmonitor_db_size_bytes", float64(h.store.Size()))
	f("agentmonitor_build_info", 1, "version", "test-1.2.3")
	f("agentmonitor_import_runs_total", 0)

	ws := h.store.WriterStats()
	commits := metricValue(t, fams, "agentmonitor_commits_total")
	if commits < 3 || commits != float64(ws.Commits) {
		t.Errorf("commits %v, writer says %d", commits, ws.Commits)
	}
	hist := fams["agentmonitor_commit_events"].GetMetric()[0].GetHistogram()
	if float64(hist.GetSampleCount()) != commits || hist.GetSampleSum() != float64(ws.Events) || ws.Events != 7 {
		t.Errorf("commit histogram count %d sum %v; writer %+v", hist.GetSampleCount(), hist.GetSampleSum(), ws)
	}
	buckets := hist.GetBucket()
	if len(buckets) != len(kv.CommitBuckets)+1 || buckets[0].GetUpperBound() != 1 ||
		!math.IsInf(buckets[len(buckets)-1].GetUpperBound(), 1) {
		t.Fatalf("commit buckets %v, want the bounds %v", buckets, kv.CommitBuckets)
	}
	for i := 1; i < len(buckets); i++ {
		if buckets[i].GetCumulativeCount() < buckets[i-1].GetCumulativeCount() {
			t.Errorf("commit buckets are not cumulative: %v", buckets)
		}
	}
	lat := fams["agentmonitor_ingest_duration_seconds"]
	for _, m := range lat.GetMetric() {
		hg := m.GetHistogram()
		if hg.GetSampleCount() > 0 && (hg.GetSampleSum() <= 0 || hg.GetBucket()[len(hg.GetBucket())-1].GetCumulativeCount() != hg.GetSampleCount()) {
			t.Errorf("latency histogram %v: sum %v, buckets %v", m.GetLabel(), hg.GetSampleSum(), hg.GetBucket())
		}
	}
	for _, name := range []string{"agentmonitor_fsync_seconds_total", "agentmonitor_commit_seconds_total"} {
		if v := metricValue(t, fams, name); v <= 0 {
			t.Errorf("%s = %v after commits", name, v)
		}
	}
	if v := metricValue(t, fams, "go_goroutines"); v < 1 {
		t.Errorf("go_goroutines %v", v)
	}

	stream.Close()
	if r := h.request(http.MethodGet, "/metrics", "", nil, "evil.example:3141"); r.status != http.StatusForbidden {
		t.Errorf("/metrics for a foreign Host: %d, want 403", r.status)
	}
}

// TestMetricsToken: with a token, /metrics needs it like every route (CONTRACT 18.7).
func TestMetricsToken(t *testing.T) {
	h := newHarness(t, withConfig(func(c *api.Config) { c.Token = "s3cret" }))
	if r := h.get("/metrics"); r.status != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", r.status)
	}
	req, _ := http.NewRequest(http.MethodGet, h.ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics with the token: %d", resp.StatusCode)
	}
}

// TestMetricsImport: an import run in the server adds its summary; a dry run does not.
func TestMetricsImport(t *testing.T) {
	fx := importFixtures(t)
	h := newHarness(t)
	body := api.ImportBody{ClaudeDir: filepath.Join(fx, "claude"), CodexDir: filepath.Join(fx, "codex")}
	dry := body
	dry.DryRun = true
	if r := h.post("/api/import", dry); r.status != http.StatusOK {
		t.Fatalf("dry run: %d", r.status)
	}
	var sum importSummary
	r := h.post("/api/import", body)
	r.decode(t, &sum)
	if r.status != http.StatusOK || sum.EventsImported == 0 {
		t.Fatalf("import: %d %+v", r.status, sum)
	}
	fams := h.scrape()
	f := func(name string, want float64) {
		t.Helper()
		if got := metricValue(t, fams, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	f("agentmonitor_import_runs_total", 1)
	f("agentmonitor_import_files_scanned_total", float64(sum.FilesScanned))
	f("agentmonitor_import_events_total", float64(sum.EventsImported))
	f("agentmonitor_import_malformed_lines_total", float64(sum.MalformedLines))
	f("agentmonitor_events_ingested_by_source_total", float64(sum.EventsImported))
	if v := metricValue(t, fams, "agentmonitor_import_bytes_read_total"); v <= 0 {
		t.Errorf("bytes read %v", v)
	}
}

// TestMetricsLabelCap: a client inventing sources cannot grow /metrics without bound.
func TestMetricsLabelCap(t *testing.T) {
	h := newHarness(t)
	var events []any
	for i := range 150 {
		events = append(events, ev("cap", "x", "response", "source", "src-"+strings.Repeat("x", i%3)+string(rune('A'+i%26))+string(rune('a'+i/26))))
	}
	h.batch(events...)
	fams := h.scrape()
	series := fams["agentmonitor_events_ingested_by_source_total"].GetMetric()
	if len(series) != 101 {
		t.Fatalf("%d source series, want 100 and _other", len(series))
	}
	var total float64
	for _, m := range series {
		total += m.GetCounter().GetValue()
	}
	if total != 150 || metricValue(t, fams, "agentmonitor_events_ingested_by_source_total", "source", "_other") != 50 {
		t.Errorf("total %v, _other %v", total, metricValue(t, fams, "agentmonitor_events_ingested_by_source_total", "source", "_other"))
	}
}
