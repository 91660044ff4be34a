package api

import (
	"testing"
	"time"
)

// SetSpoolGrace shortens the spool drain's wait for the test's lifetime. Call it before starting
// a server; the old value comes back after the test's later cleanups (the server's) have run.
func SetSpoolGrace(t *testing.T, d time.Duration) {
	old := spoolGrace
	spoolGrace = d
	t.Cleanup(func() { spoolGrace = old })
}
