package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
)

// importFixtures is the shared fixture folder, or a skip.
func importFixtures(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("AGENTMONITOR_FIXTURES"), "../../shared/fixtures"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "EXPECTED.md")); err == nil {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	t.Skip("shared fixtures not found (set AGENTMONITOR_FIXTURES)")
	return ""
}

type importSummary struct {
	FilesScanned   int            `json:"files_scanned"`
	FilesSkipped   int            `json:"files_skipped"`
	EventsImported int            `json:"events_imported"`
	EventsByType   map[string]int `json:"events_by_type"`
	MalformedLines int            `json:"malformed_lines"`
	TokensIn       int64          `json:"tokens_in"`
	TokensOut      int64          `json:"tokens_out"`
	CostUSD        float64        `json:"cost_usd"`
	DurationMS     *int64         `json:"duration_ms"`
	Error          string         `json:"error"`
}

// TestImportRoute: POST /api/import runs the import in the server and answers the summary; one
// session_update follows when something was imported (CONTRACT 18.6).
func TestImportRoute(t *testing.T) {
	fx := importFixtures(t)
	h := newHarness(t)
	stream := h.openStream("")
	body := api.ImportBody{ClaudeDir: filepath.Join(fx, "claude"), CodexDir: filepath.Join(fx, "codex")}

	dry := body
	dry.DryRun = true
	var sum importSummary
	r := h.post("/api/import", dry)
	r.decode(t, &sum)
	if r.status != http.StatusOK || sum.EventsImported != 84 || h.store.EventsStored() != 0 {
		t.Fatalf("dry run: %d %+v", r.status, sum)
	}

	r = h.post("/api/import", body)
	r.decode(t, &sum)
	if r.status != http.StatusOK || sum.FilesScanned != 8 || sum.EventsImported != 84 || sum.MalformedLines != 1 ||
		sum.EventsByType["llm_response"] != 38 || sum.TokensIn != 63041 || sum.TokensOut != 9234 || sum.DurationMS == nil {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	msgs := stream.until(func(m sseMessage) bool { return m.Type == "session_update" })
	var upd struct {
		Type     string `json:"type"`
		Imported int    `json:"imported"`
	}
	json.Unmarshal(msgs[len(msgs)-1].Payload, &upd)
	if upd.Type != "auto_import" || upd.Imported != 84 {
		t.Errorf("session_update = %s", msgs[len(msgs)-1].Data)
	}
	for _, m := range msgs {
		if m.Type == "event" {
			t.Errorf("imported events are not broadcast one by one: %s", m.Data)
		}
	}
	if got := h.sessions("limit=50"); len(got.Sessions) != 7 {
		t.Errorf("%d sessions, want 7", len(got.Sessions))
	}

	r = h.post("/api/import", body)
	r.decode(t, &sum)
	if sum.EventsImported != 0 || sum.FilesSkipped != 8 {
		t.Errorf("second import: %s", r.body)
	}

	for _, bad := range []string{`{"source":"cursor"}`, `{"from":"yesterday"}`, `{"dry_run":"yes"}`} {
		if r := h.post("/api/import", bad); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"error"`) {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	if r := h.request(http.MethodPost, "/api/import", "application/json", strings.NewReader("{}"), "evil.example"); r.status != http.StatusForbidden {
		t.Errorf("foreign host: %d", r.status)
	}
}

// TestAutoImport: the server imports on its own shortly after start (CONTRACT 14).
func TestAutoImport(t *testing.T) {
	fx := importFixtures(t)
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) {
		c.ClaudeDir, c.CodexDir = filepath.Join(fx, "claude"), filepath.Join(fx, "codex")
		c.AutoImportEvery, c.AutoImportDelay = time.Hour, 300*time.Millisecond
	}))
	stream := h.openStream("")
	msgs := stream.until(func(m sseMessage) bool { return m.Type == "session_update" })
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Data, `"auto_import"`) || !strings.Contains(last.Data, `"imported":84`) {
		t.Errorf("session_update = %s", last.Data)
	}
	if n := h.store.EventsStored(); n != 84 {
		t.Errorf("%d events stored, want 84", n)
	}
}

// copyFixtureTree copies src to dst keeping modification times (old files are idle).
func copyFixtureTree(t *testing.T, src, dst string) {
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
		info, _ := d.Info()
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWatchImport: with the watcher on, lines an agent appends are imported within moments.
func TestWatchImport(t *testing.T) {
	fx := importFixtures(t)
	dir := t.TempDir()
	copyFixtureTree(t, filepath.Join(fx, "claude"), filepath.Join(dir, "claude"))
	copyFixtureTree(t, filepath.Join(fx, "codex"), filepath.Join(dir, "codex"))
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) {
		c.ClaudeDir, c.CodexDir = filepath.Join(dir, "claude"), filepath.Join(dir, "codex")
		c.AutoImportEvery, c.AutoImportDelay, c.AutoImportWatch = time.Hour, 300*time.Millisecond, 100*time.Millisecond
	}))
	stream := h.openStream("")
	stream.until(func(m sseMessage) bool {
		return m.Type == "session_update" && strings.Contains(m.Data, `"imported":84`)
	})

	b, err := os.ReadFile(filepath.Join(fx, "incremental", "codex-019d0dd6-7307-7077-a123-d57ab425a779.append"))
	if err != nil {
		t.Fatal(err)
	}
	// A new day's folder, as Codex makes it, with a copy of C3 completed by its append.
	src, err := os.ReadFile(filepath.Join(dir, "codex", "sessions", "2026", "03", "20", "rollout-2026-03-20T17-40-51-019d0dd6-7307-7077-a123-d57ab425a779.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	day := filepath.Join(dir, "codex", "sessions", "2026", "03", "22")
	os.MkdirAll(day, 0o755)
	fresh := strings.ReplaceAll(string(src)+string(b), "019d0dd6-7307-7077-a123-d57ab425a779", "019d0dd6-7307-7077-a123-000000000022")
	if err := os.WriteFile(filepath.Join(day, "rollout-2026-03-22T10-00-00-019d0dd6-7307-7077-a123-000000000022.jsonl"), []byte(fresh), 0o644); err != nil {
		t.Fatal(err)
	}
	msgs := stream.until(func(m sseMessage) bool { return m.Type == "session_update" })
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Data, `"auto_import"`) {
		t.Errorf("session_update = %s", last.Data)
	}
	if _, err := h.store.Session("019d0dd6-7307-7077-a123-000000000022"); err != nil {
		t.Errorf("the new rollout was not imported: %v", err)
	}
}
