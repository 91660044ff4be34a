package kv

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Recalc says what a cost recalculation covers and prices with.
type Recalc struct {
	// Since: only events created at or after it (zero: all).
	Since time.Time
	// DryRun: report what would change, write nothing.
	DryRun bool
	// Price is the rate table to price with.
	Price PriceFunc
}

// RecalcReport is what a recalculation changed (or, dry, would change).
type RecalcReport struct {
	// PricingFile is the user rate file overlaid on the embedded rates ("" : none); the caller
	// that loaded the table fills it in.
	PricingFile string  `json:"pricing_file"`
	DryRun      bool    `json:"dry_run"`
	Examined    int64   `json:"events_examined"` // events with a model and tokens
	Changed     int64   `json:"events_changed"`
	Sessions    int     `json:"sessions_changed"`
	Before      float64 `json:"cost_before_usd"` // of the changed events, null counting as 0
	After       float64 `json:"cost_after_usd"`
	// Models lists, by model, the events whose cost changed.
	Models []ModelChange `json:"models"`
}

// ModelChange is the part of a recalculation that concerns one model.
type ModelChange struct {
	Model    string  `json:"model"`
	Events   int64   `json:"events"`
	Before   float64 `json:"cost_before_usd"`
	After    float64 `json:"cost_after_usd"`
	Priced   int64   `json:"newly_priced"`   // had no cost, now have one
	Unpriced int64   `json:"newly_unpriced"` // had an auto cost, the table no longer knows the model
}

// recalcChunk bounds the events one recalculation transaction rewrites, and recalcScan the events
// it reads, so live ingest waits at most one small commit behind it.
const (
	recalcChunk = 2000
	recalcScan  = 20000
)

// recalcJob is one chunk of a recalculation for the writer: from is the by_created key to start
// at; the reply says where the next chunk starts (nil: done).
type recalcJob struct {
	from  []byte
	price PriceFunc
	dry   bool

	next     []byte
	examined int64
	changes  map[string]*ModelChange
	sessions map[string]bool
}

// Recalc re-prices stored events from r.Price (CONTRACT 18.2): an event whose cost came from the
// rate table ("auto") gets the table's cost now (null when the model is no longer known), and an
// event without a cost that the table can now price gets one ("auto"); a client's cost is kept.
// Event rows, their briefs, session totals, rollups and the cost timeline change together, in
// transactions of a bounded number of events.
func (s *Store) Recalc(ctx context.Context, r Recalc) (RecalcReport, error) {
	rep := RecalcReport{DryRun: r.DryRun, Models: []ModelChange{}}
	if r.Price == nil {
		return rep, fmt.Errorf("kv: recalc: no rate table")
	}
	changes := map[string]*ModelChange{}
	sessions := map[string]bool{}
	var since int64
	if !r.Since.IsZero() {
		since = max(r.Since.Unix(), 0)
	}
	job := &recalcJob{from: timeSeqKey(since, 0), price: r.Price, dry: r.DryRun}
	for job.from != nil {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if r.DryRun {
			// Nothing is written, so a read transaction beside the writer does.
			if err := s.view(func(tx *bolt.Tx) error {
				w := &txWriter{s: s, tx: tx, events: tx.Bucket(bucketEvents), byCreated: tx.Bucket(bucketByCreated)}
				return w.recalc(job, s.dictNameLocked)
			}); err != nil {
				return rep, err
			}
		} else if _, err := s.submit(ctx, &request{recalc: job}); err != nil {
			return rep, err
		}
		rep.Examined += job.examined
		for model, c := range job.changes {
			m := changes[model]
			if m == nil {
				m = &ModelChange{Model: model}
				changes[model] = m
			}
			m.Events += c.Events
			m.Before += c.Before
			m.After += c.After
			m.Priced += c.Priced
			m.Unpriced += c.Unpriced
		}
		for id := range job.sessions {
			sessions[id] = true
		}
		job.from = job.next
	}
	rep.Sessions = len(sessions)
	for _, m := range changes {
		rep.Changed += m.Events
		rep.Before += m.Before
		rep.After += m.After
		rep.Models = append(rep.Models, *m)
	}
	sort.Slice(rep.Models, func(i, j int) bool { return rep.Models[i].Model < rep.Models[j].Model })
	return rep, nil
}

// recalc re-prices one chunk of events from job.from inside the writer's transaction (or, dry, a
// read transaction: it then only counts). name resolves dictionary ids.
func (w *txWriter) recalc(job *recalcJob, name func(field byte, id uint32) string) error {
	// A failed batch is retried request by request: start the chunk's tallies afresh.
	job.next, job.examined = nil, 0
	job.changes, job.sessions = map[string]*ModelChange{}, map[string]bool{}
	// The rewrites wait for the walk to end: bbolt cursors are not to be trusted across writes
	// to their bucket.
	type change struct {
		key []byte
		b   brief
		row *eventRow
	}
	var todo []change
	c := w.byCreated.Cursor()
	scanned := 0
	for k, v := c.Seek(job.from); k != nil; k, v = c.Next() {
		if len(todo) == recalcChunk || scanned == recalcScan {
			job.next = append([]byte(nil), k...)
			break
		}
		scanned++
		b, ok := decodeBrief(v, name)
		if !ok || b.model == "" || b.agg.TokensIn+b.agg.TokensOut+b.agg.CacheRead+b.agg.CacheWrite == 0 && !b.excluded {
			continue
		}
		seq := binary.BigEndian.Uint64(k[8:])
		row := w.row(seq)
		if row == nil {
			continue // Verify reports such a row; a recalculation leaves it alone
		}
		if row.Model == nil || row.TokensIn+row.TokensOut+row.CacheReadTokens+row.CacheWriteTokens == 0 {
			continue
		}
		job.examined++
		newCost, newSource, differs := reprice(row, job.price)
		if !differs {
			continue
		}
		ch := job.changes[*row.Model]
		if ch == nil {
			ch = &ModelChange{Model: *row.Model}
			job.changes[*row.Model] = ch
		}
		ch.Events++
		if row.CostUSD != nil {
			ch.Before += *row.CostUSD
		} else {
			ch.Priced++
		}
		if newCost != nil {
			ch.After += *newCost
		} else {
			ch.Unpriced++
		}
		job.sessions[row.SessionID] = true
		row.CostUSD, row.CostSource = newCost, newSource
		todo = append(todo, change{append([]byte(nil), k...), b, row})
	}
	if job.dry {
		return nil
	}
	for i := range todo {
		ch := &todo[i]
		if err := w.events.Put(ch.key[8:], contract.AppendEvent(nil, ch.row)); err != nil {
			return err
		}
		if err := w.reprice(ch.key, &ch.b, ch.row); err != nil {
			return err
		}
	}
	return nil
}

// reprice gives a row's new cost and cost source from the rate table; changed is false when they
// stay as they are. Rows whose cost a client gave keep it.
func reprice(row *eventRow, price PriceFunc) (cost *float64, source *string, changed bool) {
	src := deref(row.CostSource)
	switch {
	case src == contract.CostClient:
		return nil, nil, false
	case src == "" && row.CostUSD != nil:
		return nil, nil, false // a cost of unknown origin: kept
	case src == "" && row.TokensIn == 0 && row.TokensOut == 0:
		return nil, nil, false // not priceable at ingest either (CONTRACT 5 step 7)
	}
	c, ok := price(*row.Model, row.TokensIn, row.TokensOut, row.CacheReadTokens, row.CacheWriteTokens)
	if !ok {
		return nil, nil, row.CostUSD != nil
	}
	auto := contract.CostAuto
	return &c, &auto, row.CostUSD == nil || *row.CostUSD != c
}

// reprice moves one event's new cost into its briefs, rollups, timeline hour and session totals.
// The brief at key k (by_created) holds the old cost; an event whose usage is excluded (CONTRACT
// 18.1) counts in no total, so only its row changes.
func (w *txWriter) reprice(k []byte, b *brief, row *eventRow) error {
	if b.excluded {
		return nil
	}
	old := costOnly(b.agg)
	b.agg.Cost, b.agg.PaidEvents, b.agg.PaidTokensIn, b.agg.PaidTokensOut = 0, 0, 0, 0
	if row.CostUSD != nil {
		b.agg.setCost(*row.CostUSD)
	}
	delta := costOnly(b.agg)
	delta.sub(&old)
	if rec := w.session(row.SessionID); rec != nil {
		rec.Cost += delta.Cost
	}
	_, ts := eventTimes(row)
	return w.adjust(k, b, ts, &delta)
}

// costOnly is the part of an agg that depends on the event's cost.
func costOnly(a agg) agg {
	return agg{Cost: a.Cost, PaidEvents: a.PaidEvents, PaidTokensIn: a.PaidTokensIn, PaidTokensOut: a.PaidTokensOut}
}

// ModelUsage is what the stored events of one model add up to.
type ModelUsage struct {
	Model      string  `json:"model"`
	Events     int64   `json:"events"`
	TokensIn   int64   `json:"tokens_in"`
	TokensOut  int64   `json:"tokens_out"`
	CacheRead  int64   `json:"cache_read_tokens"`
	CacheWrite int64   `json:"cache_write_tokens"`
	ClientCost float64 `json:"client_cost_usd"` // what clients priced themselves
}

// Unpriced lists the models of stored events that known says the rate table does not know, most
// tokens first: their events have no cost unless a client gave one.
func (s *Store) Unpriced(known func(model string) bool) ([]ModelUsage, error) {
	sums := map[string]*agg{}
	err := s.view(func(tx *bolt.Tx) error {
		s.rollupRange(tx, nil, "", func(dim byte, _, value string, a *agg) {
			if dim != dimModel || known(value) {
				return
			}
			if sums[value] == nil {
				sums[value] = &agg{}
			}
			sums[value].add(a)
		})
		return nil
	})
	out := make([]ModelUsage, 0, len(sums))
	for model, a := range sums {
		out = append(out, ModelUsage{Model: model, Events: a.Events, TokensIn: a.TokensIn, TokensOut: a.TokensOut,
			CacheRead: a.CacheRead, CacheWrite: a.CacheWrite, ClientCost: a.Cost})
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].TokensIn+out[i].TokensOut, out[j].TokensIn+out[j].TokensOut
		if ti != tj {
			return ti > tj
		}
		return out[i].Model < out[j].Model
	})
	return out, err
}
