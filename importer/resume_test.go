package importer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
)

// TestInterruptedRun: a run stopped between batches leaves each file's offset exactly where its
// committed events end, so the next run imports the rest, nothing twice and nothing lost.
func TestInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	genHistory(t, dir, 3)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := Options{ClaudeDir: filepath.Join(dir, "claude"), CodexDir: filepath.Join(dir, "codex"), BatchEvents: 7, Logger: quiet}

	whole := mustRun(t, New(openStore(t), opts), Request{})

	s := openStore(t)
	im := New(s, opts)
	ctx, cancel := context.WithCancel(context.Background())
	stops := 0
	total := Summary{}
	for round := 0; ; round++ {
		req := Request{Progress: func(p Progress) {
			if p.Events > 40 {
				cancel()
			}
		}}
		sum, err := im.Run(ctx, req)
		total.EventsImported += sum.EventsImported
		total.Duplicates += sum.Duplicates
		total.TokensOut += sum.TokensOut
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		stops++
		ctx, cancel = context.WithCancel(context.Background())
		if round > 1000 {
			t.Fatal("no progress")
		}
	}
	cancel()
	if stops < 2 {
		t.Fatalf("the run was interrupted %d times; the test wants several", stops)
	}
	if total.EventsImported != whole.EventsImported || total.TokensOut != whole.TokensOut || int(s.EventsStored()) != whole.EventsImported {
		t.Errorf("interrupted runs imported %d events (%d out tokens, %d stored, %d duplicates); one run %d (%d)",
			total.EventsImported, total.TokensOut, s.EventsStored(), total.Duplicates, whole.EventsImported, whole.TokensOut)
	}
}
