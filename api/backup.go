package api

import (
	"encoding/binary"
	"errors"
	"fmt"
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
	sw := &snapshotWriter{w: w, atLeast: s.store.BackupSize()}
	_, err := s.store.Backup(sw)
	if err == nil && !sw.started {
		err = errSnapshotHeader
	}
	if err != nil {
		if !sw.started {
			s.fail(w, r, err)
			return
		}
		// The header is out: the body ends short of its Content-Length, so the server closes the
		// connection and the client sees an incomplete copy.
		s.log.ErrorContext(r.Context(), "backup cut short", "sent", sw.sent, "err", err)
	}
}

// snapshotWriter sends a bbolt snapshot (Tx.WriteTo) as a response with its exact length.
//
// note: Store.BackupSize is read in a transaction of its own, so the file may grow before Backup's
// transaction begins, and a Content-Length from it could be too short. The snapshot states its
// own size in its first page instead: WriteTo first writes a meta page whose high-water page id
// times the page size is Tx.Size (bbolt internal/common meta.go, tx.go WriteTo). That size is
// checked against BackupSize, which it can only exceed, since a bbolt file never shrinks.
type snapshotWriter struct {
	w       http.ResponseWriter
	atLeast int64 // BackupSize before the snapshot
	head    []byte
	started bool
	sent    int64
}

// metaEnd is the end of the high-water page id in a meta page: a 16-byte page header, then magic,
// version, page size, flags (4 bytes each), the root bucket (16), the freelist page (8) and pgid (8).
const (
	metaPageSizeAt = 16 + 8
	metaPgidAt     = 16 + 40
	metaEnd        = metaPgidAt + 8
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
)

var errSnapshotHeader = errors.New("api: backup: snapshot does not start with a bbolt meta page")

func (sw *snapshotWriter) Write(p []byte) (int, error) {
	if sw.started {
		n, err := sw.w.Write(p)
		sw.sent += int64(n)
		return n, err
	}
	sw.head = append(sw.head, p...)
	if len(sw.head) < metaEnd {
		return len(p), nil
	}
	size, err := snapshotSize(sw.head)
	if err != nil {
		return 0, err
	}
	if size < sw.atLeast {
		return 0, fmt.Errorf("%w: it states %d bytes, the file had %d", errSnapshotHeader, size, sw.atLeast)
	}
	sw.w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	sw.w.WriteHeader(http.StatusOK)
	sw.started = true
	n, err := sw.w.Write(sw.head)
	sw.sent += int64(n)
	if err != nil {
		return 0, err
	}
	sw.head = nil
	return len(p), nil
}

// snapshotSize reads the size of a bbolt snapshot from its first meta page.
func snapshotSize(page []byte) (int64, error) {
	ne := binary.NativeEndian // bbolt writes its structs in the machine's byte order
	if ne.Uint32(page[16:]) != boltMagic || ne.Uint32(page[20:]) != boltVersion {
		return 0, errSnapshotHeader
	}
	pageSize := int64(ne.Uint32(page[metaPageSizeAt:]))
	pgid := ne.Uint64(page[metaPgidAt:])
	if pageSize < 512 || pageSize > 1<<20 || pageSize&(pageSize-1) != 0 || pgid < 2 || pgid > 1<<40 {
		return 0, errSnapshotHeader
	}
	return int64(pgid) * pageSize, nil
}
