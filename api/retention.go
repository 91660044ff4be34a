package api

import (
	"context"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
)

// retentionEvery is how often old events are dropped when retention is on.
const retentionEvery = time.Hour

// retainEvery drops the events older than the retention period now and then every hour, until
// ctx ends.
func (s *Server) retainEvery(ctx context.Context) {
	if s.cfg.Retention <= 0 {
		return
	}
	tick := time.NewTicker(retentionEvery)
	defer tick.Stop()
	for {
		cutoff := time.Now().Add(-s.cfg.Retention)
		n, err := s.store.DropBefore(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("dropping old events failed", "err", err)
		case n > 0:
			s.log.Info("dropped old events", "events", n, "before", s.store.RetainedFrom())
			if s.idx != nil {
				s.idx.Notify() // its tailer deletes their documents
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// compact rewrites the database without its free pages (POST /api/compact). Ingest waits for it;
// reads go on until the new file is swapped in.
func (s *Server) compact(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	rep, err := s.store.Compact(r.Context())
	if err != nil {
		// The file system's reason (a full disk) is what the user needs to know.
		s.log.Error("compaction failed", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.log.Info("database compacted", "size_before", rep.SizeBefore, "size_after", rep.SizeAfter, "took_ms", rep.TookMS)
	writeJSON(w, http.StatusOK, rep)
}
