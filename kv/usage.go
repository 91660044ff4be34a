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
		rec.TokensIn -= usage.TokensIn
		rec.TokensOut -= usage.TokensOut
		rec.Cost -= usage.Cost
		b.exclude()
		if err := w.adjust(tk, &b, w.eventTime(created, seq, &b), &neg); err != nil {
			return err
		}
	}
	return nil
}

// adjust adds delta to the rollups and the timeline hour of the event whose by_created key is k,
// and stores b, its brief after the change, under both its time keys; ts is its
// client-or-created time.
func (w *txWriter) adjust(k []byte, b *brief, ts int64, delta *agg) error {
	hour := binary.BigEndian.Uint64(k) / 3600
	for _, d := range b.dims() {
		w.addRollup(w.rollups, rollupKey(hour, d.dim, b.agent, d.value), delta)
		w.addRollup(w.rollups, rollupKey(allTime, d.dim, b.agent, d.value), delta)
	}
	w.addRollup(w.timeline, timelineKey(uint64(ts/3600), b.agent), delta)
	val := b.encode()
	if err := w.byCreated.Put(k, val); err != nil {
		return err
	}
	if b.clientTime {
		return w.byTS.Put(timeSeqKey(ts, binary.BigEndian.Uint64(k[8:])), val)
	}
	return nil
}

// eventTime is the client-or-created time of the event stored at seq, created at created, whose
// brief is b: only an event with a client timestamp needs its row read.
func (w *txWriter) eventTime(created int64, seq uint64, b *brief) int64 {
	if b.clientTime {
		if r := w.row(seq); r != nil {
			_, ts := eventTimes(r)
			return ts
		}
	}
	return created
}

// row reads a stored event; nil when it is missing or unreadable.
func (w *txWriter) row(seq uint64) *eventRow {
	body := w.events.Get(u64(seq))
	var r eventRow
	if body == nil || json.Unmarshal(body, &r) != nil {
		return nil
	}
	return &r
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
