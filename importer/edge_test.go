package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// claudeLine builds a transcript line.
func ccLine(typ, uuid, ts string, extra string) string {
	return fmt.Sprintf(`{"type":%q,"uuid":%q,"timestamp":%q,"sessionId":"sess-1","cwd":"/home/dev/proj","gitBranch":"main"%s}`,
		typ, uuid, ts, extra)
}

func ccAssistant(uuid, ts, msgID, req, stop, content string, out int) string {
	stopJSON := "null"
	if stop != "" {
		stopJSON = fmt.Sprintf("%q", stop)
	}
	return ccLine("assistant", uuid, ts, fmt.Sprintf(`,"requestId":%q,"message":{"id":%q,"model":"claude-sonnet-4-5-20250929","role":"assistant","content":[%s],"stop_reason":%s,"usage":{"input_tokens":3,"output_tokens":%d,"cache_read_input_tokens":100,"cache_creation_input_tokens":10}}`,
		req, msgID, content, stopJSON, out))
}

func writeLines(t testing.TB, path string, lines ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendLines(t testing.TB, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Join(lines, ""))
	f.Close()
}

// TestWaiting: a response streamed without stop_reason and a tool call without result wait in the
// state until their lines arrive, or until the file has been idle long enough.
func TestWaiting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "projects", "p", "sess-1.jsonl")
	writeLines(t, path,
		ccLine("user", "u1", "2026-03-01T10:00:00.000Z", `,"message":{"role":"user","content":"run the tests"}`)+"\n",
		ccAssistant("a1", "2026-03-01T10:00:01.000Z", "msg_1", "req_1", "", `{"type":"text","text":"Running."}`, 8)+"\n",
	)
	s := openStore(t)
	now := time.Now()
	im := New(s, Options{ClaudeDir: dir, Now: func() time.Time { return now }})
	sum := mustRun(t, im, Request{})
	if sum.EventsImported != 1 || sum.EventsByType["user_prompt"] != 1 {
		t.Fatalf("first run = %+v, want only the prompt (the response has no last line yet)", sum)
	}
	appendLines(t, path,
		ccAssistant("a2", "2026-03-01T10:00:01.500Z", "msg_1", "req_1", "tool_use",
			`{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"go test ./..."}}`, 120)+"\n")
	sum = mustRun(t, im, Request{})
	if sum.EventsImported != 1 || sum.EventsByType["llm_response"] != 1 || sum.TokensOut != 120 {
		t.Fatalf("second run = %+v, want the response with the last line's usage", sum)
	}
	// The tool call has no result yet; once the file is idle it goes as it is.
	if sum = mustRun(t, im, Request{}); sum.EventsImported != 0 || sum.FilesSkipped != 1 {
		t.Fatalf("third run = %+v, want nothing", sum)
	}
	now = now.Add(time.Hour)
	if sum = mustRun(t, im, Request{}); sum.EventsImported != 1 || sum.EventsByType["tool_use"] != 1 || sum.BytesRead != 0 {
		t.Fatalf("idle run = %+v, want the waiting tool call without reading", sum)
	}
	if sum = mustRun(t, im, Request{}); sum.EventsImported != 0 || sum.FilesSkipped != 1 {
		t.Fatalf("last run = %+v, want nothing", sum)
	}
	tt := totals(t, s, "sess-1")
	if tt.Types["llm_response"] != 1 || tt.Out != 120 || tt.Tools["Bash"] != 1 {
		t.Errorf("stored = %+v", tt.Types)
	}
}

// TestRewritten: a file whose consumed prefix changed is read again from the start; the ids make
// that safe.
func TestRewritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "projects", "p", "sess-1.jsonl")
	first := ccLine("user", "u1", "2026-03-01T10:00:00.000Z", `,"message":{"role":"user","content":"one"}`) + "\n"
	writeLines(t, path, first)
	s := openStore(t)
	im := newTestImporter(s, dir, "")
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 1 {
		t.Fatalf("first = %+v", sum)
	}
	// Replace the file with different content of greater size.
	writeLines(t, path,
		ccLine("user", "u9", "2026-03-01T10:00:00.000Z", `,"message":{"role":"user","content":"ONE"}`)+"\n",
		ccLine("user", "u1", "2026-03-01T10:00:05.000Z", `,"message":{"role":"user","content":"one"}`)+"\n")
	sum := mustRun(t, im, Request{})
	if sum.EventsFound != 2 || sum.EventsImported != 1 || sum.Duplicates != 1 {
		t.Errorf("rewritten = %+v, want read from the start: 2 found, 1 new", sum)
	}
	// Truncated below the offset: read from the start again.
	writeLines(t, path, ccLine("user", "u2", "2026-03-01T10:00:00.000Z", `,"message":{"role":"user","content":"2"}`)+"\n")
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 1 {
		t.Errorf("truncated = %+v", sum)
	}
}

// TestOddLines: BOM, CRLF, blank lines, junk, glued records, a long line within the cap, a line
// over the cap and an unfinished huge last line.
func TestOddLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "projects", "p", "sess-1.jsonl")
	big := strings.Repeat("x", 3<<20) // 3 MiB of prompt, over any 64 KiB scanner limit
	over := strings.Repeat("y", 5<<20)
	writeLines(t, path,
		"\xEF\xBB\xBF"+ccLine("user", "u1", "2026-03-01T10:00:00.000Z", `,"message":{"role":"user","content":"bom"}`)+"\r\n",
		"\n   \n",
		"\x00\x01\x02 binary junk \xff\xfe\n",
		ccLine("user", "u2", "2026-03-01T10:00:01.000Z", `,"message":{"role":"user","content":"a"}`)+
			ccLine("user", "u3", "2026-03-01T10:00:01.000Z", `,"message":{"role":"user","content":"b"}`)+"\n",
		`[1,2,3]`+"\n",
		`{"no":"type"}`+"\n",
		`{"type":"some-future-record","x":1}`+"\n",
		ccLine("user", "u4", "2026-03-01T10:00:02.000Z", `,"message":{"role":"user","content":"`+big+`"}`)+"\n",
		ccLine("user", "u5", "2026-03-01T10:00:03.000Z", `,"message":{"role":"user","content":"`+over+`"}`)+"\n",
		ccLine("user", "u6", "2026-03-01T10:00:04.000Z", `,"message":{"role":"user","content":"after"}`)+"\n",
		`{"type":"user","message":{"content":"`+over, // unfinished and over the cap
	)
	s := openStore(t)
	im := New(s, Options{ClaudeDir: dir, MaxLineBytes: 4 << 20})
	sum := mustRun(t, im, Request{})
	if sum.EventsImported != 3 || sum.MalformedLines != 2 || sum.OversizedLines != 1 {
		t.Errorf("summary = %+v, want 3 prompts (bom, 3 MiB, after), 2 malformed, 1 oversized", sum)
	}
	var st fileState
	s.ImportStates(func(_ string, v []byte) error { st = mustState(t, v); return nil })
	info, _ := os.Stat(path)
	if want := info.Size() - int64(len(`{"type":"user","message":{"content":"`+over)); st.Offset != want {
		t.Errorf("offset = %d, want %d (before the unfinished line)", st.Offset, want)
	}
	// The unfinished line completes: the next run parses it (it is over the cap: skipped).
	appendLines(t, path, "\"}}\n")
	sum = mustRun(t, im, Request{})
	if sum.OversizedLines != 1 || sum.EventsImported != 0 || sum.MalformedLines != 0 {
		t.Errorf("after completion = %+v", sum)
	}
	tt := totals(t, s, "sess-1")
	for _, e := range tt.Events {
		if len(e.Metadata) > 10*1024 {
			t.Errorf("metadata of %d bytes stored", len(e.Metadata))
		}
	}
}

// TestFork: a Codex fork repeats its parent's token history; only its own requests count.
func TestFork(t *testing.T) {
	dir := t.TempDir()
	rec := func(ts, typ, payload string) string {
		return fmt.Sprintf(`{"timestamp":%q,"type":%q,"payload":%s}`+"\n", ts, typ, payload)
	}
	tok := func(in, cached, out int) string {
		return fmt.Sprintf(`{"type":"token_count","info":{"total_token_usage":{"input_tokens":%d,"cached_input_tokens":%d,"output_tokens":%d,"reasoning_output_tokens":0,"total_tokens":%d}}}`,
			in, cached, out, in+out)
	}
	parent := "019a0000-0000-7000-8000-000000000001"
	child := "019a0000-0000-7000-8000-000000000002"
	writeLines(t, filepath.Join(dir, "sessions", "2026", "03", "01", "rollout-2026-03-01T10-00-00-"+parent+".jsonl"),
		rec("2026-03-01T10:00:00.000Z", "session_meta", `{"id":"`+parent+`","timestamp":"2026-03-01T10:00:00.000Z","cwd":"/x/proj"}`),
		rec("2026-03-01T10:00:01.000Z", "turn_context", `{"model":"gpt-5.3-codex","cwd":"/x/proj"}`),
		rec("2026-03-01T10:00:02.000Z", "event_msg", tok(1000, 0, 100)),
		rec("2026-03-01T10:00:03.000Z", "event_msg", tok(3000, 1000, 300)),
	)
	writeLines(t, filepath.Join(dir, "sessions", "2026", "03", "01", "rollout-2026-03-01T11-00-00-"+child+".jsonl"),
		rec("2026-03-01T11:00:00.000Z", "session_meta", `{"id":"`+child+`","forked_from_id":"`+parent+`","timestamp":"2026-03-01T11:00:00.000Z","cwd":"/x/proj"}`),
		rec("2026-03-01T11:00:01.000Z", "turn_context", `{"model":"gpt-5.3-codex","cwd":"/x/proj"}`),
		rec("2026-03-01T11:00:02.000Z", "event_msg", tok(1000, 0, 100)),
		rec("2026-03-01T11:00:02.000Z", "event_msg", tok(3000, 1000, 300)),
		rec("2026-03-01T11:00:05.000Z", "event_msg", tok(5000, 2500, 350)),
	)
	s := openStore(t)
	im := newTestImporter(s, "", dir)
	mustRun(t, im, Request{})
	c := totals(t, s, child)
	if c.Types["llm_response"] != 1 || c.In != 500 || c.CacheRead != 1500 || c.Out != 50 {
		t.Errorf("fork = %v in %d cached %d out %d, want one response of 500/1500/50", c.Types, c.In, c.CacheRead, c.Out)
	}
	p := totals(t, s, parent)
	if p.Types["llm_response"] != 2 || p.In != 2000 || p.Out != 300 {
		t.Errorf("parent = %v %d %d", p.Types, p.In, p.Out)
	}
}

// TestDirs: --claude-dir and --codex-dir may name projects/ and sessions/ themselves; a missing
// folder is no error.
func TestDirs(t *testing.T) {
	fx := fixtures(t)
	im := newTestImporter(nil, "", "")
	sum := mustRun(t, im, Request{DryRun: true, ClaudeDir: filepath.Join(fx, "claude", "projects"),
		CodexDir: filepath.Join(fx, "codex", "sessions")})
	if sum.EventsFound != 84 {
		t.Errorf("found %d, want 84", sum.EventsFound)
	}
	sum = mustRun(t, im, Request{DryRun: true, ClaudeDir: filepath.Join(t.TempDir(), "nothing")})
	if sum.FilesScanned != 0 || len(sum.Problems) != 0 {
		t.Errorf("missing dir = %+v", sum)
	}
	if _, err := im.Run(t.Context(), Request{Source: "cursor", DryRun: true}); err == nil {
		t.Error("unknown source accepted")
	}
}

// TestCodexLiveSession: a rollout Codex is still writing gets its session_end only once it has
// been idle, so the end carries the final totals; an old rollout ends at once, whatever its mtime.
func TestCodexLiveSession(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(fixtures(t), "codex", "sessions", "2026", "03", "18",
		"rollout-2026-03-18T14-05-09-019d0143-bc30-71b7-8fde-d2df004959fa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// The same records, written two minutes ago (every timestamp of C2 is in 14:05).
	now := time.Now().UTC()
	recent := strings.ReplaceAll(string(src), "2026-03-18T14:05", now.Add(-2*time.Minute).Format("2006-01-02T15:04"))
	dir := t.TempDir()
	writeLines(t, filepath.Join(dir, "sessions", "2026", "03", "18", "rollout-live.jsonl"), recent)
	im := New(openStore(t), Options{CodexDir: dir, Now: func() time.Time { return now }})
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 11 || sum.EventsByType["session_end"] != 0 {
		t.Fatalf("live run = %+v, want C2's 11 events without session_end", sum)
	}
	now = now.Add(10 * time.Minute)
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 1 || sum.EventsByType["session_end"] != 1 {
		t.Fatalf("idle run = %+v, want the session_end", sum)
	}

	// A copy of the old rollout, just written: its records say it is over.
	old := t.TempDir()
	writeLines(t, filepath.Join(old, "sessions", "2026", "03", "18", "rollout-old.jsonl"), string(src))
	im = New(openStore(t), Options{CodexDir: old, Now: time.Now})
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 12 || sum.EventsByType["session_end"] != 1 {
		t.Fatalf("old rollout = %+v, want 12 events with session_end", sum)
	}
}
