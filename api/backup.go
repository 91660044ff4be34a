package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"
)

// backup is GET /api/backup (CONTRACT 18.6): one consistent copy of the database file, written from
// a single read transaction while ingest goes on. The guard already limits it to loopback Host
// names, or to requests with the token when the server has one. The body carries its exact
// Content-Length, so a client can tell a copy cut short from a whole one.
func (s *Server) backup(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	// A large file may take longer to send than the server's write timeout allows a response.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="agentmonitor-backup.db"`)
	h.Set("Cache-Control", "no-store")
	started := false
	n, err := s.store.BackupTo(func(size int64) (io.Writer, error) {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		started = true
		return w, nil
	})
	if err != nil {
		if !started {
			s.fail(w, r, err)
			return
		}
		// The header is out: the body ends short of its Content-Length, so the server closes the
		// connection and the client sees an incomplete copy.
		s.log.ErrorContext(r.Context(), "backup cut short", "sent", n, "err", err)
	}
}
