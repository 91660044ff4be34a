package kv

import (
	"context"
	"encoding/binary"
	"time"
)

// Meta keys of retention: the cutoff (Unix seconds; no event created before it is kept) and how
// many transactions have dropped events, which tells the search index when to delete documents.
var (
	keyRetainedFrom = []byte("retained_from")
	keyDropped      = []byte("drop_generation")
)

// dropChunk bounds the events one retention transaction deletes.
const dropChunk = 5000

// dropJob is one chunk of a retention pass for the writer.
type dropJob struct {
	before  int64 // cutoff, Unix seconds
	dropped int64 // reply: events deleted by this chunk
	more    bool  // reply: events before the cutoff remain
}

// DropBefore deletes the events created before cutoff, rounded down to the hour
// (AGENTMONITOR_RETENTION_DAYS), and returns how many it deleted. What was computed from them
// stays: sessions and their totals, statistics, rollups, the cost timeline, and the event_id and
// correlation keys, so history imported again is still recognized and never counted twice. The
// filter counters and listings then describe the events that remain. It works in transactions of
// a bounded number of events; bbolt reuses the freed pages, and Compact gives them back to the
// file system.
func (s *Store) DropBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	before := cutoff.Unix() / 3600 * 3600
	if before <= 0 {
		return 0, nil
	}
	var total int64
	for {
		job := &dropJob{before: before}
		if _, err := s.submit(ctx, &request{drop: job}); err != nil {
			return total, err
		}
		total += job.dropped
		if !job.more {
			return total, nil
		}
	}
}

// RetainedFrom is the retention cutoff: no event created before it is kept (zero: none dropped).
func (s *Store) RetainedFrom() time.Time {
	if sec := s.retainedFrom.Load(); sec > 0 {
		return time.Unix(sec, 0).UTC()
	}
	return time.Time{}
}

// DropGeneration counts the transactions that dropped events; it changes with every drop, also
// one that leaves the cutoff where it was (old history imported again, then dropped).
func (s *Store) DropGeneration() uint64 { return s.dropGen.Load() }

// drop deletes one chunk of the events created before job.before inside the writer's transaction.
func (w *txWriter) drop(job *dropJob) error {
	job.dropped, job.more = 0, false
	c := w.byCreated.Cursor()
	for k, v := c.First(); k != nil && int64(binary.BigEndian.Uint64(k)) < job.before; k, v = c.First() {
		if job.dropped == dropChunk {
			job.more = true
			break
		}
		created, seq := int64(binary.BigEndian.Uint64(k)), binary.BigEndian.Uint64(k[8:])
		b, ok := decodeBrief(v, w.dictName)
		var row *eventRow
		if !ok || b.clientTime {
			row = w.row(seq)
		}
		var values [len(tupleFields)]string
		session := b.session
		switch {
		case ok:
			for i, id := range b.ids {
				values[i] = w.dictName(tupleFields[i], id)
			}
		case row != nil:
			// A brief this code cannot read: the row says the same.
			values, session = tupleValues(row), row.SessionID
		}
		for i, v := range values {
			if v != "" {
				w.counts[string(countKey(tupleFields[i], keyPartStr(v)))]--
			}
		}
		if row != nil && row.ClientTimestamp != nil {
			_, ts := eventTimes(row)
			if err := w.byTS.Delete(timeSeqKey(ts, seq)); err != nil {
				return err
			}
		}
		if session != "" {
			if err := w.idx.Delete(idxKey(fieldSession, keyPartStr(session), created, seq)); err != nil {
				return err
			}
			if rec := w.session(session); rec != nil {
				rec.Dropped++
			}
		}
		if err := w.events.Delete(u64(seq)); err != nil {
			return err
		}
		// The time key goes whatever else could be read: the loop starts again from the first.
		if err := c.Delete(); err != nil {
			return err
		}
		job.dropped++
	}
	if job.dropped == 0 {
		return nil
	}
	w.dropped += job.dropped
	w.counts[string(keyEventsTotal)] -= job.dropped
	meta := w.tx.Bucket(bucketMeta)
	w.dropGen = uint64(readCount(meta.Get(keyDropped))) + 1
	if err := meta.Put(keyDropped, u64(w.dropGen)); err != nil {
		return err
	}
	if readCount(meta.Get(keyRetainedFrom)) < job.before {
		w.retainedFrom = job.before
		return meta.Put(keyRetainedFrom, u64(uint64(job.before)))
	}
	return nil
}
