package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/agentmonitor/agentmonitor/kv"
)

// Options configure an Index. Zero values take the defaults noted.
type Options struct {
	// Path of the index directory (default: the database path plus ".index").
	Path string
	// BatchSize bounds the events fed to Bleve in one batch (default 1024; memory grows with it,
	// speed hardly). The cursor moves once per batch, so a crash replays at most this many events.
	BatchSize int
	// Delay is how long commits must pause before the tailer indexes them (default 250 ms), and
	// MaxDelay how long it waits at most for that pause (default 10 s): on two cores indexing
	// takes a core, so a burst of ingest is indexed when it ends, in few large batches, and a
	// stream that never pauses is indexed every MaxDelay.
	Delay, MaxDelay time.Duration
	// Interval is how often the tailer looks for events nobody announced with Notify (default 1 s).
	Interval time.Duration
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// Index is the search index of one store. Its methods are safe for concurrent use.
type Index struct {
	store *kv.Store
	opts  Options
	log   *slog.Logger

	mu     sync.RWMutex // guards bi (swapped by Rebuild, cleared by Close)
	bi     bleve.Index
	closed bool

	work    sync.Mutex    // one writer of the index at a time (CatchUp, Rebuild)
	cursor  atomic.Uint64 // id of the last event indexed
	indexed atomic.Int64  // documents in the index
	wake    chan struct{}
}

// Keys of the values kept inside the Bleve index, next to the documents they describe.
var (
	keyVersion = []byte("agentmonitor.version")
	keyDBUUID  = []byte("agentmonitor.db_uuid")
	keyCursor  = []byte("agentmonitor.cursor")
)

// Open opens the index of store, creating it when it is missing and rebuilding it (empty, to be
// filled by CatchUp or Run) when it is unreadable, of another schema version, or built from
// another database (CONTRACT 18.10). It does not index anything itself, so it returns quickly.
// It fails only when a new index cannot be created.
func Open(store *kv.Store, opts Options) (*Index, error) {
	if opts.Path == "" {
		opts.Path = store.Path() + ".index"
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
	}
	if opts.Delay <= 0 {
		opts.Delay = 250 * time.Millisecond
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 10 * time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	x := &Index{store: store, opts: opts, log: opts.Logger, wake: make(chan struct{}, 1)}
	bi, cursor, err := x.openExisting()
	if err != nil {
		if !errors.Is(err, errMissing) {
			x.log.Warn("rebuilding the search index", "path", opts.Path, "reason", err)
		}
		if bi, err = x.create(); err != nil {
			return nil, err
		}
		cursor = 0
	}
	x.bi = bi
	x.cursor.Store(cursor)
	x.countDocs()
	return x, nil
}

var errMissing = errors.New("index: missing")

// openExisting opens the index at the path and checks that it belongs to this store.
func (x *Index) openExisting() (bleve.Index, uint64, error) {
	if _, err := os.Stat(x.opts.Path); errors.Is(err, os.ErrNotExist) {
		return nil, 0, errMissing
	}
	bi, err := bleve.OpenUsing(x.opts.Path, runtimeConfig())
	if err != nil {
		return nil, 0, fmt.Errorf("open: %w", err)
	}
	fail := func(err error) (bleve.Index, uint64, error) {
		bi.Close()
		return nil, 0, err
	}
	version, err := bi.GetInternal(keyVersion)
	if err != nil {
		return fail(fmt.Errorf("read version: %w", err))
	}
	if string(version) != schemaVersion {
		return fail(fmt.Errorf("schema version %q, want %q", version, schemaVersion))
	}
	uuid, err := bi.GetInternal(keyDBUUID)
	if err != nil {
		return fail(fmt.Errorf("read db_uuid: %w", err))
	}
	if string(uuid) != x.store.DBUUID() {
		return fail(fmt.Errorf("built from database %q, this is %q", uuid, x.store.DBUUID()))
	}
	c, err := bi.GetInternal(keyCursor)
	if err != nil {
		return fail(fmt.Errorf("read cursor: %w", err))
	}
	var cursor uint64
	if len(c) == 8 {
		cursor = binary.BigEndian.Uint64(c)
	} else if c != nil {
		return fail(fmt.Errorf("cursor of %d bytes", len(c)))
	}
	if last := x.store.LastID(); cursor > last {
		return fail(fmt.Errorf("cursor %d is past the last event %d", cursor, last))
	}
	return bi, cursor, nil
}

// create makes an empty index at the path, replacing whatever is there.
func (x *Index) create() (bleve.Index, error) {
	if err := os.RemoveAll(x.opts.Path); err != nil {
		return nil, fmt.Errorf("index: remove %s: %w", x.opts.Path, err)
	}
	config := runtimeConfig()
	bi, err := bleve.NewUsing(x.opts.Path, newMapping(), scorch.Name, scorch.Name, config)
	if err != nil {
		return nil, fmt.Errorf("index: create %s: %w", x.opts.Path, err)
	}
	b := bi.NewBatch()
	b.SetInternal(keyVersion, []byte(schemaVersion))
	b.SetInternal(keyDBUUID, []byte(x.store.DBUUID()))
	if err := bi.Batch(b); err != nil {
		bi.Close()
		return nil, fmt.Errorf("index: initialize %s: %w", x.opts.Path, err)
	}
	return bi, nil
}

// runtimeConfig is the scorch configuration.
func runtimeConfig() map[string]any {
	return map[string]any{
		// Fail instead of waiting forever when another process holds the index (the database's
		// own lock normally keeps a second server out first).
		"bolt_timeout": "1s",
	}
}

// Close closes the index. A CatchUp in progress finishes its batch first. Safe to call twice.
func (x *Index) Close() error {
	x.work.Lock()
	defer x.work.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	if err := x.bi.Close(); err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	return nil
}

// Path is the index directory.
func (x *Index) Path() string { return x.opts.Path }

// Indexed is the number of events in the index.
func (x *Index) Indexed() int64 { return x.indexed.Load() }

// Cursor is the id of the last event indexed.
func (x *Index) Cursor() uint64 { return x.cursor.Load() }

// Notify tells the tailer that events were committed. It never blocks: it is meant for the store's
// OnCommit.
func (x *Index) Notify() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run tails the store until ctx ends: it catches up at once, then after every Notify and every
// Interval, once commits pause (Delay, MaxDelay), and deletes what retention dropped (Prune). A
// failure is logged and retried, after a pause that grows while it keeps failing.
func (x *Index) Run(ctx context.Context) {
	tick := time.NewTicker(x.opts.Interval)
	defer tick.Stop()
	quiet := time.NewTimer(x.opts.Delay)
	deadline := time.NewTimer(x.opts.MaxDelay)
	failures := 0
	for {
		_, err := x.CatchUp(ctx)
		if err == nil {
			_, err = x.Prune(ctx)
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
			failures++
			pause := min(time.Second<<min(failures, 6), time.Minute)
			x.log.Error("search indexing failed", "err", err, "retry_in", pause)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		} else {
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-x.wake:
		case <-tick.C:
		}
		// Let a burst of commits end first, but not for longer than MaxDelay.
		deadline.Reset(x.opts.MaxDelay)
	wait:
		for {
			quiet.Reset(x.opts.Delay)
			select {
			case <-ctx.Done():
				return
			case <-x.wake:
			case <-quiet.C:
				break wait
			case <-deadline.C:
				break wait
			}
		}
	}
}

// CatchUp indexes every event stored after the cursor, in batches, and returns how many it indexed.
// It stops early, with ctx's error, when ctx ends. With a short way to go it leaves ingest most of
// the machine; with a long one (more than pipelineBacklog batches) it goes as fast as it can.
func (x *Index) CatchUp(ctx context.Context) (int, error) { return x.catchUp(ctx, false) }

// startWork takes the index's writer role (x.work) and returns the index to write, or ErrClosed
// without the role.
func (x *Index) startWork() (bleve.Index, error) {
	x.work.Lock()
	x.mu.RLock()
	bi, closed := x.bi, x.closed
	x.mu.RUnlock()
	if closed {
		x.work.Unlock()
		return nil, ErrClosed
	}
	return bi, nil
}

func (x *Index) catchUp(ctx context.Context, fast bool) (int, error) {
	bi, err := x.startWork()
	if err != nil {
		return 0, err
	}
	defer x.work.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cursor := x.cursor.Load()
	// Following ingest: one batch after the other, each followed by a pause as long as it took,
	// so indexing takes at most half a core from ingest.
	following := true
	next := func() pending { return x.readBatch(bi, cursor) }
	if fast || x.store.LastID()-cursor > pipelineBacklog*uint64(x.opts.BatchSize) {
		following = false
		// A long way to go (a rebuild, a restart): one goroutine reads rows and analyzes the next
		// batch while Bleve writes the current one, on two cores.
		batches := make(chan pending, 1)
		go x.read(ctx, bi, cursor, batches)
		next = func() pending {
			if p, ok := <-batches; ok {
				return p
			}
			return pending{err: ctx.Err()}
		}
	}
	total := 0
	lastLog := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		start := time.Now()
		p := next()
		if p.err != nil {
			return total, p.err
		}
		if p.n == 0 {
			return total, nil
		}
		// note: Batch returns once the segment and the cursor are on disk together (scorch's
		// default, safe batches), so a crash replays at most this batch; documents are keyed by
		// event id, so a replay replaces them instead of adding copies.
		if err := bi.Batch(p.batch); err != nil {
			return total, fmt.Errorf("index: batch of %d events up to %d: %w", p.n, p.last, err)
		}
		cursor = p.last
		x.cursor.Store(cursor)
		x.countDocs()
		total += p.n
		if time.Since(lastLog) > 10*time.Second {
			x.log.Info("indexing for search", "indexed", x.Indexed(), "stored", x.store.EventsStored())
			lastLog = time.Now()
		}
		if p.n < x.opts.BatchSize {
			return total, nil
		}
		if following {
			select {
			case <-ctx.Done():
			case <-time.After(time.Since(start)):
			}
		}
	}
}

// pipelineBacklog is the backlog, in batches, from which CatchUp reads ahead on a second core.
const pipelineBacklog = 64

// pending is one batch built by readBatch, or the error that ended reading.
type pending struct {
	batch *bleve.Batch
	n     int
	last  uint64
	err   error
}

// readBatch builds the batch of the events after cursor: their documents, analyzed, and the
// cursor of the last one. A batch of no events (n = 0) means the store has nothing more.
func (x *Index) readBatch(bi bleve.Index, cursor uint64) pending {
	b := bi.NewBatch()
	n := 0
	last, err := x.store.EventsAfter(cursor, x.opts.BatchSize, func(id uint64, row []byte) error {
		n++
		doc := buildDocument(id, row)
		// note: analyzed here, in the reading goroutine, rather than by Bleve's pool of analysis
		// workers: indexing then takes at most the cores CatchUp chooses.
		doc.VisitFields(func(f bindex.Field) { f.Analyze() })
		return b.IndexAdvanced(doc)
	})
	if err != nil {
		return pending{err: fmt.Errorf("index: read events after %d: %w", cursor, err)}
	}
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], last)
	b.SetInternal(keyCursor, c[:])
	return pending{batch: b, n: n, last: last}
}

// read sends the batches after cursor until one is short (the end of the store) or fails, then
// closes out. It stops when ctx ends.
func (x *Index) read(ctx context.Context, bi bleve.Index, cursor uint64, out chan<- pending) {
	defer close(out)
	for ctx.Err() == nil {
		p := x.readBatch(bi, cursor)
		select {
		case out <- p:
		case <-ctx.Done():
			return
		}
		if p.err != nil || p.n < x.opts.BatchSize {
			return
		}
		cursor = p.last
	}
}

// Rebuild throws the index away and indexes every stored event again.
func (x *Index) Rebuild(ctx context.Context) error {
	if err := x.reset(); err != nil {
		return err
	}
	start := time.Now()
	n, err := x.catchUp(ctx, true)
	if err != nil {
		return err
	}
	x.log.Info("search index rebuilt", "events", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// reset replaces the index with an empty one.
func (x *Index) reset() error {
	x.work.Lock()
	defer x.work.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	if err := x.bi.Close(); err != nil {
		x.log.Warn("closing the old search index", "err", err)
	}
	bi, err := x.create()
	if err != nil {
		x.closed = true // nothing left open to search
		return err
	}
	x.bi = bi
	x.cursor.Store(0)
	x.indexed.Store(0)
	return nil
}

func (x *Index) countDocs() {
	if n, err := x.bi.DocCount(); err == nil {
		x.indexed.Store(int64(n))
	}
}
