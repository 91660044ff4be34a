package kv

import (
	"context"
	"errors"
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
// writer: new events wait for it; reads go on, on the old file until the new one is in place.
func (s *Store) Compact(ctx context.Context) (CompactReport, error) {
	var rep CompactReport
	_, err := s.submit(ctx, &request{compact: &rep})
	return rep, err
}

// compactSuffix names the new file beside the database while it is written.
const compactSuffix = ".compact"

// renameOpenFiles: the system renames a file over one that is open (a variable, so the Windows
// way is tested everywhere).
var renameOpenFiles = runtime.GOOS != "windows"

// compact is Compact inside the writer goroutine.
func (s *Store) compact(rep *CompactReport) error {
	start := time.Now()
	rep.SizeBefore = s.Size()
	// A symlinked database stays a symlink: the new file goes where it points.
	path, err := filepath.EvalSymlinks(s.opts.Path)
	if err != nil {
		return fmt.Errorf("kv: compact: %w", err)
	}
	tmp := path + compactSuffix
	_ = os.Remove(tmp) // left by a compaction that did not finish
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("kv: compact: %w", err)
	}
	err = bolt.Compact(dst, s.db.Load(), compactTxSize)
	if err == nil {
		err = dst.Sync() // its commits skipped fsync; one at the end makes the copy durable
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if fi, serr := os.Stat(tmp); serr == nil && fi.Size() >= rep.SizeBefore {
			// Nothing to give back: the file stays as it is.
			os.Remove(tmp)
			rep.SizeAfter, rep.TookMS = rep.SizeBefore, time.Since(start).Milliseconds()
			return nil
		}
		err = s.swap(path, tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kv: compact: %w", err)
	}
	// A new file has no record of allocations to let go of (see reopen).
	_ = s.db.Load().View(func(tx *bolt.Tx) error {
		s.size, s.openedSize = tx.Size(), tx.Size()
		return nil
	})
	if err := syncDir(filepath.Dir(path)); err != nil {
		// The rename is done; only its durability across a power cut is in doubt.
		s.log.Warn("compaction: syncing the directory failed", "dir", filepath.Dir(path), "err", err)
	}
	rep.SizeAfter = s.Size()
	rep.TookMS = time.Since(start).Milliseconds()
	return nil
}

// swap puts the compacted file tmp in place of the database at path. Where an open file can be
// renamed over (everywhere but Windows), the new file is opened, and so locked, before the rename:
// no other process can take the database in between, and a failure leaves the old file in use.
// The old file is closed in the background once its last reader (a backup download, say) ends,
// so neither the writer nor new readers wait for it.
func (s *Store) swap(path, tmp string) error {
	old := s.db.Load()
	if !renameOpenFiles {
		return s.swapClosed(path, tmp, old)
	}
	next, err := openBolt(tmp)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		next.Close()
		return err
	}
	s.db.Store(next)
	s.retired.Go(func() {
		if err := old.Close(); err != nil {
			s.log.Warn("compaction: closing the old file", "err", err)
		}
	})
	return nil
}

// swapClosed is swap for Windows, which renames no open file: the old file is closed first (after
// its readers end; readers that arrive meanwhile wait), then renamed over and opened. Whatever the
// rename did, path then holds a whole database.
func (s *Store) swapClosed(path, tmp string, old *bolt.DB) error {
	s.swapping.Store(true)
	defer s.swapping.Store(false)
	closeErr := old.Close()
	renameErr := os.Rename(tmp, path)
	next, err := openBolt(path)
	if err != nil {
		return fmt.Errorf("reopen (restart the server): %w", errors.Join(err, closeErr, renameErr))
	}
	s.db.Store(next)
	return renameErr
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

// reopen closes the file and opens it again, to let go of bbolt's record of the pages it
// allocated since open: one map entry per page until the page is freed, which for data that is
// only ever appended grows with everything written, about 1% of it in memory (the soak found
// this). Opening rebuilds the free list by walking the file: about 0.3 s for 500 MB, once per
// Options.ReopenAfter of growth. A read under way (a backup download) puts it off to a later
// commit rather than keep the writer waiting; reads that arrive meanwhile wait.
func (s *Store) reopen() {
	s.swapping.Store(true)
	defer s.swapping.Store(false)
	if s.readers.Load() > 0 {
		return
	}
	start := time.Now()
	if err := s.db.Load().Close(); err != nil {
		s.log.Warn("reopening the database: close", "err", err)
	}
	db, err := openBolt(s.opts.Path)
	if err != nil {
		// Every operation fails from here on (bbolt: database not open), as after a lost disk.
		s.log.Error("reopening the database failed; restart the server", "err", err)
		return
	}
	s.db.Store(db)
	s.openedSize = s.size
	s.wstats.mu.Lock()
	s.wstats.st.Reopens++
	s.wstats.mu.Unlock()
	s.log.Info("database reopened", "size_mb", s.size>>20, "took", time.Since(start).Round(time.Millisecond))
}
