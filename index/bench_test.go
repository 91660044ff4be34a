package index_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

// BenchmarkSearch seeds typical events through the store's writer (100,000 by default;
// AGENTMONITOR_BENCH_EVENTS=1000000 for the 1M figures of make bench), spread over 30 days and 1
// session per 1,000 events, builds the index from scratch and reports indexing docs/s and index
// MiB per 100k events; then each iteration is one search of text + 2 filters + a 7-day range,
// newest first, 50 rows, and the p50/p95 latencies are reported.
//
//	AGENTMONITOR_BENCH_EVENTS=1000000 go test -run '^$' -bench Search -benchtime 200x -timeout 30m ./index
func BenchmarkSearch(b *testing.B) {
	if bench == nil {
		bench = seedBench(b)
	}
	x, v, rate, perHundredK, now := bench.x, bench.v, bench.rate, bench.perHundredK, bench.now
	since := now.Add(-7 * 24 * time.Hour)
	// Words of falling frequency (in about 40%, 15%, 5% and 0.5% of the texts), a phrase of the two
	// most common words and two words, each with two filters and a 7-day range.
	queries := []string{v.words[3], v.words[10], v.words[40], v.words[200],
		`"` + v.words[1] + " " + v.words[2] + `"`, v.words[5] + " " + v.words[30]}
	f := index.Filters{AgentType: "claude_code", Project: "project-04", Since: &since}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	each := make([][]time.Duration, len(queries))
	hits := make([]uint64, len(queries))
	b.ResetTimer()
	for i := range b.N {
		k := i % len(queries)
		q0 := time.Now()
		res, err := x.Search(ctx, queries[k], f, 50, 0, index.SortRecent)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(q0)
		lat = append(lat, d)
		each[k] = append(each[k], d)
		hits[k] = res.Total
	}
	b.StopTimer()
	pct := func(lat []time.Duration, p int) float64 {
		slices.Sort(lat)
		return float64(lat[min((len(lat)*p+99)/100, len(lat))-1].Microseconds()) / 1000
	}
	for k, q := range queries {
		if len(each[k]) > 0 {
			b.Logf("%-24s %6d hits  p50 %6.2f ms  p95 %6.2f ms", q, hits[k], pct(each[k], 50), pct(each[k], 95))
		}
	}
	b.ReportMetric(rate, "docs/s")
	b.ReportMetric(perHundredK, "MiB/100k")
	b.ReportMetric(pct(lat, 50), "p50-ms")
	b.ReportMetric(pct(lat, 95), "p95-ms")
}

// benchFixture is the seeded store and its index, built once for all rounds of the benchmark.
type benchFixture struct {
	dir               string
	store             *kv.Store
	x                 *index.Index
	v                 *vocabulary
	rate, perHundredK float64
	now               time.Time
}

var bench *benchFixture

func seedBench(b *testing.B) *benchFixture {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("AGENTMONITOR_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200) // as cmd/agentmonitor runs
	}
	dir, err := os.MkdirTemp("", "agentmonitor-index-bench")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	var now time.Time
	store, err := kv.Open(kv.Options{Path: filepath.Join(dir, "am.db"), Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	v := newVocabulary(1)
	seedStart := time.Now()
	batch := make([]contract.Input, 0, 2000)
	step := 30 * 24 * time.Hour / time.Duration(n)
	for i := range n {
		batch = append(batch, typicalEvent(v, i, max(n/1000, 1)))
		if len(batch) == cap(batch) || i == n-1 {
			now = start.Add(time.Duration(i) * step)
			ingest(b, store, batch...)
			batch = batch[:0]
		}
	}
	b.Logf("seeded %d events in %v", store.EventsStored(), time.Since(seedStart).Round(time.Millisecond))

	batchSize, _ := strconv.Atoi(os.Getenv("AGENTMONITOR_BENCH_BATCH"))
	x, err := index.Open(store, index.Options{Logger: quiet, BatchSize: batchSize})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	cpu0 := cpuTime()
	if err := x.Rebuild(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.Logf("indexing used %v of CPU: %.0f docs per CPU second", cpu.Round(time.Millisecond), float64(n)/cpu.Seconds())
	}
	// The size once Close has let background merges finish and removed the files they replaced.
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	size := dirSize(b, x.Path())
	if x, err = index.Open(store, index.Options{Logger: quiet}); err != nil {
		b.Fatal(err)
	}
	if x.Indexed() != int64(n) {
		b.Fatalf("reopened index has %d events, want %d", x.Indexed(), n)
	}
	f := &benchFixture{dir: dir, store: store, x: x, v: v, now: now}
	f.rate = float64(n) / took.Seconds()
	f.perHundredK = float64(size) / (1 << 20) * 100_000 / float64(n)
	b.Logf("indexed %d events in %v: %.0f docs/s, index %.1f MiB (%.1f MiB per 100k events)",
		x.Indexed(), took.Round(time.Millisecond), f.rate, float64(size)/(1<<20), f.perHundredK)
	return f
}

func (f *benchFixture) close() {
	f.x.Close()
	f.store.Close()
	os.RemoveAll(f.dir)
}

// TestMain removes the benchmark's data, which outlives one round of it.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		bench.close()
	}
	os.Exit(code)
}

func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
