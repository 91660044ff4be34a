package kv

import (
	"context"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Sweep runs the idle sweep of CONTRACT 7 as of now: active sessions without events for the
// session timeout T become idle, idle ones without events for 2T become ended. It returns how many
// became idle. A sweep that changes nothing reads memory only and writes nothing.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	if !s.sweepDue(now) {
		return 0, nil
	}
	r, err := s.submit(ctx, &request{sweep: now})
	return r.idled, err
}

func (s *Store) sweepDue(now time.Time) bool {
	idleBefore, endBefore := s.sweepBounds(now)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, rec := range s.sessions {
		if rec.Status == contract.SessionActive && rec.LastEvent < idleBefore ||
			rec.Status == contract.SessionIdle && rec.LastEvent < endBefore {
			return true
		}
	}
	return false
}

func (s *Store) sweepBounds(now time.Time) (idleBefore, endBefore int64) {
	t := s.opts.SessionTimeout
	return now.Add(-t).Unix(), now.Add(-2 * t).Unix()
}

// sweep applies the idle sweep inside the writer's transaction.
func (w *txWriter) sweep(now time.Time) int {
	idleBefore, endBefore := w.s.sweepBounds(now)
	var idle []string
	for id, cur := range w.s.sessions {
		rec := w.current(id, cur)
		if rec.Status == contract.SessionActive && rec.LastEvent < idleBefore {
			idle = append(idle, id)
		}
	}
	for _, id := range idle {
		w.session(id).Status = contract.SessionIdle
		w.moved[id] = true
	}
	// Step 2 sees the sessions step 1 just idled, as upstream's second UPDATE did.
	var ended []string
	for id, cur := range w.s.sessions {
		if rec := w.current(id, cur); rec.Status == contract.SessionIdle && rec.LastEvent < endBefore {
			ended = append(ended, id)
		}
	}
	for _, id := range ended {
		rec := w.session(id)
		w.moved[id] = true
		rec.Status, rec.Ended = contract.SessionEnded, now.Unix()
	}
	return len(idle)
}

// current is the batch's working copy of a cached session if it has one, else the cached record.
func (w *txWriter) current(id string, cached *sessionRec) *sessionRec {
	if rec, ok := w.sessions[id]; ok {
		return rec
	}
	return cached
}
