package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// rates is a rate table for tests: USD per token in and out, by model.
type rates map[string][2]float64

func (r rates) price(model string, in, out, _, _ int64) (float64, bool) {
	p, ok := r[model]
	if !ok {
		return 0, false
	}
	return float64(in)*p[0] + float64(out)*p[1], true
}

// priced is an llm_response priced the way ingest prices it (CONTRACT 5 step 7).
func priced(session, model string, in, out int64, r rates) contract.Input {
	e := ev(session, "claude_code", "llm_response")
	e.Model, e.TokensIn, e.TokensOut = model, in, out
	if c, ok := r.price(model, in, out, 0, 0); ok {
		e.CostUSD, e.CostSource = &c, contract.CostAuto
	}
	return e
}

func TestRecalc(t *testing.T) {
	old := rates{"m1": {1e-6, 2e-6}}
	cur := rates{"m1": {3e-6, 4e-6}, "m2": {10e-6, 0}}
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	s := openTest(t, Options{Now: c.Now})
	ctx := context.Background()

	// Three hours of m1 responses, more than one recalculation chunk, in three sessions.
	const perHour = 1700
	for h := range 3 {
		c.Set(start.Add(time.Duration(h) * time.Hour))
		batch := make([]contract.Input, perHour)
		for i := range batch {
			batch[i] = priced(fmt.Sprintf("s%d", i%3), "m1", 1000, 500, old)
		}
		ingest(t, s, batch...)
	}
	client := priced("s0", "m1", 1000, 500, old)
	client.CostUSD, client.CostSource = ptr(0.5), contract.CostClient
	unknown := priced("s1", "m2", 1000, 0, old) // unpriced at ingest
	tool := ev("s2", "claude_code", "tool_use")
	tool.ToolName = "Bash"
	ingest(t, s, client, unknown, tool)

	known := func(r rates) func(string) bool { return func(m string) bool { _, ok := r[m]; return ok } }
	un, err := s.Unpriced(known(old))
	if err != nil || len(un) != 1 || un[0].Model != "m2" || un[0].Events != 1 || un[0].TokensIn != 1000 {
		t.Fatalf("unpriced before: %+v %v", un, err)
	}

	const m1Events = 3 * perHour
	oldM1, _ := old.price("m1", 1000, 500, 0, 0)
	newM1, _ := cur.price("m1", 1000, 500, 0, 0)
	newM2, _ := cur.price("m2", 1000, 0, 0, 0)
	before := stats(t, s)

	dry, err := s.Recalc(ctx, Recalc{DryRun: true, Price: cur.price})
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.Changed != m1Events+1 || dry.Examined != m1Events+2 || dry.Sessions != 3 {
		t.Fatalf("dry run: %+v", dry)
	}
	if after := stats(t, s); after != before {
		t.Fatalf("dry run changed the totals: %+v → %+v", before, after)
	}

	order := func() (ids []string) {
		for _, sess := range s.Sessions(SessionFilter{}) {
			ids = append(ids, sess.ID)
		}
		return ids
	}
	orderBefore := order()
	rep, err := s.Recalc(ctx, Recalc{Price: cur.price})
	if err != nil {
		t.Fatal(err)
	}
	// The sessions' last events share a second: a recalculation must not reorder them.
	if got := order(); !slices.Equal(got, orderBefore) {
		t.Errorf("sessions reordered by the recalculation: %v, before %v", got, orderBefore)
	}
	if rep.Changed != m1Events+1 || len(rep.Models) != 2 {
		t.Fatalf("recalc: %+v", rep)
	}
	if m := rep.Models[0]; m.Model != "m1" || m.Events != m1Events || !near(m.Before, m1Events*oldM1) || !near(m.After, m1Events*newM1) {
		t.Errorf("m1: %+v", m)
	}
	if m := rep.Models[1]; m.Model != "m2" || m.Events != 1 || m.Priced != 1 || m.After != newM2 {
		t.Errorf("m2: %+v", m)
	}
	want := m1Events*newM1 + 0.5 + newM2
	if got := stats(t, s); !near(got.TotalCostUSD, want) {
		t.Errorf("total cost %v, want %v", got.TotalCostUSD, want)
	}
	cost, err := s.Cost(StatsFilter{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cost.ByModel {
		want := map[string]float64{"m1": m1Events*newM1 + 0.5, "m2": newM2}[m.Model]
		if !near(m.CostUSD, want) {
			t.Errorf("cost of %s: %v, want %v", m.Model, m.CostUSD, want)
		}
	}
	var timeline float64
	for _, b := range cost.Timeline {
		timeline += b.CostUSD
	}
	if !near(timeline, want) {
		t.Errorf("timeline sums to %v, want %v", timeline, want)
	}
	var sessions float64
	for _, id := range []string{"s0", "s1", "s2"} {
		sess, err := s.Session(id)
		if err != nil {
			t.Fatal(err)
		}
		sessions += sess.TotalCostUSD
	}
	if !near(sessions, want) {
		t.Errorf("session totals sum to %v, want %v", sessions, want)
	}
	rows := eventsOf(t, s)
	if r := rows[len(rows)-2]; deref(r.Model) != "m2" || r.CostUSD == nil || *r.CostUSD != newM2 || deref(r.CostSource) != contract.CostAuto {
		t.Errorf("the unknown model's row: cost %v source %v", r.CostUSD, r.CostSource)
	}
	if r := rows[len(rows)-3]; *r.CostUSD != 0.5 || deref(r.CostSource) != contract.CostClient {
		t.Errorf("a client's cost changed: %v %v", *r.CostUSD, deref(r.CostSource))
	}
	if un, _ := s.Unpriced(known(cur)); len(un) != 0 {
		t.Errorf("unpriced after: %+v", un)
	}

	// Again: nothing left to change. Then only the last hour, at other rates.
	if rep, _ := s.Recalc(ctx, Recalc{Price: cur.price}); rep.Changed != 0 || rep.Examined != m1Events+2 {
		t.Errorf("second recalc: %+v", rep)
	}
	last := start.Add(2 * time.Hour)
	rep, err = s.Recalc(ctx, Recalc{Since: last, Price: old.price})
	if err != nil {
		t.Fatal(err)
	}
	// The last hour's m1 responses, and the m2 response, whose model old does not know.
	if rep.Changed != perHour+1 || rep.Models[1].Unpriced != 1 {
		t.Errorf("recalc since %v: %+v", last, rep)
	}
	want = 2*perHour*newM1 + perHour*oldM1 + 0.5
	if got := stats(t, s); !near(got.TotalCostUSD, want) {
		t.Errorf("total cost %v, want %v", got.TotalCostUSD, want)
	}
	if r := eventsOf(t, s)[len(rows)-2]; r.CostUSD != nil || r.CostSource != nil {
		t.Errorf("a model the table lost keeps cost %v (%v)", r.CostUSD, r.CostSource)
	}
	// openTest's cleanup recounts every rollup, brief and session total from the rows.
}

// totals are the comparable part of the stats.
type totals struct {
	TotalEvents, TotalTokensIn, TotalTokensOut int64
	TotalCostUSD                               float64
}

func stats(t *testing.T, s *Store) totals {
	t.Helper()
	st, err := s.Stats(StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return totals{st.TotalEvents, st.TotalTokensIn, st.TotalTokensOut, st.TotalCostUSD}
}

func eventsOf(t *testing.T, s *Store) []contract.Event {
	t.Helper()
	var rows []contract.Event
	_, err := s.EventsAfter(0, math.MaxInt32, func(_ uint64, b []byte) error {
		var r contract.Event
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func ptr[T any](v T) *T { return &v }
