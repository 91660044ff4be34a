package importer

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Session ids of the fixtures (EXPECTED.md).
const (
	sA1 = "3f6b2c1e-8d4a-4f0b-9c2e-5a7d1e3b9f40"
	sA4 = "c27e4a93-0f5d-4b8e-b6a1-3d9e2f07c815"
	sA3 = "8a41c6f0-2b7e-4e19-a3d5-c90f1e6b7724"
	sA2 = "5e9d07b2-61c4-4d3a-8f15-0b2c7a94e6d1"
	sC1 = "019bb315-7816-7d59-94df-446d41473a77"
	sC2 = "019d0143-bc30-71b7-8fde-d2df004959fa"
	sC3 = "019d0dd6-7307-7077-a123-d57ab425a779"
)

// want is one session's row of EXPECTED.md.
type want struct {
	id                          string
	project, branch             string
	types                       map[string]int
	tools                       map[string]int
	toolErrors                  int
	in, out, cacheRead, cacheWr int64
	cost                        float64
	unpriced                    int
	models                      map[string]int
	first, last                 string
}

var expectedSessions = []want{
	{id: sA1, project: "inkwell", branch: "fix/pdf-last-page",
		types: map[string]int{"user_prompt": 2, "llm_response": 10, "tool_use": 8},
		tools: map[string]int{"Grep": 1, "Read": 2, "Edit": 3, "Bash": 2}, toolErrors: 1,
		in: 23, out: 1718, cacheRead: 229850, cacheWr: 14780, cost: 0.150219,
		models: map[string]int{"claude-sonnet-4-5-20250929": 10},
		first:  "2026-03-11T09:14:02.118Z", last: "2026-03-11T09:15:13.120Z"},
	{id: sA4, project: "inkwell", branch: "fix/pdf-last-page",
		types: map[string]int{"user_prompt": 1, "llm_response": 1}, tools: map[string]int{},
		in: 3, out: 350, cacheRead: 26800, cacheWr: 2400, cost: 0.022299,
		models: map[string]int{"claude-sonnet-4-5-20250929": 1},
		first:  "2026-03-11T16:20:11.902Z", last: "2026-03-11T16:20:13.402Z"},
	{id: sA3, project: "tern",
		types: map[string]int{"user_prompt": 1, "llm_response": 3, "tool_use": 3},
		tools: map[string]int{"Bash": 2, "Edit": 1}, toolErrors: 1,
		in: 7, out: 587, cacheRead: 46170, cacheWr: 7520, cost: 0.050877,
		models: map[string]int{"claude-sonnet-4-5-20250929": 3},
		first:  "2026-03-13T20:31:55.040Z", last: "2026-03-13T20:32:15.940Z"},
	{id: sA2, project: "ledger-api", branch: "main",
		types: map[string]int{"user_prompt": 1, "llm_response": 6, "tool_use": 5},
		tools: map[string]int{"Agent": 1, "Grep": 1, "Read": 2, "Glob": 1},
		in:    21, out: 1716, cacheRead: 59040, cacheWr: 19040, cost: 0.1025018,
		models: map[string]int{"claude-opus-4-5-20251101": 2, "claude-haiku-4-5-20251001": 4},
		first:  "2026-03-12T15:02:40.507Z", last: "2026-03-12T15:02:54.177Z"},
	{id: sC1, project: "inkwell", branch: "feat/export-dry-run",
		types: map[string]int{"session_start": 1, "user_prompt": 2, "llm_response": 10, "tool_use": 8, "session_end": 1},
		tools: map[string]int{"shell_command": 5, "apply_patch": 3}, toolErrors: 1,
		in: 9046, out: 2455, cacheRead: 121344, unpriced: 10,
		models: map[string]int{"gpt-5.2-codex": 10},
		first:  "2026-01-12T16:41:27.318Z", last: "2026-01-12T16:43:38.579Z"},
	{id: sC2, project: "ledger-api", branch: "main",
		types: map[string]int{"session_start": 1, "user_prompt": 1, "llm_response": 5, "tool_use": 4, "session_end": 1},
		tools: map[string]int{"exec_command": 3, "apply_patch": 1}, toolErrors: 1,
		in: 20215, out: 1834, cacheRead: 80768, cost: 0.13172425,
		models: map[string]int{"gpt-5.3-codex": 5},
		first:  "2026-03-18T14:05:09.552Z", last: "2026-03-18T14:05:42.920Z"},
	{id: sC3, project: "tern",
		types: map[string]int{"session_start": 1, "user_prompt": 2, "llm_response": 3, "tool_use": 2, "session_end": 1},
		tools: map[string]int{"exec_command": 2},
		in:    33726, out: 574, cacheRead: 11776, cost: 0.046326, unpriced: 1,
		models: map[string]int{"gpt-5.3-codex": 2, "gpt-5.4": 1},
		first:  "2026-03-21T00:40:51.207Z", last: "2026-03-21T00:42:24.306Z"},
}

func checkSession(t *testing.T, got sessionTotals, w want) {
	t.Helper()
	eqMap := func(what string, g, e map[string]int) {
		t.Helper()
		if len(g) != len(e) {
			t.Errorf("%s %s = %v, want %v", w.id[:8], what, g, e)
			return
		}
		for k, v := range e {
			if g[k] != v {
				t.Errorf("%s %s = %v, want %v", w.id[:8], what, g, e)
				return
			}
		}
	}
	eqMap("event types", got.Types, w.types)
	eqMap("tools", got.Tools, w.tools)
	eqMap("models", got.Models, w.models)
	if got.Project != w.project || got.Branch != w.branch {
		t.Errorf("%s project/branch = %q/%q, want %q/%q", w.id[:8], got.Project, got.Branch, w.project, w.branch)
	}
	if got.ToolErrors != w.toolErrors {
		t.Errorf("%s tool errors = %d, want %d", w.id[:8], got.ToolErrors, w.toolErrors)
	}
	if got.In != w.in || got.Out != w.out || got.CacheRead != w.cacheRead || got.CacheWr != w.cacheWr {
		t.Errorf("%s tokens = %d/%d/%d/%d, want %d/%d/%d/%d", w.id[:8], got.In, got.Out, got.CacheRead,
			got.CacheWr, w.in, w.out, w.cacheRead, w.cacheWr)
	}
	if math.Abs(got.Cost-w.cost) > 1e-9 {
		t.Errorf("%s cost = %.10f, want %.10f", w.id[:8], got.Cost, w.cost)
	}
	if got.Unpriced != w.unpriced {
		t.Errorf("%s unpriced responses = %d, want %d", w.id[:8], got.Unpriced, w.unpriced)
	}
	if got.First != w.first || got.Last != w.last {
		t.Errorf("%s first/last = %s/%s, want %s/%s", w.id[:8], got.First, got.Last, w.first, w.last)
	}
}

// TestFixtures imports the shared fixtures and checks EXPECTED.md sections 1 and 2 exactly.
func TestFixtures(t *testing.T) {
	fx := fixtures(t)
	s := openStore(t)
	im := newTestImporter(s, filepath.Join(fx, "claude"), filepath.Join(fx, "codex"))
	sum := mustRun(t, im, Request{})

	if sum.FilesScanned != 8 || sum.FilesSkipped != 0 || sum.EventsFound != 84 || sum.EventsImported != 84 ||
		sum.Duplicates != 0 || sum.MalformedLines != 1 {
		t.Errorf("summary = %+v", sum)
	}
	wantTypes := map[string]int{"session_start": 3, "session_end": 3, "user_prompt": 10, "llm_response": 38, "tool_use": 30}
	for k, v := range wantTypes {
		if sum.EventsByType[k] != v {
			t.Errorf("events_by_type = %v, want %v", sum.EventsByType, wantTypes)
		}
	}
	if sum.TokensIn != 54+62987 || sum.TokensOut != 4371+4863 || sum.CacheReadTokens != 361860+213888 ||
		sum.CacheWriteTokens != 43740 {
		t.Errorf("summary tokens = %d/%d/%d/%d", sum.TokensIn, sum.TokensOut, sum.CacheReadTokens, sum.CacheWriteTokens)
	}
	if math.Abs(sum.CostUSD-(0.3258968+0.17805025)) > 1e-9 {
		t.Errorf("summary cost = %.10f", sum.CostUSD)
	}
	if len(sum.Problems) != 1 || sum.Problems[0].Line != 4 || !strings.HasSuffix(sum.Problems[0].File, sA3+".jsonl") {
		t.Errorf("problems = %+v, want A3 line 4", sum.Problems)
	}
	for _, w := range expectedSessions {
		checkSession(t, totals(t, s, w.id), w)
	}

	// A2: 4 of 6 responses and 4 of 5 tool calls come from the sub-agent.
	side := map[string]int{}
	for _, e := range totals(t, s, sA2).Events {
		if strings.Contains(e.Metadata, `"is_sidechain":true`) && strings.Contains(e.Metadata, `"agent_id":"a4c1f07e9b2d83e15"`) {
			side[e.EventType]++
		}
	}
	if side["llm_response"] != 4 || side["tool_use"] != 4 {
		t.Errorf("A2 sidechain events = %v, want 4 responses and 4 tool calls", side)
	}

	// Imported sessions keep their own time (CONTRACT 18.3) and are historical, so ended.
	sess, err := s.Session(sA1)
	if err != nil {
		t.Fatal(err)
	}
	if sess.StartedAt != "2026-03-11 09:14:02" || sess.LastEventAt != "2026-03-11 09:15:13" || sess.Status != "ended" {
		t.Errorf("A1 session = %+v", sess)
	}

	// State: every file recorded, with A3 and C3 stopped before their unfinished last line.
	offsets := map[string]int64{}
	n := 0
	if err := s.ImportStates(func(key string, value []byte) error {
		n++
		st := mustState(t, value)
		offsets[filepath.Base(key)] = st.Offset
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("%d state records, want 8", n)
	}
	if got := offsets[sA3+".jsonl"]; got != 8099 {
		t.Errorf("A3 consumed %d bytes, want 8099", got)
	}
	if got := offsets["rollout-2026-03-20T17-40-51-"+sC3+".jsonl"]; got != 7912 {
		t.Errorf("C3 consumed %d bytes, want 7912", got)
	}

	// EXPECTED.md 3.2: nothing changed, every file is skipped at the cost of a stat.
	again := mustRun(t, im, Request{})
	if again.FilesSkipped != 8 || again.EventsFound != 0 || again.EventsImported != 0 || again.BytesRead != 0 {
		t.Errorf("second run = %+v, want 8 files skipped and nothing read", again)
	}
	// EXPECTED.md 3.3: --force reads every file again and finds only duplicates.
	forced := mustRun(t, im, Request{Force: true})
	if forced.FilesSkipped != 0 || forced.EventsFound != 84 || forced.EventsImported != 0 || forced.Duplicates != 84 {
		t.Errorf("forced run = %+v, want 84 found, 0 imported, 84 duplicates", forced)
	}
	if s.EventsStored() != 84 {
		t.Errorf("%d events stored, want 84", s.EventsStored())
	}
}

// TestDryRun is EXPECTED.md 3.4: everything found and reported, nothing stored, no state.
func TestDryRun(t *testing.T) {
	fx := fixtures(t)
	s := openStore(t)
	im := newTestImporter(s, filepath.Join(fx, "claude"), filepath.Join(fx, "codex"))
	sum := mustRun(t, im, Request{DryRun: true})
	if sum.EventsFound != 84 || sum.EventsImported != 84 || sum.EventsByType["llm_response"] != 38 || !sum.DryRun {
		t.Errorf("dry run = %+v", sum)
	}
	if math.Abs(sum.CostUSD-0.50394705) > 1e-9 || sum.TokensIn != 63041 || sum.TokensOut != 9234 {
		t.Errorf("dry run totals = %+v", sum)
	}
	if s.EventsStored() != 0 {
		t.Errorf("dry run stored %d events", s.EventsStored())
	}
	n := 0
	s.ImportStates(func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Errorf("dry run wrote %d state records", n)
	}
	// A dry run needs no store at all.
	if sum2 := mustRun(t, newTestImporter(nil, filepath.Join(fx, "claude"), filepath.Join(fx, "codex")),
		Request{DryRun: true}); sum2.EventsFound != 84 {
		t.Errorf("store-less dry run found %d", sum2.EventsFound)
	}
}

// TestDateFilters is EXPECTED.md section 4.
func TestDateFilters(t *testing.T) {
	fx := fixtures(t)
	day := func(s string) time.Time {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	type counts struct {
		types                       map[string]int
		in, out, cacheRead, cacheWr int64
	}
	cases := []struct {
		name          string
		from, to      string
		claude, codex counts
	}{
		{"from 2026-03-12", "2026-03-12", "",
			counts{map[string]int{"user_prompt": 2, "llm_response": 9, "tool_use": 8}, 28, 2303, 105210, 26560},
			counts{map[string]int{"session_start": 2, "user_prompt": 3, "llm_response": 8, "tool_use": 6, "session_end": 2}, 53941, 2408, 92544, 0}},
		{"to 2026-03-12", "", "2026-03-12",
			counts{map[string]int{"user_prompt": 3, "llm_response": 11, "tool_use": 8}, 26, 2068, 256650, 17180},
			counts{map[string]int{"session_start": 1, "user_prompt": 2, "llm_response": 10, "tool_use": 8, "session_end": 1}, 9046, 2455, 121344, 0}},
		{"to 2026-03-21", "", "2026-03-21",
			counts{map[string]int{"user_prompt": 5, "llm_response": 20, "tool_use": 16}, 54, 4371, 361860, 43740},
			counts{map[string]int{"session_start": 2, "user_prompt": 3, "llm_response": 15, "tool_use": 12, "session_end": 2}, 29261, 4289, 202112, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, src := range []struct {
				source string
				want   counts
			}{{SourceClaude, tc.claude}, {SourceCodex, tc.codex}} {
				s := openStore(t)
				im := newTestImporter(s, filepath.Join(fx, "claude"), filepath.Join(fx, "codex"))
				req := Request{Source: src.source}
				if tc.from != "" {
					req.From = day(tc.from)
				}
				if tc.to != "" {
					req.To = day(tc.to)
				}
				sum := mustRun(t, im, req)
				w := src.want
				total := 0
				for k, v := range w.types {
					total += v
					if sum.EventsByType[k] != v {
						t.Errorf("%s: events_by_type = %v, want %v", src.source, sum.EventsByType, w.types)
						break
					}
				}
				if sum.EventsImported != total || sum.TokensIn != w.in || sum.TokensOut != w.out ||
					sum.CacheReadTokens != w.cacheRead || sum.CacheWriteTokens != w.cacheWr {
					t.Errorf("%s: summary = %+v, want %+v", src.source, sum, w)
				}
				n := 0
				s.ImportStates(func(string, []byte) error { n++; return nil })
				if n != 0 {
					t.Errorf("%s: a date-scoped run wrote %d state records", src.source, n)
				}
			}
		})
	}
}

// TestIncremental is EXPECTED.md section 5: the unfinished last lines of A3 and C3 are completed
// by the incremental/ appends; only the new events are imported.
func TestIncremental(t *testing.T) {
	fx := fixtures(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join(fx, "claude"), filepath.Join(dir, "claude"))
	copyTree(t, filepath.Join(fx, "codex"), filepath.Join(dir, "codex"))
	s := openStore(t)
	im := newTestImporter(s, filepath.Join(dir, "claude"), filepath.Join(dir, "codex"))
	if sum := mustRun(t, im, Request{}); sum.EventsImported != 84 {
		t.Fatalf("first run imported %d, want 84", sum.EventsImported)
	}
	appendFile(t, filepath.Join(fx, "incremental", "claude-"+sA3+".append"),
		filepath.Join(dir, "claude", "projects", "-home-dev-src-tern", sA3+".jsonl"))
	appendFile(t, filepath.Join(fx, "incremental", "codex-"+sC3+".append"),
		filepath.Join(dir, "codex", "sessions", "2026", "03", "20", "rollout-2026-03-20T17-40-51-"+sC3+".jsonl"))

	sum := mustRun(t, im, Request{})
	if sum.FilesSkipped != 6 || sum.EventsImported != 4 || sum.Duplicates != 0 || sum.MalformedLines != 0 {
		t.Errorf("incremental run = %+v, want 6 skipped, 4 imported", sum)
	}
	if sum.EventsByType["llm_response"] != 3 || sum.EventsByType["tool_use"] != 1 {
		t.Errorf("incremental events = %v", sum.EventsByType)
	}
	a3 := totals(t, s, sA3)
	w := expectedSessions[2]
	w.types = map[string]int{"user_prompt": 1, "llm_response": 5, "tool_use": 4}
	w.tools = map[string]int{"Bash": 3, "Edit": 1}
	w.in, w.out, w.cacheRead, w.cacheWr, w.cost = 11, 741, 85270, 8290, 0.0678165
	w.last = "2026-03-13T20:32:33.740Z"
	w.models = map[string]int{"claude-sonnet-4-5-20250929": 5}
	checkSession(t, a3, w)
	for _, e := range a3.Events {
		if deref(e.ToolName) == "Bash" && strings.Contains(e.Metadata, "cargo test") && e.Status != "success" {
			t.Errorf("cargo test call status = %s", e.Status)
		}
	}
	c3 := totals(t, s, sC3)
	if c3.Types["llm_response"] != 4 || c3.Types["session_end"] != 1 || c3.In != 34152 || c3.Out != 715 ||
		c3.CacheRead != 28672 || c3.Unpriced != 2 {
		t.Errorf("C3 after append = %+v", c3.Types)
	}
	// Claude 5/22/17 and Codex 19 responses overall.
	var cl, cx sessionTotals
	for _, id := range []string{sA1, sA2, sA3, sA4} {
		tt := totals(t, s, id)
		cl.In, cl.Out, cl.CacheRead, cl.CacheWr = cl.In+tt.In, cl.Out+tt.Out, cl.CacheRead+tt.CacheRead, cl.CacheWr+tt.CacheWr
	}
	for _, id := range []string{sC1, sC2, sC3} {
		tt := totals(t, s, id)
		cx.In, cx.Out, cx.CacheRead = cx.In+tt.In, cx.Out+tt.Out, cx.CacheRead+tt.CacheRead
	}
	if cl.In != 58 || cl.Out != 4525 || cl.CacheRead != 400960 || cl.CacheWr != 44510 {
		t.Errorf("Claude totals = %+v", cl)
	}
	if cx.In != 63413 || cx.Out != 5004 || cx.CacheRead != 230784 {
		t.Errorf("Codex totals = %+v", cx)
	}
	if again := mustRun(t, im, Request{}); again.EventsImported != 0 || again.FilesSkipped != 8 {
		t.Errorf("re-import = %+v, want nothing", again)
	}
}

func appendFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(dst, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRealTranscripts is EXPECTED.md section 6: two genuine Claude Code transcripts.
func TestRealTranscripts(t *testing.T) {
	fx := fixtures(t)
	s := openStore(t)
	im := newTestImporter(s, filepath.Join(fx, "real", "claude"), "")
	sum := mustRun(t, im, Request{})
	if sum.EventsImported != 24 || sum.MalformedLines != 0 {
		t.Errorf("summary = %+v", sum)
	}
	for _, w := range []want{
		{id: "37c7c688-8bd8-47fa-a1e3-f271ae92dc22", project: "app", branch: "HEAD",
			types: map[string]int{"user_prompt": 1, "llm_response": 3, "tool_use": 2},
			tools: map[string]int{"Write": 1, "Bash": 1}, in: 6, out: 536, cacheRead: 84465, cacheWr: 9311,
			unpriced: 3, models: map[string]int{"claude-sonnet-5": 3}},
		{id: "83c0ec33-a9cb-4fc4-b005-adfb1d205387", project: "app", branch: "HEAD",
			types: map[string]int{"user_prompt": 1, "llm_response": 9, "tool_use": 8},
			tools: map[string]int{"Bash": 5, "Write": 1, "Read": 1, "Edit": 1}, in: 54, out: 5067,
			cacheRead: 204553, cacheWr: 11672, cost: 0.04834744,
			models: map[string]int{"claude-haiku-4-5-20251001": 9}},
	} {
		got := totals(t, s, w.id)
		w.first, w.last = got.First, got.Last
		checkSession(t, got, w)
	}
}
