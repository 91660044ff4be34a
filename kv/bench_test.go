package kv

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

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
			before := s.db.Stats().TxStats
			ins := make([]contract.Input, batch)
			b.ResetTimer()
			for i := range b.N {
				for j := range ins {
					ins[j] = benchInput(i*batch + j)
				}
				ingest(b, s, ins...)
			}
			b.StopTimer()
			st := s.db.Stats().TxStats
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(st.GetWrite()-before.GetWrite())/float64(b.N), "writes/commit")
			b.ReportMetric(float64((st.GetWriteTime()-before.GetWriteTime()).Microseconds())/float64(b.N), "write-µs/commit")
		})
	}
}
