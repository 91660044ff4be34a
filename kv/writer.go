package kv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Outcome is what became of one submitted event.
type Outcome struct {
	ID        int64 // the stored id; 0 when nothing was stored
	Duplicate bool
	// NoIncrease: a cumulative series point that did not increase; nothing was stored.
	NoIncrease bool
}

// request is one unit of work for the writer: events to store, or an idle sweep.
type request struct {
	inputs []contract.Input
	quiet  bool              // do not pass the rows to OnCommit (history from the importer)
	state  map[string][]byte // importer state records written with the events
	sweep  time.Time         // non-zero: run the idle sweep as of this time
	recalc *recalcJob        // non-nil: re-price a chunk of events
	drop   *dropJob          // non-nil: delete a chunk of old events
	// compact, when set, asks for a compaction (outside any transaction) reported there.
	compact *CompactReport
	done    chan response
}

type response struct {
	outcomes []Outcome
	idled    int
	err      error
}

// Ingest stores events (CONTRACT section 5) and returns, per input in order, its id or that it
// was a duplicate. It returns only after the transaction holding them is committed to disk. Inputs
// must already be validated and normalized; pricing is the caller's.
func (s *Store) Ingest(ctx context.Context, inputs []contract.Input) ([]Outcome, error) {
	r, err := s.submit(ctx, &request{inputs: inputs})
	return r.outcomes, err
}

// IngestQuiet is Ingest without passing the rows to OnCommit: imported history is not broadcast
// event by event.
func (s *Store) IngestQuiet(ctx context.Context, inputs []contract.Input) ([]Outcome, error) {
	r, err := s.submit(ctx, &request{inputs: inputs, quiet: true})
	return r.outcomes, err
}

func (s *Store) submit(ctx context.Context, r *request) (response, error) {
	r.done = make(chan response, 1)
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return response{}, ErrClosed
	}
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return response{}, ctx.Err()
	}
	s.closeMu.RUnlock()
	// Once queued, the request is committed even if ctx ends; only the wait is abandoned.
	select {
	case res := <-r.done:
		return res, res.err
	case <-ctx.Done():
		return response{}, ctx.Err()
	}
}

func (s *Store) writer() {
	defer close(s.stopped)
	last, prev := 0, 0 // requests in the last two commits
	for {
		var first *request
		select {
		case first = <-s.reqs:
		case <-s.closing:
			// Close holds out new submitters, so what is queued now is all there will be.
			for {
				select {
				case r := <-s.reqs:
					s.apply([]*request{r})
				default:
					return
				}
			}
		}
		// Concurrent clients that were just answered come back within a round trip; when the
		// last commit was shared, wait a moment for them, so the groups grow to the number of
		// clients instead of alternating between two halves of them.
		batch, n := []*request{first}, len(first.inputs)
		target := last + prev
		var timer *time.Timer
	gather:
		for n < s.opts.MaxBatch {
			var r *request
			select {
			case r = <-s.reqs:
			default:
				if last <= 1 || len(batch) >= target {
					break gather
				}
				if timer == nil {
					timer = time.NewTimer(gatherWait)
				}
				select {
				case r = <-s.reqs:
				case <-timer.C:
					break gather
				}
			}
			batch = append(batch, r)
			n += len(r.inputs)
		}
		if timer != nil {
			timer.Stop()
		}
		prev, last = last, len(batch)
		s.apply(batch)
	}
}

// apply commits a batch, running any compaction in it on its own between the commits of the
// requests before and after it.
func (s *Store) apply(batch []*request) {
	from := 0
	for i, r := range batch {
		if r.compact == nil {
			continue
		}
		if i > from {
			s.commit(batch[from:i])
		}
		r.done <- response{err: s.compact(r.compact)}
		from = i + 1
	}
	if from < len(batch) {
		s.commit(batch[from:])
	}
	if s.size-s.openedSize > s.opts.ReopenAfter {
		s.reopen()
	}
}

// commit applies a batch of requests in one transaction. If the transaction fails and it held
// several requests, each is retried alone, so one request that cannot be stored fails only itself.
func (s *Store) commit(batch []*request) {
	start := time.Now()
	now := s.opts.Now().UTC()
	w := &txWriter{s: s, now: now.Unix(), sessions: map[string]*sessionRec{}}
	results := make([]response, len(batch))
	var size int64
	err := s.db.Load().Update(func(tx *bolt.Tx) error {
		w.begin(tx)
		for i, r := range batch {
			if !r.sweep.IsZero() {
				results[i].idled = w.sweep(r.sweep)
				continue
			}
			if r.drop != nil {
				if err := w.drop(r.drop); err != nil {
					return err
				}
				continue
			}
			if r.recalc != nil {
				if err := w.recalc(r.recalc, w.dictName); err != nil {
					return err
				}
				continue
			}
			if err := putState(tx, r.state); err != nil {
				return err
			}
			results[i].outcomes = make([]Outcome, len(r.inputs))
			for j := range r.inputs {
				o, err := w.insert(&r.inputs[j], !r.quiet)
				if err != nil {
					return err
				}
				results[i].outcomes[j] = o
			}
		}
		if err := w.flush(); err != nil {
			return err
		}
		size = tx.Size()
		return nil
	})
	if err != nil {
		if len(batch) > 1 {
			for _, r := range batch {
				s.commit([]*request{r})
			}
			return
		}
		s.wstats.mu.Lock()
		s.wstats.st.Failed++
		s.wstats.mu.Unlock()
		s.log.Error("commit failed", "events", len(batch[0].inputs), "err", err)
		batch[0].done <- response{err: fmt.Errorf("kv: commit: %w", err)}
		return
	}
	s.mu.Lock()
	for id, rec := range w.sessions {
		s.sessions[id] = rec
	}
	if w.newIDs != nil {
		for k, e := range w.newIDs {
			s.dict.add(k, e.id, e.value)
		}
	}
	s.mu.Unlock()
	s.size = size
	s.eventsStored.Add(w.stored - w.dropped)
	if w.retainedFrom > 0 {
		s.retainedFrom.Store(w.retainedFrom)
	}
	if w.dropGen > 0 {
		s.dropGen.Store(w.dropGen)
	}
	s.wstats.record(w.all, w.stored, time.Since(start))
	for agentType := range w.agents {
		s.agentSeen[agentType] = w.now
	}
	if s.opts.OnCommit != nil && len(w.committed) > 0 {
		s.opts.OnCommit(w.committed)
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// txWriter applies requests inside one write transaction. Counters and rollups touched by many
// events of the batch are summed in memory and written once per key at flush.
type txWriter struct {
	s   *Store
	tx  *bolt.Tx
	now int64

	events, eventIDs, corr, files, idx, byCreated, byTS *bolt.Bucket

	sessions map[string]*sessionRec // working copies, installed in the cache after commit
	// moved: sessions an event or the sweep changed, which move ahead of sessions last changed
	// at the same second (Touched); a recalculation or retention changes only totals.
	moved     map[string]bool
	agents    map[string]bool
	rollups   map[string]*agg
	timeline  map[string]*agg
	counts    map[string]int64
	committed []Committed // stored rows to broadcast
	all       []Committed // every stored row, for the statistics
	stored    int64
	dropped   int64                // events deleted by retention
	newIDs    map[string]dictEntry // dictionary ids given out in this transaction
	next      [256]uint32

	retainedFrom int64  // a new retention cutoff, 0: unchanged
	dropGen      uint64 // the drop generation after this transaction, 0: unchanged
}

func (w *txWriter) begin(tx *bolt.Tx) {
	w.tx = tx
	w.events = tx.Bucket(bucketEvents)
	w.events.FillPercent = 1.0 // append-only: full pages halve the file
	w.eventIDs = tx.Bucket(bucketEventIDs)
	w.corr = tx.Bucket(bucketCorr)
	w.files = tx.Bucket(bucketSessionFiles)
	w.idx = tx.Bucket(bucketIdx)
	w.byCreated = tx.Bucket(bucketByCreated)
	w.byTS = tx.Bucket(bucketByTS)
	w.agents = map[string]bool{}
	w.moved = map[string]bool{}
	w.rollups = map[string]*agg{}
	w.timeline = map[string]*agg{}
	w.counts = map[string]int64{}
}

// session returns the working copy of a session, nil if it does not exist.
func (w *txWriter) session(id string) *sessionRec {
	if rec, ok := w.sessions[id]; ok {
		return rec
	}
	// Only the writer changes the cache, so it may read it without the lock.
	cur, ok := w.s.sessions[id]
	if !ok {
		return nil
	}
	rec := *cur
	w.sessions[id] = &rec
	return &rec
}

func (w *txWriter) insert(in *contract.Input, broadcast bool) (Outcome, error) {
	s := w.s
	imported := in.Source == contract.SourceImport
	historical := imported && (in.ClientTime.IsZero() ||
		in.ClientTime.Before(time.Unix(w.now, 0).Add(-s.opts.HistoricalWindow)))

	// Dedup: by event_id, then by the correlation key of the event's kind.
	if in.EventID != "" && w.eventIDs.Get(keyPart(in.EventID)) != nil {
		return Outcome{Duplicate: true}, nil
	}
	var ck []byte
	if kind := contract.CorrelationKind(in.EventType); kind != "" && in.Correlation != "" {
		ck = corrKey(keyPartStr(in.SessionID), kind, keyPartStr(in.Correlation))
		if w.corr.Get(ck) != nil {
			return Outcome{Duplicate: true}, nil
		}
	}

	if in.Series != "" {
		increased, err := w.applySeries(in)
		if err != nil || !increased {
			return Outcome{NoIncrease: err == nil}, err
		}
	}

	created := w.now
	if imported && !in.ClientTime.IsZero() {
		created = max(in.ClientTime.Unix(), 0) // CONTRACT 18.3: history keeps its own time
	}

	w.agents[in.AgentType] = true

	rec := w.session(in.SessionID)
	w.moved[in.SessionID] = true
	if rec == nil {
		rec = &sessionRec{ID: in.SessionID, AgentType: in.AgentType, Project: in.Project, Branch: in.Branch,
			Started: created, LastEvent: created}
		w.sessions[in.SessionID] = rec
	} else {
		if in.Project != "" {
			rec.Project = in.Project
		}
		if in.Branch != "" {
			rec.Branch = in.Branch
		}
		if imported {
			rec.Started = min(rec.Started, created)
			rec.LastEvent = max(rec.LastEvent, created)
		} else {
			rec.LastEvent = created
		}
	}
	rec.Status, rec.Ended = contract.SessionActive, 0

	project, branch := in.Project, in.Branch
	if project == "" {
		project = rec.Project
	}
	if branch == "" {
		branch = rec.Branch
	}
	if in.GitBranch != "" && !historical && project != "" {
		if branch == "" {
			branch = in.GitBranch
		}
		rec.Branch = in.GitBranch
	}

	seq, err := w.events.NextSequence()
	if err != nil {
		return Outcome{}, err
	}
	row := &contract.Event{
		ID:               int64(seq),
		EventID:          strPtr(in.EventID),
		SchemaVersion:    1,
		SessionID:        in.SessionID,
		AgentType:        in.AgentType,
		EventType:        in.EventType,
		ToolName:         strPtr(in.ToolName),
		Status:           in.Status,
		TokensIn:         in.TokensIn,
		TokensOut:        in.TokensOut,
		Branch:           strPtr(branch),
		Project:          strPtr(project),
		CreatedAt:        serverTime(created),
		Metadata:         in.Metadata,
		Model:            strPtr(in.Model),
		CostUSD:          in.CostUSD,
		CacheReadTokens:  in.CacheReadTokens,
		CacheWriteTokens: in.CacheWriteTokens,
		Source:           in.Source,
		CostSource:       strPtr(in.CostSource),
	}
	if row.Status == "" {
		row.Status = contract.StatusSuccess
	}
	if row.Source == "" {
		row.Source = contract.SourceAPI
	}
	if row.Metadata == "" {
		row.Metadata = "{}"
	}
	if in.PayloadTruncated {
		row.PayloadTruncated = 1
	}
	if in.DurationMS != 0 {
		d := in.DurationMS
		row.DurationMS = &d
	}
	ts := created
	if !in.ClientTime.IsZero() {
		t := contract.FormatClientTime(in.ClientTime)
		row.ClientTimestamp = &t
		ts = max(in.ClientTime.Unix(), 0)
	}
	body := contract.AppendEvent(nil, row)
	if err := w.events.Put(u64(seq), body); err != nil {
		return Outcome{}, err
	}
	if in.EventID != "" {
		if err := w.eventIDs.Put(keyPart(in.EventID), u64(seq)); err != nil {
			return Outcome{}, err
		}
	}
	if ck != nil {
		if err := w.corr.Put(ck, u64(seq)); err != nil {
			return Outcome{}, err
		}
	}
	if in.LogUsage && !rec.LogUsage {
		rec.LogUsage = true
		if err := w.supersedeMetricUsage(rec); err != nil {
			return Outcome{}, err
		}
	}
	b, err := w.index(row, created, ts, seq, in.MetricUsage, in.LogUsage, in.MetricUsage && rec.LogUsage)
	if err != nil {
		return Outcome{}, err
	}

	// Lifecycle (CONTRACT 5 steps 10–11).
	if row.EventType == "session_end" && (!imported || historical) {
		if row.AgentType == "claude_code" {
			rec.Status = contract.SessionIdle
		} else {
			rec.Status, rec.Ended = contract.SessionEnded, w.now
		}
	}
	if historical {
		rec.Status = contract.SessionEnded
		if rec.Ended == 0 {
			rec.Ended = w.now
		}
	}
	if err := w.sessionTotals(rec, row, &b.agg); err != nil {
		return Outcome{}, err
	}

	w.stored++
	c := Committed{Row: row, JSON: body}
	w.all = append(w.all, c)
	if broadcast {
		w.committed = append(w.committed, c)
	}
	return Outcome{ID: int64(seq)}, nil
}

// index writes the index and time keys, counters and rollups of one event, and returns its brief.
func (w *txWriter) index(r *eventRow, created, ts int64, seq uint64, metric, logUsage, excluded bool) (brief, error) {
	var t tuple
	for i, v := range tupleValues(r) {
		if v == "" {
			continue
		}
		key := string(countKey(tupleFields[i], keyPartStr(v)))
		id, err := w.dictID(tupleFields[i], key, v)
		if err != nil {
			return brief{}, err
		}
		t[i] = id
		w.counts[key]++
	}
	if err := w.idx.Put(idxKey(fieldSession, keyPartStr(r.SessionID), created, seq), t.encode()); err != nil {
		return brief{}, err
	}
	b := briefOf(r, t)
	b.metric, b.logUsage = metric, logUsage
	if excluded {
		b.exclude()
	}
	val := b.encode()
	if err := w.byCreated.Put(timeSeqKey(created, seq), val); err != nil {
		return brief{}, err
	}
	// Without a client timestamp the timeline's time is created_at, which by_created has.
	if b.clientTime {
		if err := w.byTS.Put(timeSeqKey(ts, seq), val); err != nil {
			return brief{}, err
		}
	}
	hour := uint64(created / 3600)
	for _, d := range b.dims() {
		w.addRollup(w.rollups, rollupKey(hour, d.dim, r.AgentType, d.value), &b.agg)
		w.addRollup(w.rollups, rollupKey(allTime, d.dim, r.AgentType, d.value), &b.agg)
	}
	w.addRollup(w.timeline, timelineKey(uint64(ts/3600), r.AgentType), &b.agg)
	return b, nil
}

// dictID returns the dictionary id of a value (key is countKey(field, value)), giving it the
// field's next id the first time it is seen.
func (w *txWriter) dictID(field byte, key, value string) (uint32, error) {
	if e, ok := w.newIDs[key]; ok {
		return e.id, nil
	}
	// Only the writer changes the dictionary, so it may read it without the lock.
	if id, ok := w.s.dict.ids[key]; ok {
		return id, nil
	}
	if w.newIDs == nil {
		w.newIDs, w.next = map[string]dictEntry{}, w.s.dict.next
	}
	w.next[field]++
	id := w.next[field]
	// The value follows the id: a key holds a digest in place of a long value.
	if err := w.tx.Bucket(bucketDict).Put([]byte(key), append(binary.AppendUvarint(nil, uint64(id)), value...)); err != nil {
		return 0, err
	}
	w.newIDs[key] = dictEntry{id, value}
	return id, nil
}

func (w *txWriter) addRollup(m map[string]*agg, key string, a *agg) {
	if cur, ok := m[key]; ok {
		cur.add(a)
		return
	}
	c := *a
	m[key] = &c
}

const gatherWait = 500 * time.Microsecond

// agentSeenResolution is how stale (seconds) a stored agent last_seen_at may get.
const agentSeenResolution = 60

// editTools are the tools whose metadata.file_path counts toward files_edited (CONTRACT 8.9).
var editTools = map[string]bool{"Edit": true, "Write": true, "MultiEdit": true, "apply_patch": true, "write_stdin": true}

// sessionTotals adds one stored event, whose rollup contribution is a, to its session's totals.
func (w *txWriter) sessionTotals(rec *sessionRec, r *eventRow, a *agg) error {
	rec.EventCount++
	rec.TokensIn += a.TokensIn
	rec.TokensOut += a.TokensOut
	rec.Cost += a.Cost
	tool := deref(r.ToolName)
	if !editTools[tool] && !strings.Contains(r.Metadata, `"lines_`) {
		return nil
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal([]byte(r.Metadata), &meta) != nil {
		return nil // not an object: skipped by these aggregates
	}
	if fp, ok := meta["file_path"]; ok && editTools[tool] && !isNull(fp) {
		path := string(fp)
		var str string
		if json.Unmarshal(fp, &str) == nil {
			path = str
		}
		key := sessionFileKey(keyPartStr(rec.ID), keyPartStr(path))
		if w.files.Get(key) == nil {
			// note: a value, not nil: bbolt's Get does not tell an empty value from no key.
			if err := w.files.Put(key, []byte{1}); err != nil {
				return err
			}
			rec.FilesEdited++
		}
	}
	if v, ok := meta["lines_added"]; ok && !isNull(v) {
		rec.LinesAdded += sqlInteger(v)
	}
	if v, ok := meta["lines_removed"]; ok && !isNull(v) {
		rec.LinesRemoved += sqlInteger(v)
	}
	return nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// sqlInteger converts a JSON value the way upstream's CAST(json_extract(..) AS INTEGER) did:
// numbers truncate, strings parse their leading number, true is 1, anything else 0.
func sqlInteger(v json.RawMessage) int64 {
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return int64(f)
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		s = strings.TrimSpace(s)
		end := 0
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[end] == '-' || s[end] == '+')) {
			end++
		}
		n, _ := strconv.ParseInt(s[:end], 10, 64)
		return n
	}
	if string(bytes.TrimSpace(v)) == "true" {
		return 1
	}
	return 0
}

// flush writes the summed counters, rollups, sessions and agents of the batch.
func (w *txWriter) flush() error {
	rollups := w.tx.Bucket(bucketRollups)
	for k, a := range w.rollups {
		if err := putAgg(rollups, []byte(k), a); err != nil {
			return err
		}
	}
	timeline := w.tx.Bucket(bucketTimeline)
	for k, a := range w.timeline {
		if err := putAgg(timeline, []byte(k), a); err != nil {
			return err
		}
	}
	counts := w.tx.Bucket(bucketCounts)
	if w.stored > 0 {
		w.counts[string(keyEventsTotal)] += w.stored
	}
	for k, n := range w.counts {
		cur := uint64(0)
		if v := counts.Get([]byte(k)); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		if err := counts.Put([]byte(k), u64(cur+uint64(n))); err != nil {
			return err
		}
	}
	sessions := w.tx.Bucket(bucketSessions)
	for id, rec := range w.sessions {
		if w.moved[id] {
			w.s.touched++
			rec.Touched = w.s.touched
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := sessions.Put(keyPart(id), b); err != nil {
			return err
		}
	}
	agents := w.tx.Bucket(bucketAgents)
	now := serverTime(w.now)
	for agentType := range w.agents {
		// last_seen_at is kept to the minute: rewriting the record at every commit would add a
		// page to every fsync for a value no endpoint reads.
		if last, ok := w.s.agentSeen[agentType]; ok && w.now-last < agentSeenResolution {
			delete(w.agents, agentType)
			continue
		}
		key := []byte(agentType + "-default")
		rec := agentRec{AgentType: agentType, RegisteredAt: now}
		if v := agents.Get(key); v != nil {
			_ = json.Unmarshal(v, &rec) // an unreadable record is rewritten fresh
		}
		rec.LastSeenAt = now
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := agents.Put(key, b); err != nil {
			return err
		}
	}
	return nil
}

func putAgg(b *bolt.Bucket, key []byte, a *agg) error {
	cur := decodeAgg(b.Get(key))
	cur.add(a)
	return b.Put(key, cur.encode())
}

// maxKeyPart bounds a client-chosen string inside a key; bbolt keys are at most 32 KiB, and long
// keys waste pages. Longer strings are replaced by a digest, the same way on write and lookup.
const maxKeyPart = 512

func keyPart(s string) []byte { return []byte(keyPartStr(s)) }

func keyPartStr(s string) string {
	if len(s) <= maxKeyPart {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "\xff" + hex.EncodeToString(sum[:])
}
