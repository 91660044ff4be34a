package kv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// benchInput is a typical tool call: a session, tool, model, tokens, cost, a few metadata keys.
func benchInput(i int) contract.Input {
	cost := 0.0123
	return contract.Input{
		EventID: fmt.Sprintf("bench-%d", i), SessionID: fmt.Sprintf("session-%d", i%97),
		AgentType: []string{"claude_code", "codex"}[i%2], EventType: "tool_use",
		ToolName: []string{"Bash", "Read", "Edit", "Grep"}[i%4], Status: "success", Source: "api",
		Project: "bench", Model: "claude-sonnet-4-5-20250929", TokensIn: 1200, TokensOut: 340,
		DurationMS: 87, CostUSD: &cost, CostSource: contract.CostAuto,
		Metadata: `{"command":"go test ./... -run TestSomething -count=1","file_path":"/home/dev/src/bench/internal/server/handler.go"}`,
	}
}

// BenchmarkIngest measures the writer alone: each batch is one commit with fsync. Reports
// events/s and the pages written per commit.
func BenchmarkIngest(b *testing.B) {
	for _, batch := range []int{16, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := openTest(b, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ingest(b, s, benchInput(1<<30)) // past the first commit's bucket creation
			before := s.db.Load().Stats().TxStats
			ins := make([]contract.Input, batch)
			b.ResetTimer()
			for i := range b.N {
				for j := range ins {
					ins[j] = benchInput(i*batch + j)
				}
				ingest(b, s, ins...)
			}
			b.StopTimer()
			st := s.db.Load().Stats().TxStats
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(st.GetWrite()-before.GetWrite())/float64(b.N), "writes/commit")
			b.ReportMetric(float64((st.GetWriteTime()-before.GetWriteTime()).Microseconds())/float64(b.N), "write-µs/commit")
		})
	}
}

// BenchmarkRetainCompactRecalc measures the maintenance commands on 200,000 typical events, half
// of them a day old: dropping that half, compacting the file, and re-pricing the rest. Reports
// events/s for the drop and the recalculation, MB/s (of the file before) for the compaction, and
// the file sizes.
func BenchmarkRetainCompactRecalc(b *testing.B) {
	const n = 200_000
	for range b.N {
		b.StopTimer()
		start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		c := &clock{t: start}
		s := openTest(b, Options{Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
		ins := make([]contract.Input, 1000)
		for i := 0; i < n; i += len(ins) {
			if i == n/2 {
				c.Set(start.Add(24 * time.Hour))
			}
			for j := range ins {
				ins[j] = benchInput(i + j)
			}
			ingest(b, s, ins...)
		}
		ctx := context.Background()
		b.StartTimer()

		t0 := time.Now()
		dropped, err := s.DropBefore(ctx, c.Now())
		if err != nil || dropped != n/2 {
			b.Fatalf("dropped %d: %v", dropped, err)
		}
		drop := time.Since(t0)
		rep, err := s.Compact(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		price := func(string, int64, int64, int64, int64) (float64, bool) { return 0.02, true }
		rc, err := s.Recalc(ctx, Recalc{Price: price})
		if err != nil || rc.Changed != n/2 {
			b.Fatalf("recalc changed %d: %v", rc.Changed, err)
		}
		recalc := time.Since(t0)

		b.ReportMetric(float64(dropped)/drop.Seconds(), "dropped-events/s")
		b.ReportMetric(float64(rep.SizeBefore)/1e6/(float64(rep.TookMS)/1000), "compact-MB/s")
		b.ReportMetric(float64(rep.SizeBefore)/1e6, "MB-before")
		b.ReportMetric(float64(rep.SizeAfter)/1e6, "MB-after")
		b.ReportMetric(float64(rc.Changed)/recalc.Seconds(), "repriced-events/s")
	}
}
