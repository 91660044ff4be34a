package kv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompactReport is what a compaction did.
type CompactReport struct {
	SizeBefore int64 `json:"size_before"`
	SizeAfter  int64 `json:"size_after"`
	TookMS     int64 `json:"took_ms"`
}

// compactTxSize bounds the bytes copied per transaction into the new file.
const compactTxSize = 64 << 20

// Compact rewrites the database into a new file without its free pages and puts that file in
// place of the old one (a rename, so a crash leaves one or the other whole). It runs in the
// writer: new events wait for it; reads go on until the swap, which waits for them to finish.
func (s *Store) Compact(ctx context.Context) (CompactReport, error) {
	var rep CompactReport
	_, err := s.submit(ctx, &request{compact: &rep})
	return rep, err
}

// compact is Compact inside the writer goroutine.
func (s *Store) compact(rep *CompactReport) error {
	start := time.Now()
	path := s.opts.Path
	rep.SizeBefore = s.Size()
	tmp := path + ".compact"
	_ = os.Remove(tmp) // left by a compaction that did not finish
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("kv: compact: %w", err)
	}
	err = bolt.Compact(dst, s.db, compactTxSize)
	if err == nil {
		err = dst.Sync() // its commits skipped fsync; one at the end makes the copy durable
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kv: compact: %w", err)
	}

	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if err := s.db.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kv: compact: close: %w", err)
	}
	renameErr := os.Rename(tmp, path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(path))
	} else {
		os.Remove(tmp)
	}
	// Whatever the rename did, path holds a whole database: the new one or the old one.
	db, err := openBolt(path)
	if err != nil {
		return fmt.Errorf("kv: compact: reopen (restart the server): %w", err)
	}
	s.db = db
	if renameErr != nil {
		return fmt.Errorf("kv: compact: %w", renameErr)
	}
	rep.SizeAfter = s.Size()
	rep.TookMS = time.Since(start).Milliseconds()
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory, and needs not.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
