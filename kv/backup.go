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
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("kv: backup: %w", err)
	}
	return n, nil
}

// BackupSize is the size a Backup written now would have.
func (s *Store) BackupSize() int64 {
	var n int64
	_ = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n
}
