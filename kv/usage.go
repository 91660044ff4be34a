package kv

import (
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// seriesIdle is how long a cumulative series may go unseen before its state is forgotten and its
// next point counts as a first sighting (CONTRACT 18.4).
const seriesIdle = 7 * 24 * 3600

// applySeries turns a cumulative point into the increase since its series' previous point (CONTRACT
// 11.3), kept in the series bucket of this same transaction. It returns false when there was no
// increase: then nothing is stored. The series' latest value is recorded either way.
func (w *txWriter) applySeries(in *contract.Input) (bool, error) {
	b := w.tx.Bucket(bucketSeries)
	key := keyPart(in.Series)
	delta := in.SeriesValue
	if v := b.Get(key); len(v) == 16 {
		prev, seen := math.Float64frombits(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
		if w.now-seen < seriesIdle {
			delta = in.SeriesValue - prev
		}
	}
	state := binary.BigEndian.AppendUint64(u64(math.Float64bits(in.SeriesValue)), uint64(w.now))
	if err := b.Put(key, state); err != nil {
		return false, err
	}
	if !(delta > 0) {
		return false, nil
	}
	switch in.SeriesField {
	case contract.SeriesTokensIn:
		in.TokensIn = int64(delta)
	case contract.SeriesTokensOut:
		in.TokensOut = int64(delta)
	case contract.SeriesCacheRead:
		in.CacheReadTokens = int64(delta)
	case contract.SeriesCacheWrite:
		in.CacheWriteTokens = int64(delta)
	case contract.SeriesCost:
		in.CostUSD, in.CostSource = &delta, contract.CostClient
		return true, nil
	default:
		return false, nil
	}
	if in.TokensIn+in.TokensOut+in.CacheReadTokens+in.CacheWriteTokens == 0 {
		return false, nil // an increase below one token
	}
	// Token increases are priced like any token event (CONTRACT 11.3), now that they are known.
	if in.CostUSD == nil && in.Model != "" && (in.TokensIn > 0 || in.TokensOut > 0) && w.s.opts.Price != nil {
		if c, ok := w.s.opts.Price(in.Model, in.TokensIn, in.TokensOut, in.CacheReadTokens, in.CacheWriteTokens); ok {
			in.CostUSD, in.CostSource = &c, contract.CostAuto
		}
	}
	return true, nil
}

// usageOnly is the part of an aggregate that is usage: tokens and cost.
func usageOnly(a agg) agg {
	return agg{TokensIn: a.TokensIn, TokensOut: a.TokensOut, Cost: a.Cost, CacheRead: a.CacheRead,
		CacheWrite: a.CacheWrite, PaidEvents: a.PaidEvents, PaidTokensIn: a.PaidTokensIn, PaidTokensOut: a.PaidTokensOut}
}

func (a *agg) sub(b *agg) {
	n := *b
	n.Events, n.TokensIn, n.TokensOut, n.Cost = -n.Events, -n.TokensIn, -n.TokensOut, -n.Cost
	n.CacheRead, n.CacheWrite, n.Errors, n.DurSum, n.DurN = -n.CacheRead, -n.CacheWrite, -n.Errors, -n.DurSum, -n.DurN
	n.PaidEvents, n.PaidTokensIn, n.PaidTokensOut = -n.PaidEvents, -n.PaidTokensIn, -n.PaidTokensOut
	a.add(&n)
}

// supersedeMetricUsage is CONTRACT 18.1: the first api_request log event with usage in a session
// makes its metric-derived usage stop counting, including what arrived before, so the totals are
// the api_request totals whatever the arrival order. It takes the usage of the session's
// metric-derived events out of the rollups, the timeline and the session's totals, and rewrites
// their briefs without it.
func (w *txWriter) supersedeMetricUsage(rec *sessionRec) error {
	prefix := idxPrefix(fieldSession, keyPartStr(rec.ID))
	c := w.idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+16 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
		created := int64(binary.BigEndian.Uint64(k[len(prefix):]))
		seq := binary.BigEndian.Uint64(k[len(prefix)+8:])
		tk := timeSeqKey(created, seq)
		v := w.byCreated.Get(tk)
		b, ok := decodeBrief(v, w.dictName)
		if !ok || !b.metric || b.excluded {
			continue
		}
		usage := usageOnly(b.agg)
		neg := agg{}
		neg.sub(&usage)
		hour := uint64(created / 3600)
		for _, d := range b.dims() {
			w.addRollup(w.rollups, rollupKey(hour, d.dim, b.agent, d.value), &neg)
			w.addRollup(w.rollups, rollupKey(allTime, d.dim, b.agent, d.value), &neg)
		}
		ts := created
		if b.clientTime {
			var r eventRow
			if body := w.events.Get(u64(seq)); body != nil && json.Unmarshal(body, &r) == nil {
				_, ts = eventTimes(&r)
			}
		}
		w.addRollup(w.timeline, timelineKey(uint64(ts/3600), b.agent), &neg)
		rec.TokensIn -= usage.TokensIn
		rec.TokensOut -= usage.TokensOut
		rec.Cost -= usage.Cost

		b.exclude()
		val := b.encode()
		if err := w.byCreated.Put(tk, val); err != nil {
			return err
		}
		if b.clientTime {
			if err := w.byTS.Put(timeSeqKey(ts, seq), val); err != nil {
				return err
			}
		}
	}
	return nil
}

// dictName resolves dictionary ids inside the writer, ids given out in this transaction included.
func (w *txWriter) dictName(field byte, id uint32) string {
	if name := w.s.dict.name(field, id); name != "" || w.newIDs == nil {
		return name
	}
	for k, e := range w.newIDs {
		if k[0] == field && e.id == id {
			return e.value
		}
	}
	return ""
}
