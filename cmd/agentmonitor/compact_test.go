package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRetentionAndCompactServer: a server with a retention of 30 days drops the imported history
// (it happened in early 2026) at start, from the file and from the search index, and keeps its
// sessions and statistics; compact then works through it and, with the server stopped, alone.
func TestRetentionAndCompactServer(t *testing.T) {
	fx := importFixtures(t)
	db := importEnv(t)
	dirs := []string{"--claude-dir", filepath.Join(fx, "claude"), "--codex-dir", filepath.Join(fx, "codex")}
	if sum, out, err := runImport(t, append(dirs, "--json")...); err != nil || sum.EventsImported != 84 {
		t.Fatalf("import: %v %+v\n%s", err, sum, out)
	}
	var srv *server
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var health struct {
		Stored  int64 `json:"events_stored"`
		Indexed int64 `json:"events_indexed"`
	}
	await := func(stored, indexed int64) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for get("/api/health", &health); health.Stored != stored || health.Indexed != indexed; get("/api/health", &health) {
			if time.Now().After(deadline) {
				t.Fatalf("after 60 s: %+v, want %d stored and %d indexed\n%s", health, stored, indexed, srv.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// First without retention, until the history is searchable.
	srv = startQuickServer(t, db)
	await(84, 84)
	srv.stop(t)

	srv = startQuickServer(t, db, "AGENTMONITOR_RETENTION_DAYS=30")
	t.Setenv("AGENTMONITOR_URL", srv.base)
	await(0, 0)
	if !strings.Contains(srv.log.String(), "dropped old events") {
		t.Errorf("the server's log does not say what it dropped:\n%s", srv.log)
	}
	var stats struct {
		TotalEvents int64 `json:"total_events"`
	}
	get("/api/stats", &stats)
	var sessions struct {
		Sessions []struct {
			EventCount int64 `json:"event_count"`
		} `json:"sessions"`
	}
	get("/api/sessions?limit=50", &sessions)
	var counted int64
	for _, s := range sessions.Sessions {
		counted += s.EventCount
	}
	if stats.TotalEvents != 84 || len(sessions.Sessions) != 7 || counted != 84 {
		t.Errorf("after retention: %d events in the stats, %d sessions counting %d events; want 84, 7, 84",
			stats.TotalEvents, len(sessions.Sessions), counted)
	}

	var stdout, stderr bytes.Buffer
	if err := run([]string{"compact"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "Compacted the server's database") {
		t.Fatalf("compact through the server: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	resp, err := http.Post(srv.base+"/api/events", "application/json",
		strings.NewReader(`{"session_id":"new","agent_type":"codex","event_type":"session_start"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get("/api/health", &health)
	if resp.StatusCode != http.StatusCreated || health.Stored != 1 {
		t.Errorf("after compaction: post %d, %d events stored", resp.StatusCode, health.Stored)
	}
	srv.stop(t)

	stdout.Reset()
	if err := run([]string{"compact", "--db", db}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "Compacted "+db) {
		t.Errorf("compact with the server stopped: %v\n%s%s", err, stdout.String(), stderr.String())
	}
}
