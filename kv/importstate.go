package kv

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// IngestImport stores imported events like IngestQuiet and, in the same transaction, the
// importer's state records (key → value; a nil value deletes the key). So a file's offset moves
// exactly when the events read up to it are committed, and a crash re-reads nothing twice.
func (s *Store) IngestImport(ctx context.Context, inputs []contract.Input, state map[string][]byte) ([]Outcome, error) {
	r, err := s.submit(ctx, &request{inputs: inputs, quiet: true, state: state})
	return r.outcomes, err
}

// ImportState returns the importer's state record for key, nil when there is none.
func (s *Store) ImportState(key string) []byte {
	var out []byte
	_ = s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketImportState).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out
}

// ImportStates calls fn for each importer state record, in key order.
func (s *Store) ImportStates(fn func(key string, value []byte) error) error {
	return s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketImportState).ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}

func putState(tx *bolt.Tx, state map[string][]byte) error {
	b := tx.Bucket(bucketImportState)
	for k, v := range state {
		var err error
		if v == nil {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
