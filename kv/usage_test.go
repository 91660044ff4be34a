package kv

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

func point(session, series string, value float64, field string) contract.Input {
	in := ev(session, "claude_code", "llm_response")
	in.Source, in.Model = "otel", "claude-sonnet-4-5-20250929"
	in.Series, in.SeriesValue, in.SeriesField = session+"|"+series, value, field
	in.MetricUsage = true
	return in
}

func TestCumulativeSeries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "am.db")
	c := &clock{t: time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)}
	price := func(model string, in, out, cr, cw int64) (float64, bool) { return float64(in) / 1000, true }
	s, err := Open(Options{Path: path, Now: c.Now, Price: price, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// CONTRACT 16.6 items 22 and 100: 1000, 1500, 1500 → 1000 and 500; series are per session.
	out := ingest(t, s, point("A", "in", 1000, contract.SeriesTokensIn), point("B", "in", 500, contract.SeriesTokensIn),
		point("A", "in", 1500, contract.SeriesTokensIn), point("A", "in", 1500, contract.SeriesTokensIn),
		point("B", "in", 900, contract.SeriesTokensIn), point("A", "cost", 0.25, contract.SeriesCost))
	if !out[3].NoIncrease || out[3].ID != 0 || out[2].NoIncrease {
		t.Fatalf("outcomes: %+v", out)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The state is in the file: after a restart the next point counts from the last one.
	s = openTest(t, Options{Path: path, Now: c.Now, Price: price})
	ingest(t, s, point("A", "in", 1800, contract.SeriesTokensIn), point("A", "cost", 0.75, contract.SeriesCost))
	a, _ := s.Session("A")
	if a.TokensIn != 1800 || a.EventCount != 5 {
		t.Errorf("session A: %d tokens in %d events, want 1800 in 5", a.TokensIn, a.EventCount)
	}
	// Token increases are priced (1.8 by the test's rate), cost increases are taken as sent.
	if a.TotalCostUSD < 2.549 || a.TotalCostUSD > 2.551 {
		t.Errorf("session A cost %v, want 1.8 + 0.75", a.TotalCostUSD)
	}
	if b, _ := s.Session("B"); b.TokensIn != 900 {
		t.Errorf("session B: %d tokens in", b.TokensIn)
	}
	// A series unseen for 7 days starts over.
	c.Set(c.Now().Add(8 * 24 * time.Hour))
	ingest(t, s, point("B", "in", 100, contract.SeriesTokensIn))
	if b, _ := s.Session("B"); b.TokensIn != 1000 {
		t.Errorf("session B after a week: %d tokens in, want 1000", b.TokensIn)
	}
}

// CONTRACT 18.1: Claude Code reports usage twice, as api_request log events and as metrics.
// Whatever the order, the totals are the api_request totals.
func TestLogUsageSupersedesMetrics(t *testing.T) {
	cost := func(v float64) *float64 { return &v }
	metricIn := func(n int64) contract.Input {
		in := ev("S", "claude_code", "llm_response")
		in.Source, in.TokensIn, in.MetricUsage = "otel", n, true
		return in
	}
	metricCost := func(v float64) contract.Input {
		in := ev("S", "claude_code", "llm_response")
		in.Source, in.CostUSD, in.MetricUsage = "otel", cost(v), true
		return in
	}
	request := func(n int64, c float64) contract.Input {
		in := ev("S", "claude_code", "llm_request")
		in.Source, in.TokensIn, in.TokensOut, in.CostUSD, in.LogUsage, in.Model = "otel", n, 10, cost(c), true, "m"
		return in
	}
	for _, tc := range []struct {
		name    string
		batches [][]contract.Input
	}{
		{"metrics first", [][]contract.Input{{metricIn(300), metricCost(0.2)}, {metricIn(700)}, {request(300, 0.2), request(700, 0.5)}}},
		{"logs first", [][]contract.Input{{request(300, 0.2)}, {metricIn(300), metricCost(0.2), request(700, 0.5)}, {metricIn(700)}}},
		{"one batch", [][]contract.Input{{metricIn(300), request(300, 0.2), metricIn(700), metricCost(0.2), request(700, 0.5)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 2, 18, 10, 20, 0, 0, time.UTC)}
			s := openTest(t, Options{Now: c.Now})
			for _, b := range tc.batches {
				ingest(t, s, b...)
				c.Set(c.Now().Add(30 * time.Minute)) // across an hour, so hourly rollups are exercised
			}
			sess, _ := s.Session("S")
			if sess.TokensIn != 1000 || sess.TokensOut != 20 || sess.TotalCostUSD < 0.699 || sess.TotalCostUSD > 0.701 || sess.EventCount != 5 {
				t.Errorf("session: %d/%d tokens, $%v, %d events; want 1000/20, $0.7, 5", sess.TokensIn, sess.TokensOut, sess.TotalCostUSD, sess.EventCount)
			}
			st, err := s.Stats(StatsFilter{})
			if err != nil || st.TotalTokensIn != 1000 || st.TotalCostUSD < 0.699 || st.TotalCostUSD > 0.701 || st.TotalEvents != 5 {
				t.Errorf("stats: %+v %v", st, err)
			}
			since := time.Date(2026, 2, 18, 10, 30, 0, 0, time.UTC) // cuts the first hour
			early, _ := s.Stats(StatsFilter{})
			late, _ := s.Stats(StatsFilter{Since: &since})
			if late.TotalTokensIn > early.TotalTokensIn {
				t.Errorf("since: %d tokens > all-time %d", late.TotalTokensIn, early.TotalTokensIn)
			}
			cst, _ := s.Cost(StatsFilter{Limit: 10})
			var tl float64
			for _, b := range cst.Timeline {
				tl += b.CostUSD
			}
			if tl < 0.699 || tl > 0.701 {
				t.Errorf("timeline cost %v, want 0.7", tl)
			}
		})
	}
}
