package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/kv"
)

func importFixtures(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("AGENTMONITOR_FIXTURES"), "../../../shared/fixtures"} {
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

// freePort is a port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return strconv.Itoa(port)
}

// importEnv points the command line at a database and at no server.
func importEnv(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "am.db")
	t.Setenv("AGENTMONITOR_DB_PATH", db)
	t.Setenv("AGENTMONITOR_PORT", freePort(t))
	t.Setenv("AGENTMONITOR_PROJECTS_DIR", t.TempDir())
	t.Setenv("AGENTMONITOR_URL", "")
	t.Setenv("AGENTMONITOR_HOST", "")
	t.Setenv("AGENTMONITOR_TOKEN", "")
	t.Setenv("AGENTMONITOR_CLAUDE_DIR", filepath.Join(t.TempDir(), "no-claude"))
	t.Setenv("CODEX_HOME", filepath.Join(t.TempDir(), "no-codex"))
	return db
}

func runImport(t *testing.T, args ...string) (importer.Summary, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(append([]string{"import"}, args...), &stdout, &stderr)
	var sum importer.Summary
	if err == nil && strings.Contains(strings.Join(args, " "), "--json") {
		if jerr := json.Unmarshal(stdout.Bytes(), &sum); jerr != nil {
			t.Fatalf("--json output %q: %v", stdout.String(), jerr)
		}
		if strings.Count(strings.TrimSpace(stdout.String()), "\n") != 0 {
			t.Errorf("--json printed more than one line: %q", stdout.String())
		}
	}
	return sum, stdout.String() + stderr.String(), err
}

// TestImportCommandLocal: no server runs, so the command opens the database itself.
func TestImportCommandLocal(t *testing.T) {
	fx := importFixtures(t)
	db := importEnv(t)
	dirs := []string{"--claude-dir", filepath.Join(fx, "claude"), "--codex-dir", filepath.Join(fx, "codex")}

	sum, out, err := runImport(t, append(dirs, "--dry-run", "--json")...)
	if err != nil || sum.EventsFound != 84 || !sum.DryRun {
		t.Fatalf("dry run: %v %+v %s", err, sum, out)
	}
	sum, out, err = runImport(t, append(dirs, "--json")...)
	if err != nil || sum.EventsImported != 84 || sum.FilesScanned != 8 || sum.MalformedLines != 1 {
		t.Fatalf("import: %v %+v %s", err, sum, out)
	}
	_, out, err = runImport(t, dirs...)
	if err != nil || !strings.Contains(out, "Events imported  0") || !strings.Contains(out, "8 unchanged") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	sum, _, err = runImport(t, append(dirs, "--force", "--json")...)
	if err != nil || sum.EventsFound != 84 || sum.Duplicates != 84 || sum.EventsImported != 0 {
		t.Fatalf("forced: %v %+v", err, sum)
	}
	sum, _, err = runImport(t, "--source", "codex", "--from", "2026-03-12", "--force", "--json", "--codex-dir", filepath.Join(fx, "codex"))
	if err != nil || sum.EventsFound != 21 || sum.Duplicates != 21 {
		t.Fatalf("date-scoped: %v %+v", err, sum)
	}

	// Bad flags fail before touching anything.
	for _, bad := range [][]string{{"--source", "cursor"}, {"--from", "last week"}, {"extra"}, {"--nope"}} {
		if _, _, err := runImport(t, bad...); exitCode(err, io.Discard) != exitUsage {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	if _, out, err := runImport(t, "--help"); exitCode(err, io.Discard) != exitOK || !strings.Contains(out, "--codex-dir") {
		t.Errorf("--help: %v %s", err, out)
	}

	// The file is held by another process (here: an open store) and no server answers.
	s, err := kv.Open(kv.Options{Path: db, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.EventsStored(); n != 84 {
		t.Errorf("%d events stored, want 84", n)
	}
	_, _, err = runImport(t, dirs...)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "held by another process") {
		t.Errorf("locked database: %v", err)
	}
}

// TestImportCommandServer: a server runs on the database, so the command asks it to import.
func TestImportCommandServer(t *testing.T) {
	fx := importFixtures(t)
	db := importEnv(t)
	srv := startServer(t, db)
	t.Cleanup(func() {
		srv.cmd.Process.Signal(syscall.SIGTERM)
		srv.cmd.Wait()
	})
	t.Setenv("AGENTMONITOR_URL", srv.base)
	dirs := []string{"--claude-dir", filepath.Join(fx, "claude"), "--codex-dir", filepath.Join(fx, "codex")}

	sum, out, err := runImport(t, append(dirs, "--json")...)
	if err != nil || sum.EventsImported != 84 || !strings.Contains(out, "through the server") {
		t.Fatalf("import: %v %+v\n%s\n%s", err, sum, out, srv.log)
	}
	resp, err := http.Get(srv.base + "/api/sessions?limit=50")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list struct {
		Sessions []json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Sessions) != 7 {
		t.Errorf("sessions after import: %v %s", err, b)
	}
	_, out, err = runImport(t, dirs...)
	if err != nil || !strings.Contains(out, "Events imported  0") {
		t.Errorf("second import: %v\n%s", err, out)
	}
	if _, _, err := runImport(t, "--from", "2026-13-40"); err == nil {
		t.Error("bad date accepted")
	}
}
