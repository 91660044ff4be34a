package kv

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// LastID is the highest event id given out (0 for an empty store).
func (s *Store) LastID() uint64 {
	var id uint64
	_ = s.view(func(tx *bolt.Tx) error {
		id = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	return id
}

// EventsAfter calls fn with the id and JSON row of each stored event whose id is greater than
// after, in id order, at most limit of them, and returns the last id passed to fn (after itself
// when there was none). The row is valid only during the call. It is how derived state (the
// search index) tails the store from a cursor.
func (s *Store) EventsAfter(after uint64, limit int, fn func(id uint64, row []byte) error) (uint64, error) {
	last := after
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		n := 0
		for k, v := c.Seek(u64(after + 1)); k != nil && n < limit; k, v = c.Next() {
			id := binary.BigEndian.Uint64(k)
			if err := fn(id, v); err != nil {
				return err
			}
			last = id
			n++
		}
		return nil
	})
	return last, err
}

// EventsByID returns the JSON rows of the given ids, in the same order; a missing id gives nil.
func (s *Store) EventsByID(ids []uint64) ([][]byte, error) {
	rows := make([][]byte, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		for i, id := range ids {
			if v := b.Get(u64(id)); v != nil {
				rows[i] = append([]byte(nil), v...)
			}
		}
		return nil
	})
	return rows, err
}
