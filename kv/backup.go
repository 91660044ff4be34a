package kv

import (
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database file to w and returns its size. It reads
// one snapshot (a read transaction), so ingest goes on meanwhile; the copy holds every event
// committed before the call. The copy opens as a database of its own.
func (s *Store) Backup(w io.Writer) (int64, error) {
	return s.BackupTo(func(int64) (io.Writer, error) { return w, nil })
}

// BackupTo is Backup for a writer that needs the copy's exact size first (an HTTP response's
// Content-Length): open is called with it, inside the snapshot, before anything is written.
func (s *Store) BackupTo(open func(size int64) (io.Writer, error)) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		w, err := open(tx.Size())
		if err != nil {
			return err
		}
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("kv: backup: %w", err)
	}
	return n, nil
}
