package kv

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the file layout this code writes.
const SchemaVersion = 1

var (
	keySchemaVersion = []byte("schema_version")
	keyDBUUID        = []byte("db_uuid")
)

// migrations[i] moves a file from version i to i+1. Version 0 is an empty file.
var migrations = []func(tx *bolt.Tx) error{
	func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keyDBUUID, []byte(newUUID()))
	},
}

// migrate brings the file to SchemaVersion in the open transaction.
func (s *Store) migrate(tx *bolt.Tx) error {
	version := uint64(0)
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keySchemaVersion); len(v) == 8 {
			version = binary.BigEndian.Uint64(v)
		}
	}
	if version > SchemaVersion {
		return fmt.Errorf("%w: %s has version %d, this binary knows %d", ErrNewerSchema, s.opts.Path, version, SchemaVersion)
	}
	for v := version; v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("kv: migrate to version %d: %w", v+1, err)
		}
		s.log.Info("database migrated", "path", s.opts.Path, "version", v+1)
	}
	// A bucket added without a change to existing data needs no version of its own.
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			if _, err := tx.CreateBucket(name); err != nil {
				return fmt.Errorf("kv: create bucket %s: %w", name, err)
			}
		}
	}
	if version == SchemaVersion {
		return nil
	}
	return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(SchemaVersion))
}
