package kv

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Range is a time condition of a query. Never is set when a bound could not be parsed: upstream
// compared against SQL NULL, so the condition matches nothing (CONTRACT 2.3).
type Range struct {
	Since, Until *time.Time
	Never        bool
}

func (r Range) bounds() (lo, hi int64) {
	lo, hi = 0, 1<<62
	if r.Since != nil {
		lo = max(r.Since.Unix(), 0)
	}
	if r.Until != nil {
		hi = r.Until.Unix()
	}
	return lo, hi
}

func (r Range) open() bool { return r.Since == nil && r.Until == nil }

// EventFilter selects events for Events (CONTRACT 8.4). Empty strings match anything.
type EventFilter struct {
	AgentType, EventType, ToolName, SessionID, Branch, Model, Source string
	Range
	Limit  int // < 0: no limit
	Offset int
}

// scanChunk bounds the keys one read transaction walks, so a long listing never holds a
// transaction open while the response is written (a held reader stalls file growth).
const scanChunk = 4096

// Events calls emit with the JSON of each matching event, newest first (created_at desc, id
// desc), within the filter's offset and limit, and returns the number of all matching events.
//
// It walks the session's index when the filter names a session, else the time index, and checks
// the other conditions on the dictionary ids stored with each key. The total is read from a
// counter when one answers it; otherwise the walk goes on past the page to count.
func (s *Store) Events(f EventFilter, emit func(row []byte) error) (int64, error) {
	if f.Never {
		return 0, nil
	}
	type cond struct {
		i  int
		id uint32
	}
	var conds []cond
	known := int64(-1) // the total when a counter gives it
	s.mu.RLock()
	for i, v := range [...]string{f.AgentType, f.EventType, f.ToolName, f.Model, f.Branch, f.Source} {
		if v == "" {
			continue
		}
		id := s.dict.lookup(tupleFields[i], v)
		if id == 0 {
			s.mu.RUnlock()
			return 0, nil // a value no event has
		}
		conds = append(conds, cond{i, id})
	}
	var prefix []byte
	if f.SessionID != "" {
		rec, ok := s.sessions[f.SessionID]
		if !ok {
			s.mu.RUnlock()
			return 0, nil
		}
		prefix = idxPrefix(fieldSession, keyPartStr(f.SessionID))
		if len(conds) == 0 && f.open() {
			known = rec.EventCount - rec.Dropped
		}
	}
	s.mu.RUnlock()
	if f.SessionID == "" && f.open() {
		switch len(conds) {
		case 0:
			known = s.EventsStored()
		case 1:
			field, value := tupleFields[conds[0].i], [...]string{f.AgentType, f.EventType, f.ToolName, f.Model, f.Branch, f.Source}[conds[0].i]
			if err := s.view(func(tx *bolt.Tx) error {
				known = readCount(tx.Bucket(bucketCounts).Get(countKey(field, keyPartStr(value))))
				return nil
			}); err != nil {
				return 0, err
			}
		}
	}
	lo, hi := f.bounds()
	end := int64(-1)
	if f.Limit >= 0 {
		end = int64(f.Offset) + int64(f.Limit)
	}

	var total int64
	var resume []byte // the first key the next chunk handles
	for {
		var rows [][]byte
		done := false
		err := s.view(func(tx *bolt.Tx) error {
			bucket := tx.Bucket(bucketByCreated)
			if prefix != nil {
				bucket = tx.Bucket(bucketIdx)
			}
			events := tx.Bucket(bucketEvents)
			c := bucket.Cursor()
			var k, v []byte
			if resume == nil {
				k, v = seekBefore(c, append(slices.Clip(prefix), u64(uint64(hi)+1)...))
			} else if k, v = c.Seek(resume); !bytes.Equal(k, resume) {
				k, v = seekBefore(c, resume) // resume was removed meanwhile
			}
		walk:
			for n := 0; ; n++ {
				if n > 0 {
					k, v = c.Prev()
				}
				if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+16 {
					done = true
					return nil
				}
				if int64(binary.BigEndian.Uint64(k[len(prefix):])) < lo {
					done = true
					return nil
				}
				if n == scanChunk {
					resume = slices.Clone(k)
					return nil
				}
				if len(conds) > 0 {
					t := decodeTuple(v)
					for _, c := range conds {
						if t[c.i] != c.id {
							continue walk
						}
					}
				}
				if total >= int64(f.Offset) && (end < 0 || total < end) {
					if body := events.Get(k[len(prefix)+8:]); body != nil {
						rows = append(rows, slices.Clone(body))
					}
				}
				total++
				if known >= 0 && end >= 0 && total >= end {
					done = true
					return nil
				}
			}
		})
		if err != nil {
			return 0, err
		}
		for _, r := range rows {
			if err := emit(r); err != nil {
				return 0, err
			}
		}
		if done {
			break
		}
	}
	if known >= 0 {
		return known, nil
	}
	return total, nil
}

// seekBefore positions c on the last key < key and returns it.
func seekBefore(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	if k, _ := c.Seek(key); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// Session returns one session's row, or ErrNotFound.
func (s *Store) Session(id string) (contract.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.sessions[id]
	if !ok {
		return contract.Session{}, ErrNotFound
	}
	return rec.row(), nil
}

// SessionProject returns the session's project, "" when it has none or does not exist.
func (s *Store) SessionProject(id string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if rec, ok := s.sessions[id]; ok {
		return rec.Project
	}
	return ""
}

// SessionEvents returns the JSON rows of a session's newest events (created_at desc, id desc),
// at most limit of them (limit < 0: all).
func (s *Store) SessionEvents(id string, limit int) ([][]byte, error) {
	rows := [][]byte{}
	if limit == 0 {
		return rows, nil
	}
	_, err := s.Events(EventFilter{SessionID: id, Limit: limit}, func(row []byte) error {
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// SessionTimeline returns all events of a session in transcript order (created_at asc, id asc).
func (s *Store) SessionTimeline(id string) ([]contract.Event, error) {
	var out []contract.Event
	prefix := idxPrefix(fieldSession, keyPartStr(id))
	err := s.view(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		c := tx.Bucket(bucketIdx).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+16 {
				continue
			}
			var r contract.Event
			body := events.Get(k[len(prefix)+8:])
			if body == nil || json.Unmarshal(body, &r) != nil || r.SessionID != id {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// SessionFilter selects sessions for Sessions (CONTRACT 8.9).
type SessionFilter struct {
	Status, ExcludeStatus, AgentType string
	Range                                // on last_event_at; only Since is used
	Limit                            int // <= 0: all
}

// Sessions lists sessions: active first, then idle, then the rest, each by last_event_at desc.
func (s *Store) Sessions(f SessionFilter) []contract.Session {
	out := []contract.Session{}
	if f.Never {
		return out
	}
	lo, _ := f.bounds()
	s.mu.RLock()
	recs := make([]*sessionRec, 0, len(s.sessions))
	for _, rec := range s.sessions {
		if f.Status != "" && rec.Status != f.Status ||
			f.ExcludeStatus != "" && rec.Status == f.ExcludeStatus ||
			f.AgentType != "" && rec.AgentType != f.AgentType ||
			f.Since != nil && rec.LastEvent < lo {
			continue
		}
		recs = append(recs, rec)
	}
	rank := func(status string) int {
		switch status {
		case contract.SessionActive:
			return 0
		case contract.SessionIdle:
			return 1
		}
		return 2
	}
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if ra, rb := rank(a.Status), rank(b.Status); ra != rb {
			return ra < rb
		}
		if a.LastEvent != b.LastEvent {
			return a.LastEvent > b.LastEvent
		}
		return a.Touched > b.Touched
	})
	if f.Limit > 0 && len(recs) > f.Limit {
		recs = recs[:f.Limit]
	}
	for _, rec := range recs {
		out = append(out, rec.row())
	}
	s.mu.RUnlock()
	return out
}
