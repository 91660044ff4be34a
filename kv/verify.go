package kv

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// Verify recounts every event and checks that the derived state written with them — event_id
// keys, index and time keys, counters, session totals and rollups — agrees. It reads the whole
// file; it is for tests, crash checks and support, not for request paths. Once retention has
// deleted events, the totals that still include them (all-time rollups, the cost timeline, the
// token and cost totals of sessions that lost events) cannot be recounted and are not checked.
func (s *Store) Verify() error {
	name := s.dictNameLocked
	retained := s.retainedFrom.Load()
	return s.view(func(tx *bolt.Tx) error {
		var errs []error
		bad := func(format string, args ...any) {
			if len(errs) < 20 {
				errs = append(errs, fmt.Errorf(format, args...))
			}
		}
		counts := map[string]int64{}
		sessions := map[string]*sessionRec{}
		rollups := map[string]*agg{}
		timeline := map[string]*agg{}
		var total int64
		logUsage := map[string]bool{} // sessions with an api_request carrying usage
		err := tx.Bucket(bucketByCreated).ForEach(func(k, v []byte) error {
			if b, ok := decodeBrief(v, name); ok && b.logUsage {
				logUsage[b.session] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		idx, byCreated, byTS, eventIDs := tx.Bucket(bucketIdx), tx.Bucket(bucketByCreated), tx.Bucket(bucketByTS), tx.Bucket(bucketEventIDs)
		err = tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			var r eventRow
			if err := json.Unmarshal(v, &r); err != nil {
				bad("event %x: %v", k, err)
				return nil
			}
			seq := binary.BigEndian.Uint64(k)
			total++
			created, ts := eventTimes(&r)
			if r.EventID != nil {
				if got := eventIDs.Get(keyPart(*r.EventID)); got == nil || binary.BigEndian.Uint64(got) != seq {
					bad("event %d: event_id %q not indexed", seq, *r.EventID)
				}
			}
			var t tuple
			for i, v := range tupleValues(&r) {
				if v == "" {
					continue
				}
				key := string(countKey(tupleFields[i], keyPartStr(v)))
				counts[key]++
				s.mu.RLock()
				t[i] = s.dict.ids[key]
				s.mu.RUnlock()
				if t[i] == 0 {
					bad("event %d: %c=%q has no dictionary id", seq, tupleFields[i], v)
				}
			}
			if got, want := idx.Get(idxKey(fieldSession, keyPartStr(r.SessionID), created, seq)), t.encode(); string(got) != string(want) {
				bad("event %d: session key tuple %x, want %x", seq, got, want)
			}
			// Whether an event's usage came from metrics or an api_request is kept only in its
			// brief; whether it is excluded follows from that (CONTRACT 18.1).
			stored, _ := decodeBrief(byCreated.Get(timeSeqKey(created, seq)), name)
			b := briefOf(&r, t)
			b.metric, b.logUsage = stored.metric, stored.logUsage
			if b.metric && logUsage[r.SessionID] {
				b.exclude()
			}
			want := string(b.encode())
			if got := byCreated.Get(timeSeqKey(created, seq)); string(got) != want {
				bad("event %d: time key brief %x, want %x", seq, got, want)
			}
			if got := byTS.Get(timeSeqKey(ts, seq)); b.clientTime && string(got) != want {
				bad("event %d: client time key brief %x, want %x", seq, got, want)
			}
			rec := sessions[r.SessionID]
			if rec == nil {
				rec = &sessionRec{}
				sessions[r.SessionID] = rec
			}
			rec.EventCount++
			rec.TokensIn += b.agg.TokensIn
			rec.TokensOut += b.agg.TokensOut
			rec.Cost += b.agg.Cost
			for _, d := range b.dims() {
				for _, h := range []uint64{uint64(created / 3600), allTime} {
					key := rollupKey(h, d.dim, r.AgentType, d.value)
					if rollups[key] == nil {
						rollups[key] = &agg{}
					}
					rollups[key].add(&b.agg)
				}
			}
			tk := timelineKey(uint64(ts/3600), r.AgentType)
			if timeline[tk] == nil {
				timeline[tk] = &agg{}
			}
			timeline[tk].add(&b.agg)
			return nil
		})
		if err != nil {
			return err
		}
		cb := tx.Bucket(bucketCounts)
		if got := readCount(cb.Get(keyEventsTotal)); got != total {
			bad("events total: counter %d, recount %d", got, total)
		}
		if got := s.eventsStored.Load(); got != total {
			bad("events total: memory %d, recount %d", got, total)
		}
		for k, n := range counts {
			if got := readCount(cb.Get([]byte(k))); got != n {
				bad("count %q: counter %d, recount %d", k, got, n)
			}
		}
		sb := tx.Bucket(bucketSessions)
		for id, want := range sessions {
			var got sessionRec
			if v := sb.Get(keyPart(id)); v == nil || json.Unmarshal(v, &got) != nil {
				bad("session %q: missing or unreadable", id)
				continue
			}
			if got.LogUsage != logUsage[id] {
				bad("session %q: log_usage %v, recount %v", id, got.LogUsage, logUsage[id])
			}
			if got.EventCount-got.Dropped != want.EventCount || got.Dropped == 0 && (got.TokensIn != want.TokensIn ||
				got.TokensOut != want.TokensOut || !near(got.Cost, want.Cost)) {
				bad("session %q: stored %d events %d/%d tokens $%g, recount %d events %d/%d tokens $%g", id,
					got.EventCount, got.TokensIn, got.TokensOut, got.Cost, want.EventCount, want.TokensIn, want.TokensOut, want.Cost)
			}
			s.mu.RLock()
			mem, ok := s.sessions[id]
			s.mu.RUnlock()
			if !ok || mem.EventCount != got.EventCount {
				bad("session %q: memory differs from the file", id)
			}
		}
		withEvents := make(map[string]bool, len(sessions))
		for id := range sessions {
			withEvents[string(keyPart(id))] = true
		}
		_ = sb.ForEach(func(k, v []byte) error {
			var got sessionRec
			if !withEvents[string(k)] && (json.Unmarshal(v, &got) != nil || got.Dropped != got.EventCount) {
				bad("session %q: stored, but none of its events", k)
			}
			return nil
		})
		// After retention, only the hours from the cutoff on can be recounted.
		checkAggs := func(name string, b *bolt.Bucket, want map[string]*agg) {
			from, to := uint64(0), uint64(allTime)
			if retained > 0 {
				from, to = uint64(retained/3600), allTime-1
			}
			seen := 0
			c := b.Cursor()
			for k, v := c.Seek(u64(from)); k != nil && binary.BigEndian.Uint64(k) <= to; k, v = c.Next() {
				got := decodeAgg(v)
				w, ok := want[string(k)]
				switch {
				case !ok && got.Events != 0:
					bad("%s %x: stored %d events, recount none", name, k, got.Events)
				case ok && !sameAgg(&got, w):
					bad("%s %x: stored %+v, recount %+v", name, k, got, *w)
				}
				if ok {
					seen++
				}
			}
			expected := 0
			for k := range want {
				if h := binary.BigEndian.Uint64([]byte(k)); h >= from && h <= to {
					expected++
				}
			}
			if seen < expected {
				bad("%s: %d keys stored, %d expected", name, seen, expected)
			}
		}
		checkAggs("rollup", tx.Bucket(bucketRollups), rollups)
		if retained == 0 {
			checkAggs("timeline", tx.Bucket(bucketTimeline), timeline)
		}
		return errors.Join(errs...)
	})
}

// eventTimes recovers the created and client-or-created seconds of a stored row.
func eventTimes(r *eventRow) (created, ts int64) {
	created = parseServerTime(r.CreatedAt)
	ts = created
	if r.ClientTimestamp != nil {
		if t, err := parseClientTime(*r.ClientTimestamp); err == nil {
			ts = t
		}
	}
	return created, ts
}

func readCount(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func sameAgg(a, b *agg) bool {
	c, d := *a, *b
	c.Cost, d.Cost = 0, 0
	return c == d && near(a.Cost, b.Cost)
}
