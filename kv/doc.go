// Package kv keeps every event in one bbolt file, the only source of truth of AgentMonitor.
//
// # Writes
//
// One goroutine owns all writes. It takes every request waiting (up to a bound), applies them in
// ONE bbolt transaction — event records, event_id and correlation dedup keys, the session record,
// the agent record, per-field index keys, counters and hourly rollups — commits with fsync, and only
// then answers each request. An acknowledged event is therefore on disk, and many concurrent
// requests share one fsync.
//
// # Reads
//
// Stats never scan events: they read hourly rollups (and an all-time rollup), plus at most the one
// partial hour a "since" bound cuts into. Lists read per-field index keys. Sessions are also held in
// memory (rebuilt from the file at Open and updated by the writer after each commit), so the idle
// sweep and the session counters of /api/stats cost no disk reads.
//
// # Layout
//
// Buckets and keys are described in buckets.go. The schema has a version in the meta bucket and
// a migration step per version (migrate.go).
package kv
