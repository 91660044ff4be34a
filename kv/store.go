package kv

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Options configure a Store. Zero values take the defaults noted.
type Options struct {
	// Path of the database file; parent directories are created.
	Path string
	// SessionTimeout is T of CONTRACT 7 (default 5 minutes).
	SessionTimeout time.Duration
	// HistoricalWindow is W of CONTRACT 5 step 1 (default 30 minutes).
	HistoricalWindow time.Duration
	// MaxBatch bounds the events committed in one transaction (default 4096). A single request
	// larger than the bound is still committed whole.
	MaxBatch int
	// OnCommit, when set, is called by the writer after each commit and before any request of that
	// commit is answered, with the stored rows in id order. It must not block.
	OnCommit func(rows []Committed)
	// Price, when set, prices token events whose tokens the store itself computes (increases of
	// cumulative series).
	Price PriceFunc
	// Now returns the current time (default time.Now); tests move it.
	Now func() time.Time
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// ReopenAfter is how much the file's data may grow before the writer closes and opens it
	// again (default 128 MiB; see reopen).
	ReopenAfter int64
}

// PriceFunc prices token counts from a rate table (pricing.Table.Cost); ok is false for a model
// the table does not know.
type PriceFunc func(model string, tokensIn, tokensOut, cacheRead, cacheWrite int64) (usd float64, ok bool)

// Committed is one stored event as the writer committed it.
type Committed struct {
	Row  *contract.Event
	JSON []byte // the row's JSON, as stored
}

// Store is the bbolt file. It is safe for concurrent use; all writes go through one goroutine.
type Store struct {
	// db is replaced by Compact (which runs in the writer); readers go through view.
	db       atomic.Pointer[bolt.DB]
	swapping atomic.Bool    // the writer is between closing the file and opening it (or its copy)
	readers  atomic.Int64   // read transactions under way (view)
	retired  sync.WaitGroup // old files Compact is still closing
	// The data size (bbolt's tx.Size) after the last commit and when the file was opened; writer only.
	size, openedSize int64
	opts             Options
	log              *slog.Logger

	reqs    chan *request
	closing chan struct{}
	stopped chan struct{}
	closeMu sync.RWMutex // held for reading while submitting, for writing by Close
	closed  bool

	mu       sync.RWMutex // guards sessions and dict
	sessions map[string]*sessionRec
	dict     *dictionary
	touched  uint64 // last sessionRec.Touched given out (writer only)

	agentSeen map[string]int64 // agent type → last_seen_at written (writer only)

	eventsStored atomic.Int64
	retainedFrom atomic.Int64 // Unix seconds; see RetainedFrom
	dropGen      atomic.Uint64
	wstats       writerStats
	dbUUID       string
}

// Open opens (creating it and its parent directories if needed) the database at opts.Path, runs
// pending migrations and starts the writer. It fails fast with ErrLocked when another process holds
// the file, and with ErrNewerSchema for a file of a newer version.
func Open(opts Options) (*Store, error) {
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = 5 * time.Minute
	}
	if opts.HistoricalWindow <= 0 {
		opts.HistoricalWindow = 30 * time.Minute
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReopenAfter <= 0 {
		opts.ReopenAfter = 128 << 20
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("kv: create data directory: %w", err)
	}
	db, err := openBolt(opts.Path)
	if err != nil {
		return nil, err
	}
	// A compaction that did not finish left its copy; the database itself is whole.
	if real, err := filepath.EvalSymlinks(opts.Path); err == nil {
		_ = os.Remove(real + compactSuffix)
	}
	s := &Store{
		opts:     opts,
		log:      opts.Logger,
		reqs:     make(chan *request, 1024),
		closing:  make(chan struct{}),
		stopped:  make(chan struct{}),
		sessions: make(map[string]*sessionRec),
		dict:     newDictionary(),

		agentSeen: make(map[string]int64),
	}
	s.db.Store(db)
	if err := db.Update(s.migrate); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.View(s.load); err != nil {
		db.Close()
		return nil, fmt.Errorf("kv: load: %w", err)
	}
	go s.writer()
	return s, nil
}

func openBolt(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: time.Second,
		// note: the freelist is rebuilt at open instead of written at every commit, which keeps
		// small group commits small (the same choice as etcd).
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (is another agentmonitor server running on it?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	return db, nil
}

// view runs a read transaction. While the writer swaps files it waits; one that began on a file
// Compact just replaced and closed starts again on the new file.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	for {
		// Counted before the check, so a swap that sees no reader knows none will start.
		s.readers.Add(1)
		if s.swapping.Load() {
			s.readers.Add(-1)
			time.Sleep(time.Millisecond)
			continue
		}
		db := s.db.Load()
		err := db.View(fn)
		s.readers.Add(-1)
		if errors.Is(err, berrors.ErrDatabaseNotOpen) && s.db.Load() != db {
			continue
		}
		return err
	}
}

// load fills the in-memory state derived from the file.
func (s *Store) load(tx *bolt.Tx) error {
	s.dbUUID = string(tx.Bucket(bucketMeta).Get(keyDBUUID))
	if v := tx.Bucket(bucketCounts).Get(keyEventsTotal); len(v) == 8 {
		s.eventsStored.Store(int64(binary.BigEndian.Uint64(v)))
	}
	s.size, s.openedSize = tx.Size(), tx.Size()
	meta := tx.Bucket(bucketMeta)
	s.retainedFrom.Store(readCount(meta.Get(keyRetainedFrom)))
	s.dropGen.Store(uint64(readCount(meta.Get(keyDropped))))
	if err := s.dict.load(tx); err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		rec := new(sessionRec)
		if err := json.Unmarshal(v, rec); err != nil {
			// A record this code cannot read is kept in the file and reported, not dropped.
			s.log.Warn("unreadable session record", "session_id", string(k), "err", err)
			return nil
		}
		s.sessions[rec.ID] = rec
		s.touched = max(s.touched, rec.Touched)
		return nil
	})
}

// Close stops accepting writes, commits what is already queued, stops the writer and closes the
// file. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.closeMu.Unlock()
	<-s.stopped
	s.retired.Wait()
	return s.db.Load().Close()
}

// Path is the database file's path.
func (s *Store) Path() string { return s.opts.Path }

// Size is the database file's size in bytes (0 when it cannot be read).
func (s *Store) Size() int64 {
	fi, err := os.Stat(s.opts.Path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// EventsStored is the number of stored events.
func (s *Store) EventsStored() int64 { return s.eventsStored.Load() }

// DBUUID is the random id of this database (CONTRACT 18.10).
func (s *Store) DBUUID() string { return s.dbUUID }

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
