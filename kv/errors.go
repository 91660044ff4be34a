package kv

import "errors"

var (
	// ErrNotFound is returned when a session (or other record) does not exist.
	ErrNotFound = errors.New("kv: not found")
	// ErrClosed is returned by writes submitted after Close began.
	ErrClosed = errors.New("kv: store closed")
	// ErrLocked is returned by Open when another process holds the database file.
	ErrLocked = errors.New("kv: database is in use by another process")
	// ErrNewerSchema is returned by Open for a file written by a newer AgentMonitor.
	ErrNewerSchema = errors.New("kv: database schema is newer than this binary")
)
