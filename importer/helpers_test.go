package importer

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

// fixtures is the shared fixture folder (../shared/fixtures from the repository root).
func fixtures(t testing.TB) string {
	t.Helper()
	for _, d := range []string{os.Getenv("AGENTMONITOR_FIXTURES"), "../../shared/fixtures", "../shared/fixtures"} {
		if d == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(d, "EXPECTED.md")); err == nil && !st.IsDir() {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	t.Skip("shared fixtures not found (set AGENTMONITOR_FIXTURES)")
	return ""
}

// openStore opens a store in a temp dir, closed (and verified) at cleanup.
func openStore(t testing.TB) *kv.Store {
	t.Helper()
	s, err := kv.Open(kv.Options{Path: filepath.Join(t.TempDir(), "am.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Verify(); err != nil {
			t.Errorf("verify: %v", err)
		}
		s.Close()
	})
	return s
}

func newTestImporter(store *kv.Store, claude, codex string) *Importer {
	return New(store, Options{ClaudeDir: claude, CodexDir: codex,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func mustRun(t testing.TB, im *Importer, req Request) Summary {
	t.Helper()
	sum, err := im.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return sum
}

// copyTree copies a fixture tree keeping modification times (old files are idle).
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sessionTotals are one session's stored events, summed.
type sessionTotals struct {
	Types                       map[string]int
	Tools                       map[string]int
	ToolErrors                  int
	In, Out, CacheRead, CacheWr int64
	Cost                        float64
	Priced, Unpriced            int
	Models                      map[string]int
	Project, Branch             string
	First, Last                 string
	Events                      []contract.Event
}

func totals(t testing.TB, s *kv.Store, session string) sessionTotals {
	t.Helper()
	tot := sessionTotals{Types: map[string]int{}, Tools: map[string]int{}, Models: map[string]int{}}
	_, err := s.Events(kv.EventFilter{SessionID: session, Limit: -1}, func(row []byte) error {
		var e contract.Event
		if err := json.Unmarshal(row, &e); err != nil {
			return err
		}
		tot.Events = append(tot.Events, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(tot.Events, func(i, j int) bool { return tot.Events[i].ID < tot.Events[j].ID })
	for _, e := range tot.Events {
		tot.Types[e.EventType]++
		if e.EventType == "tool_use" {
			tot.Tools[deref(e.ToolName)]++
			if e.Status == "error" {
				tot.ToolErrors++
			}
		}
		tot.In += e.TokensIn
		tot.Out += e.TokensOut
		tot.CacheRead += e.CacheReadTokens
		tot.CacheWr += e.CacheWriteTokens
		if e.EventType == "llm_response" {
			tot.Models[deref(e.Model)]++
			if e.CostUSD != nil {
				tot.Cost += *e.CostUSD
				tot.Priced++
			} else {
				tot.Unpriced++
			}
		}
		if p := deref(e.Project); p != "" {
			tot.Project = p
		}
		if b := deref(e.Branch); b != "" {
			tot.Branch = b
		}
		ct := deref(e.ClientTimestamp)
		if tot.First == "" || ct < tot.First {
			tot.First = ct
		}
		if ct > tot.Last {
			tot.Last = ct
		}
	}
	return tot
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func mustState(t testing.TB, b []byte) fileState {
	t.Helper()
	var st fileState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}
