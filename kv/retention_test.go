package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// TestRetentionAndCompact drops the first two of three hours of events, then compacts: the file
// shrinks, the remaining events read back whole, and what was computed from the dropped ones stays.
func TestRetentionAndCompact(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	s := openTest(t, Options{Now: c.Now})
	ctx := context.Background()
	pad := strings.Repeat("x", 2000)
	const perHour = 1500
	for h := range 3 {
		c.Set(start.Add(time.Duration(h)*time.Hour + 30*time.Minute))
		batch := make([]contract.Input, perHour)
		for i := range batch {
			e := priced(fmt.Sprintf("s%d", h), "m1", 100, 10, rates{"m1": {1e-6, 2e-6}})
			e.EventID = fmt.Sprintf("h%d-%d", h, i)
			e.Metadata = `{"pad":"` + pad + `"}`
			if i%2 == 0 {
				e.ClientTime = c.Now().Add(-time.Minute)
			}
			if h == 0 && i == 0 {
				e.ToolName = "OldTool" // a value only dropped events have
			}
			batch[i] = e
		}
		ingest(t, s, batch...)
	}
	before := stats(t, s)
	since := start.Add(20 * time.Minute) // inside the first hour, which retention drops
	sinceBefore, err := s.Stats(StatsFilter{Since: &since})
	if err != nil {
		t.Fatal(err)
	}
	old, err := s.Session("s0")
	if err != nil {
		t.Fatal(err)
	}

	cutoff := start.Add(2*time.Hour + 10*time.Minute) // rounded down to the hour
	n, err := s.DropBefore(ctx, cutoff)
	if err != nil || n != 2*perHour {
		t.Fatalf("dropped %d (%v), want %d", n, err, 2*perHour)
	}
	if got := s.RetainedFrom(); !got.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("retained from %v", got)
	}
	if got := s.EventsStored(); got != perHour {
		t.Errorf("%d events stored, want %d", got, perHour)
	}
	if after := stats(t, s); after != before {
		t.Errorf("stats changed: %+v → %+v", before, after)
	}
	// The hour since falls in is summed from its rollup now (all its events were created at
	// 10:30, so the answer is the same).
	if got, _ := s.Stats(StatsFilter{Since: &since}); got.TotalEvents != sinceBefore.TotalEvents || got.TotalCostUSD != sinceBefore.TotalCostUSD {
		t.Errorf("stats since %v: %d events $%v, before retention %d $%v", since, got.TotalEvents, got.TotalCostUSD,
			sinceBefore.TotalEvents, sinceBefore.TotalCostUSD)
	}
	if got, _ := s.Session("s0"); got.EventCount != old.EventCount || got.TotalCostUSD != old.TotalCostUSD {
		t.Errorf("session summary changed: %+v → %+v", old, got)
	}
	if rows, _ := s.SessionEvents("s0", -1); len(rows) != 0 {
		t.Errorf("a dropped session still lists %d events", len(rows))
	}
	total, err := s.Events(EventFilter{SessionID: "s0", Limit: 10}, func([]byte) error { return nil })
	if err != nil || total != 0 {
		t.Errorf("events of a dropped session: total %d (%v)", total, err)
	}
	total, _ = s.Events(EventFilter{Model: "m1", Limit: 10}, func([]byte) error { return nil })
	if total != perHour {
		t.Errorf("events of m1: total %d, want %d", total, perHour)
	}
	if fo, _ := s.FilterOptions(); slices.Contains(fo.ToolNames, "OldTool") {
		t.Errorf("filter options still offer a dropped value: %v", fo.ToolNames)
	}
	dup := ev("s0", "claude_code", "tool_use")
	dup.EventID = "h0-7"
	if out := ingest(t, s, dup); !out[0].Duplicate {
		t.Error("a dropped event's id is no longer recognized")
	}
	if n, _ := s.DropBefore(ctx, cutoff); n != 0 {
		t.Errorf("second pass dropped %d", n)
	}
	if err := s.Verify(); err != nil {
		t.Fatalf("verify after retention: %v", err)
	}

	// Compaction, while readers read.
	var rep CompactReport
	readErr := readWhile(s, func() { rep, err = s.Compact(ctx) })
	if err != nil || readErr != nil {
		t.Fatalf("compact: %v; a read meanwhile: %v", err, readErr)
	}
	if rep.SizeBefore != 0 && rep.SizeAfter*2 > rep.SizeBefore || rep.SizeAfter != s.Size() {
		t.Errorf("compaction: %+v, file %d bytes; want under half", rep, s.Size())
	}
	rows := eventsOf(t, s)
	if len(rows) != perHour || rows[0].EventID == nil || *rows[0].EventID != "h2-0" {
		t.Fatalf("after compaction: %d events, first %v", len(rows), rows[0].EventID)
	}
	var meta map[string]string
	if err := json.Unmarshal([]byte(rows[perHour-1].Metadata), &meta); err != nil || meta["pad"] != pad {
		t.Errorf("an event's metadata after compaction: %v", err)
	}
	t.Logf("compaction: %d → %d bytes in %d ms", rep.SizeBefore, rep.SizeAfter, rep.TookMS)
	// The new file takes writes; ids go on from where they were.
	if out := ingest(t, s, ev("s9", "codex", "session_start")); out[0].ID != 3*perHour+1 {
		t.Errorf("id after compaction: %d, want %d", out[0].ID, 3*perHour+1)
	}
	if after := stats(t, s); after.TotalEvents != before.TotalEvents+1 {
		t.Errorf("stats after compaction: %+v", after)
	}
}

// TestCompactDuringBackup: a backup still being read holds the old file; compaction, ingest and
// reads go on regardless, and the backup comes out whole.
func TestCompactDuringBackup(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	droppedAndKept(t, s, 20)

	started, release := make(chan struct{}), make(chan struct{})
	var backup strings.Builder
	done := make(chan error, 1)
	go func() {
		_, err := s.BackupTo(func(int64) (io.Writer, error) {
			close(started)
			<-release // a slow download
			return &backup, nil
		})
		done <- err
	}()
	<-started
	rep, err := s.Compact(ctx)
	if err != nil || rep.SizeAfter >= rep.SizeBefore {
		t.Fatalf("compact during a backup: %+v, %v", rep, err)
	}
	if out := ingest(t, s, ev("after", "codex", "session_start")); out[0].ID == 0 {
		t.Fatal("ingest after compaction stored nothing")
	}
	if got := len(eventsOf(t, s)); got != 2 {
		t.Errorf("%d events readable, want 2", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("backup: %v", err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, []byte(backup.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Open(Options{Path: path, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Verify(); err != nil || b.EventsStored() != 1 {
		t.Errorf("the backup: %d events, verify %v", b.EventsStored(), err)
	}
}

// TestCompactClosedSwap runs the Windows way of swapping files (close, rename, reopen) here:
// readers that meet the closed file wait for the new one.
func TestCompactClosedSwap(t *testing.T) {
	renameOpenFiles = false
	t.Cleanup(func() { renameOpenFiles = runtime.GOOS != "windows" })
	s := openTest(t, Options{})
	ctx := context.Background()
	droppedAndKept(t, s, 20)
	var rep CompactReport
	var err error
	readErr := readWhile(s, func() { rep, err = s.Compact(ctx) })
	if err != nil || readErr != nil || rep.SizeAfter >= rep.SizeBefore {
		t.Fatalf("compact: %+v, %v; a read meanwhile: %v", rep, err, readErr)
	}
	if rows := eventsOf(t, s); len(rows) != 1 || rows[0].SessionID != "kept" {
		t.Errorf("after the swap: %d events", len(rows))
	}
}

// TestReopenAfterGrowth: past Options.ReopenAfter of growth the writer closes and opens the file; reads
// meanwhile wait for it, and nothing is lost.
func TestReopenAfterGrowth(t *testing.T) {
	s := openTest(t, Options{ReopenAfter: 1 << 20})
	const n = 40
	readErr := readWhile(s, func() {
		for i := range n {
			ingest(t, s, padded(fmt.Sprintf("s%d", i%3))...)
		}
	})
	if readErr != nil {
		t.Fatalf("a read during the reopens: %v", readErr)
	}
	if got := s.WriterStats().Reopens; got < 2 {
		t.Errorf("%d reopens after 4 MB of events, want at least 2", got)
	}
	if got := len(eventsOf(t, s)); got != n*100 {
		t.Errorf("%d events, want %d", got, n*100)
	}
}

// padded is a batch of 100 tool calls with a kilobyte of metadata each.
func padded(session string) []contract.Input {
	batch := make([]contract.Input, 100)
	for j := range batch {
		batch[j] = ev(session, "codex", "tool_use")
		batch[j].Metadata = `{"pad":"` + strings.Repeat("p", 1000) + `"}`
	}
	return batch
}

// droppedAndKept stores batches of padded events and drops them all, so the file has free pages
// to give back, then stores one event, "kept".
func droppedAndKept(t *testing.T, s *Store, batches int) {
	t.Helper()
	for i := range batches {
		ingest(t, s, padded(fmt.Sprintf("s%d", i))...)
	}
	if _, err := s.DropBefore(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ingest(t, s, ev("kept", "codex", "session_start"))
}

// readWhile reads the statistics over and over while fn runs, and returns the first read error.
func readWhile(s *Store, fn func()) error {
	stop := make(chan struct{})
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Stats(StatsFilter{}); err != nil {
				readErr = err
				return
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	return readErr
}
