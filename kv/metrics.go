package kv

import (
	"maps"
	"sync"
	"time"
)

// CommitBuckets are the upper bounds (events per commit) of the commit-size histogram.
var CommitBuckets = []int{1, 4, 16, 64, 256, 1024, 4096}

// WriterStats describes the writer's work since Open.
type WriterStats struct {
	Commits        int64         // transactions committed
	Events         int64         // events stored by them
	CommitSizes    []int64       // commits per CommitBuckets bound (cumulative), then the +Inf count
	CommitTime     time.Duration // time spent in transactions, fsync included
	SyncTime       time.Duration // bbolt's time writing pages and syncing them
	Failed         int64         // transactions that failed
	Reopens        int64         // times the file was closed and opened again (reopen)
	EventsByType   map[string]int64
	EventsBySource map[string]int64
}

type writerStats struct {
	mu sync.Mutex
	st WriterStats
}

func (w *writerStats) record(events []Committed, stored int64, took time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := &w.st
	if st.CommitSizes == nil {
		st.CommitSizes = make([]int64, len(CommitBuckets)+1)
		st.EventsByType, st.EventsBySource = map[string]int64{}, map[string]int64{}
	}
	st.Commits++
	st.Events += stored
	st.CommitTime += took
	for i, bound := range CommitBuckets {
		if stored <= int64(bound) {
			st.CommitSizes[i]++
		}
	}
	st.CommitSizes[len(CommitBuckets)]++
	for _, c := range events {
		st.EventsByType[c.Row.EventType]++
		st.EventsBySource[c.Row.Source]++
	}
}

// WriterStats returns a copy of the writer's statistics.
func (s *Store) WriterStats() WriterStats {
	s.wstats.mu.Lock()
	st := s.wstats.st
	st.CommitSizes = append([]int64(nil), st.CommitSizes...)
	st.EventsByType, st.EventsBySource = maps.Clone(st.EventsByType), maps.Clone(st.EventsBySource)
	s.wstats.mu.Unlock()
	db := s.db.Load().Stats()
	st.SyncTime = db.TxStats.GetWriteTime()
	return st
}
