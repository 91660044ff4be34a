package index_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/index"
)

// total is the number of indexed events a match-all search finds.
func total(t *testing.T, x *index.Index) uint64 {
	t.Helper()
	res, err := x.Search(context.Background(), "", index.Filters{}, 0, 0, index.SortRecent)
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func TestOpenRebuildsABadIndex(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, path string)
	}{
		{"missing directory", func(t *testing.T, path string) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"corrupt metadata", func(t *testing.T, path string) {
			if err := os.WriteFile(filepath.Join(path, "index_meta.json"), []byte("{not json"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"corrupt root", func(t *testing.T, path string) {
			if err := os.WriteFile(filepath.Join(path, "store", "root.bolt"), []byte("garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty directory", func(t *testing.T, path string) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, x := corpusIndex(t)
			path := x.Path()
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			tc.spoil(t, path)
			y := openIndex(t, store, index.Options{})
			if n := y.Indexed(); n != 0 {
				t.Errorf("reopened index has %d events, want a new empty one", n)
			}
			if n, err := y.CatchUp(context.Background()); err != nil || n != len(corpus) {
				t.Fatalf("CatchUp = %d, %v", n, err)
			}
			if got := total(t, y); got != uint64(len(corpus)) || y.Indexed() != int64(len(corpus)) {
				t.Errorf("after rebuild: %d found, %d indexed, want %d", got, y.Indexed(), len(corpus))
			}
		})
	}
}

func TestOpenKeepsAGoodIndex(t *testing.T) {
	store, x := corpusIndex(t)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	ingest(t, store, contract.Input{SessionID: "s4", AgentType: "codex", EventType: "user_prompt",
		Status: contract.StatusSuccess, Source: "api", Metadata: `{"message":"one more"}`})
	y := openIndex(t, store, index.Options{})
	if y.Indexed() != int64(len(corpus)) || y.Cursor() != uint64(len(corpus)) {
		t.Fatalf("reopened: %d indexed up to %d, want %d", y.Indexed(), y.Cursor(), len(corpus))
	}
	if n, err := y.CatchUp(context.Background()); err != nil || n != 1 {
		t.Fatalf("CatchUp = %d, %v; want only the new event", n, err)
	}
	if got := total(t, y); got != uint64(len(corpus)+1) {
		t.Errorf("%d found, want %d", got, len(corpus)+1)
	}
}

// An index built from another database (a restored backup, CONTRACT 18.10) is rebuilt.
func TestOpenRebuildsForAnotherDatabase(t *testing.T) {
	_, x := corpusIndex(t)
	path := x.Path()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	other := openStore(t, nil)
	ingest(t, other, contract.Input{SessionID: "o", AgentType: "codex", EventType: "user_prompt",
		Status: contract.StatusSuccess, Source: "api", Metadata: `{"message":"restored"}`})
	y := openIndex(t, other, index.Options{Path: path})
	if y.Indexed() != 0 {
		t.Fatalf("index of another database kept %d events", y.Indexed())
	}
	if _, err := y.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := y.Search(context.Background(), "login", index.Filters{}, 10, 0, index.SortRecent)
	if err != nil || res.Total != 0 {
		t.Errorf("old events still found: %v %v", res, err)
	}
	if got := total(t, y); got != 1 {
		t.Errorf("%d found, want 1", got)
	}
}

func TestRebuild(t *testing.T) {
	_, x := corpusIndex(t)
	if err := x.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := total(t, x); got != uint64(len(corpus)) || x.Indexed() != int64(len(corpus)) {
		t.Errorf("after Rebuild: %d found, %d indexed", got, x.Indexed())
	}
}

func TestRunFollowsTheStore(t *testing.T) {
	store := openStore(t, nil)
	x := openIndex(t, store, index.Options{Delay: time.Millisecond, Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		x.Run(ctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	v := newVocabulary(3)
	const n = 300
	for i := range n / 30 {
		batch := make([]contract.Input, 30)
		for j := range batch {
			batch[j] = typicalEvent(v, i*30+j, 7)
		}
		ingest(t, store, batch...)
		x.Notify() // what the store's OnCommit does in the server
	}
	deadline := time.Now().Add(20 * time.Second)
	for x.Indexed() < n {
		if time.Now().After(deadline) {
			t.Fatalf("indexed %d of %d events after 20 s", x.Indexed(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := total(t, x); got != n {
		t.Errorf("%d found, want %d", got, n)
	}
}

func TestClosed(t *testing.T) {
	_, x := corpusIndex(t)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := x.Search(context.Background(), "login", index.Filters{}, 1, 0, index.SortRecent); !errors.Is(err, index.ErrClosed) {
		t.Errorf("Search after Close: %v", err)
	}
	if _, err := x.CatchUp(context.Background()); !errors.Is(err, index.ErrClosed) {
		t.Errorf("CatchUp after Close: %v", err)
	}
	if err := x.Rebuild(context.Background()); !errors.Is(err, index.ErrClosed) {
		t.Errorf("Rebuild after Close: %v", err)
	}
}

// TestPruneFollowsRetention: the documents of the events retention drops go, in several batches,
// and only once.
func TestPruneFollowsRetention(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	now := start
	store := openStore(t, func() time.Time { return now })
	x := openIndex(t, store, index.Options{})
	ctx := context.Background()
	v := newVocabulary(5)
	const old, recent = 2500, 100
	for i := range old + recent {
		if i == old {
			now = start.Add(2 * time.Hour)
		}
		ingest(t, store, typicalEvent(v, i, 7))
	}
	if n, err := x.Prune(ctx); n != 0 || err != nil {
		t.Fatalf("prune before any retention: %d, %v", n, err)
	}
	if _, err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := store.DropBefore(ctx, now); n != old || err != nil {
		t.Fatalf("dropped %d (%v)", n, err)
	}
	if n, err := x.Prune(ctx); n != old || err != nil {
		t.Fatalf("pruned %d (%v), want %d", n, err, old)
	}
	if got := total(t, x); got != recent || x.Indexed() != recent {
		t.Errorf("after pruning: %d found, %d indexed, want %d", got, x.Indexed(), recent)
	}
	if n, err := x.Prune(ctx); n != 0 || err != nil {
		t.Errorf("second prune: %d, %v", n, err)
	}
	// An event older than the cutoff arrives later (imported history) and is dropped at the same
	// cutoff: its document goes too.
	cutoff := now
	now = start
	ingest(t, store, typicalEvent(v, old+recent, 7))
	if _, err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := store.DropBefore(ctx, cutoff); n != 1 || err != nil {
		t.Fatalf("dropped %d (%v)", n, err)
	}
	if n, err := x.Prune(ctx); n != 1 || err != nil || x.Indexed() != recent {
		t.Errorf("pruned %d (%v), %d indexed", n, err, x.Indexed())
	}
}
