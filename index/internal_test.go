package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

func storeWith(t *testing.T, n int) *kv.Store {
	t.Helper()
	s, err := kv.Open(kv.Options{Path: filepath.Join(t.TempDir(), "am.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	in := make([]contract.Input, n)
	for i := range in {
		in[i] = contract.Input{SessionID: fmt.Sprintf("s%d", i%3), AgentType: "codex", EventType: "tool_use",
			ToolName: "Bash", Status: contract.StatusSuccess, Source: "api", Metadata: fmt.Sprintf(`{"command":"make t%d"}`, i)}
	}
	if _, err := s.Ingest(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	return s
}

func openTest(t *testing.T, s *kv.Store) *Index {
	t.Helper()
	x, err := Open(s, Options{Logger: slog.New(slog.DiscardHandler), BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func count(t *testing.T, x *Index) uint64 {
	t.Helper()
	res, err := x.Search(context.Background(), "make", Filters{}, 0, 0, SortRecent)
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// A replay after a crash (the cursor behind documents already written) adds no copies.
func TestReplayReplacesDocuments(t *testing.T) {
	s := storeWith(t, 10)
	x := openTest(t, s)
	if n, err := x.CatchUp(context.Background()); err != nil || n != 10 {
		t.Fatalf("CatchUp = %d, %v", n, err)
	}
	x.cursor.Store(3)
	if n, err := x.CatchUp(context.Background()); err != nil || n != 7 {
		t.Fatalf("replay = %d, %v", n, err)
	}
	if got := count(t, x); got != 10 || x.Indexed() != 10 {
		t.Errorf("after replay: %d found, %d indexed, want 10", got, x.Indexed())
	}
}

// The cursor moves with each batch, in the same Bleve batch as its documents.
func TestCursorIsStoredWithTheBatch(t *testing.T) {
	s := storeWith(t, 10)
	x := openTest(t, s)
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := x.bi.GetInternal(keyCursor)
	if err != nil || len(c) != 8 || binary.BigEndian.Uint64(c) != 10 {
		t.Fatalf("stored cursor %x, %v", c, err)
	}
}

func TestOpenRebuildsOnVersionOrCursor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		key, val []byte
	}{
		{"older schema", keyVersion, []byte("0")},
		{"no schema", keyVersion, nil},
		{"cursor past the last event", keyCursor, binary.BigEndian.AppendUint64(nil, 1000)},
		{"cursor unreadable", keyCursor, []byte{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWith(t, 5)
			x := openTest(t, s)
			if _, err := x.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			b := x.bi.NewBatch()
			if tc.val == nil {
				b.DeleteInternal(tc.key)
			} else {
				b.SetInternal(tc.key, tc.val)
			}
			if err := x.bi.Batch(b); err != nil {
				t.Fatal(err)
			}
			x.Close()
			y := openTest(t, s)
			if y.Indexed() != 0 || y.Cursor() != 0 {
				t.Fatalf("kept: %d indexed up to %d", y.Indexed(), y.Cursor())
			}
			if n, err := y.CatchUp(context.Background()); err != nil || n != 5 {
				t.Errorf("CatchUp = %d, %v", n, err)
			}
		})
	}
}
