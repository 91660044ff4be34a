package kv

import (
	"encoding/binary"
	"math"
)

// Buckets of the file. Integers in keys are 8-byte big-endian so keys sort by them.
var (
	// meta: schema version, db_uuid.
	bucketMeta = []byte("meta")
	// events: seq → the event row as JSON (exactly what the API returns).
	bucketEvents = []byte("events")
	// event_ids: client event_id → seq (dedup, CONTRACT 5 step 2).
	bucketEventIDs = []byte("event_ids")
	// corr: session_id 0x00 kind 0x00 key → seq (one real call counted once, CONTRACT 18.1).
	bucketCorr = []byte("corr")
	// sessions: session_id → session record (JSON).
	bucketSessions = []byte("sessions")
	// session_files: session_id 0x00 file_path → empty (files_edited is its size per session).
	bucketSessionFiles = []byte("session_files")
	// agents: "<agent_type>-default" → agent record (JSON).
	bucketAgents = []byte("agents")
	// idx: 's', session_id, 0x00, created_at seconds, seq → tuple: a session's events in time order.
	bucketIdx = []byte("idx")
	// by_created: created_at seconds, seq → tuple (time order of all events).
	bucketByCreated = []byte("by_created")
	// dict: field byte, value → uvarint id, value (the ids tuples are made of).
	bucketDict = []byte("dict")
	// import_state: the importer's per-file records (its own encoding).
	bucketImportState = []byte("import_state")
	// series: cumulative OTLP series → last value (float64 bits), last seen (Unix seconds).
	bucketSeries = []byte("series")
	// by_ts: client_timestamp seconds, seq → empty, for events that have one (the cost timeline's
	// time is client-or-created).
	bucketByTS = []byte("by_ts")
	// counts: field byte, value → number of events with that value (filter options, selectivity).
	bucketCounts = []byte("counts")
	// rollups: hour, dim byte, agent_type, 0x00, value → agg; hour allTime holds all-time totals.
	bucketRollups = []byte("rollups")
	// timeline: client-or-created hour, agent_type → agg (CONTRACT 8.7 timeline).
	bucketTimeline = []byte("timeline")
)

var allBuckets = [][]byte{
	bucketMeta, bucketEvents, bucketEventIDs, bucketCorr, bucketSessions, bucketSessionFiles,
	bucketAgents, bucketIdx, bucketByCreated, bucketByTS, bucketCounts, bucketRollups, bucketTimeline,
	bucketDict, bucketSeries, bucketImportState,
}

// Index fields: the first byte of idx and counts keys.
const (
	fieldSession   byte = 's'
	fieldAgent     byte = 'a'
	fieldEventType byte = 'e'
	fieldTool      byte = 't'
	fieldModel     byte = 'm'
	fieldBranch    byte = 'b'
	fieldSource    byte = 'o'
)

// Rollup dimensions.
const (
	dimAll     byte = 'A' // value ""
	dimTool    byte = 'T'
	dimModel   byte = 'M'
	dimSession byte = 'S'
)

// allTime is the hour under which all-time rollups are kept: past any real hour.
const allTime = math.MaxUint64

var keyEventsTotal = []byte("#events")

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func timeSeqKey(sec int64, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(sec))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// idxPrefix is field, value, 0x00. Values never contain 0x00 in practice; one that did would only
// widen a prefix scan, and every scan re-checks the stored row when it filters on more than one field.
func idxPrefix(field byte, value string) []byte {
	k := make([]byte, 0, len(value)+2+16)
	k = append(k, field)
	k = append(k, value...)
	return append(k, 0)
}

func idxKey(field byte, value string, sec int64, seq uint64) []byte {
	k := idxPrefix(field, value)
	k = binary.BigEndian.AppendUint64(k, uint64(sec))
	return binary.BigEndian.AppendUint64(k, seq)
}

func countKey(field byte, value string) []byte {
	k := make([]byte, 0, len(value)+1)
	k = append(k, field)
	return append(k, value...)
}

func rollupKey(hour uint64, dim byte, agent, value string) string {
	agent = keyPartStr(agent)
	k := make([]byte, 0, 8+1+len(agent)+1+len(value))
	k = binary.BigEndian.AppendUint64(k, hour)
	k = append(k, dim)
	k = append(k, agent...)
	k = append(k, 0)
	return string(append(k, value...))
}

// parseRollupKey splits a rollups key; ok is false for a malformed key.
func parseRollupKey(k []byte) (hour uint64, dim byte, agent, value string, ok bool) {
	if len(k) < 10 {
		return 0, 0, "", "", false
	}
	hour = binary.BigEndian.Uint64(k)
	dim = k[8]
	rest := k[9:]
	for i, c := range rest {
		if c == 0 {
			return hour, dim, string(rest[:i]), string(rest[i+1:]), true
		}
	}
	return 0, 0, "", "", false
}

func timelineKey(hour uint64, agent string) string {
	agent = keyPartStr(agent)
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(agent)), hour)
	return string(append(k, agent...))
}

func sessionFileKey(sessionID, path string) []byte {
	k := make([]byte, 0, len(sessionID)+1+len(path))
	k = append(k, sessionID...)
	k = append(k, 0)
	return append(k, path...)
}

func corrKey(sessionID, kind, key string) []byte {
	k := make([]byte, 0, len(sessionID)+len(kind)+len(key)+2)
	k = append(k, sessionID...)
	k = append(k, 0)
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, key...)
}
