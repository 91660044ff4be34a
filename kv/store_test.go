package kv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// openTest opens a store in a temp dir; cleanup closes it, then checks the file's pages and that
// every derived counter equals a recount.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "am.db")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Verify(); err != nil {
			t.Errorf("verify: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		db, err := bolt.Open(opts.Path, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer db.Close()
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
	})
	return s
}

func ev(session, agent, typ string) contract.Input {
	return contract.Input{SessionID: session, AgentType: agent, EventType: typ, Status: "success", Source: "api", Metadata: "{}"}
}

func ingest(t testing.TB, s *Store, in ...contract.Input) []Outcome {
	t.Helper()
	out, err := s.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDedup(t *testing.T) {
	s := openTest(t, Options{})
	a := ev("s1", "claude_code", "tool_use")
	a.EventID = "e1"
	out := ingest(t, s, a, a)
	if out[0].ID != 1 || out[0].Duplicate || !out[1].Duplicate {
		t.Fatalf("same batch: %+v", out)
	}
	if out := ingest(t, s, a); !out[0].Duplicate {
		t.Fatalf("second post: %+v", out)
	}

	// CONTRACT 18.1: one tool call reported by hook and OTLP counts once, per session and kind.
	hook := ev("s1", "claude_code", "tool_use")
	hook.Source, hook.Correlation = "hook", "toolu_1"
	otel := hook
	otel.Source = "otel"
	prompt := ev("s1", "claude_code", "user_prompt")
	prompt.Correlation = "toolu_1" // a prompt id equal to a tool id is another kind
	other := hook
	other.SessionID = "s2"
	out = ingest(t, s, hook, otel, prompt, other)
	want := []bool{false, true, false, false}
	for i, o := range out {
		if o.Duplicate != want[i] {
			t.Errorf("correlation item %d: duplicate=%v, want %v", i, o.Duplicate, want[i])
		}
	}
	if got := s.EventsStored(); got != 4 {
		t.Errorf("stored %d, want 4", got)
	}
}

func TestLifecycle(t *testing.T) {
	c := &clock{t: time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{Now: c.Now})
	status := func(id string) string {
		t.Helper()
		sess, err := s.Session(id)
		if err != nil {
			t.Fatal(err)
		}
		return sess.Status
	}
	ingest(t, s, ev("cc", "claude_code", "session_start"), ev("cc", "claude_code", "session_end"))
	if got := status("cc"); got != "idle" {
		t.Errorf("claude session_end: %s, want idle", got)
	}
	end := ev("cx", "codex", "session_end")
	end.EventID = "end-1"
	ingest(t, s, end)
	if sess, _ := s.Session("cx"); sess.Status != "ended" || sess.EndedAt == nil {
		t.Errorf("codex session_end: %+v", sess)
	}
	ingest(t, s, ev("cx", "codex", "tool_use"))
	if got := status("cx"); got != "active" {
		t.Errorf("reactivated: %s", got)
	}
	ingest(t, s, end) // a duplicate session_end changes nothing
	if got := status("cx"); got != "active" {
		t.Errorf("after duplicate end: %s", got)
	}

	// Idle sweep: active → idle after T, idle → ended after 2T; a sweep with nothing due writes nothing.
	c.Set(c.Now().Add(6 * time.Minute))
	n, err := s.Sweep(context.Background(), c.Now())
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v; want 1 idled (cx)", n, err)
	}
	if status("cx") != "idle" || status("cc") != "idle" {
		t.Errorf("after sweep: cx %s cc %s", status("cx"), status("cc"))
	}
	c.Set(c.Now().Add(5 * time.Minute))
	if _, err := s.Sweep(context.Background(), c.Now()); err != nil {
		t.Fatal(err)
	}
	if status("cx") != "ended" || status("cc") != "ended" {
		t.Errorf("after 2T: cx %s cc %s", status("cx"), status("cc"))
	}
	if s.sweepDue(c.Now()) {
		t.Error("nothing should be due")
	}
}

func TestImportedHistory(t *testing.T) {
	now := time.Date(2026, 2, 18, 12, 0, 0, 0, time.UTC)
	s := openTest(t, Options{Now: func() time.Time { return now }})
	old := ev("h", "claude_code", "user_prompt")
	old.Source, old.ClientTime = "import", now.Add(-72*time.Hour+1500*time.Millisecond)
	recent := ev("r", "codex", "session_end")
	recent.Source, recent.ClientTime = "import", now.Add(-time.Minute)
	ingest(t, s, old, recent)

	h, _ := s.Session("h")
	if h.Status != "ended" || h.StartedAt != "2026-02-15 12:00:01" || h.LastEventAt != "2026-02-15 12:00:01" {
		t.Errorf("historical session: %+v", h)
	}
	if r, _ := s.Session("r"); r.Status != "active" {
		t.Errorf("a recent imported session_end must not end the session: %+v", r)
	}
	var rows []contract.Event
	if _, err := s.Events(EventFilter{SessionID: "h", Limit: -1}, func(b []byte) error {
		var e contract.Event
		rows = append(rows, e)
		return json.Unmarshal(b, &rows[len(rows)-1])
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].CreatedAt != "2026-02-15 12:00:01" || *rows[0].ClientTimestamp != "2026-02-15T12:00:01.500Z" {
		t.Fatalf("imported row: %+v", rows)
	}
	since := now.Add(-5 * time.Hour)
	tokens, _, err := s.UsageSince(since)
	if err != nil || len(tokens) != 1 { // only the recent codex event is in the window
		t.Errorf("usage since 5h: %v %v", tokens, err)
	}
}

func TestEventsPaging(t *testing.T) {
	c := &clock{t: time.Date(2026, 2, 18, 0, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{Now: c.Now, MaxBatch: 1000})
	// More events than one scan chunk, spread over seconds, two agents, one tool on every third.
	const n = scanChunk*2 + 123
	var batch []contract.Input
	for i := range n {
		e := ev(fmt.Sprintf("s%d", i%7), []string{"claude_code", "codex"}[i%2], "tool_use")
		if i%3 == 0 {
			e.ToolName = "Bash"
		}
		batch = append(batch, e)
		if len(batch) == 500 {
			ingest(t, s, batch...)
			batch = batch[:0]
			c.Set(c.Now().Add(time.Second))
		}
	}
	ingest(t, s, batch...)

	collect := func(f EventFilter) ([]contract.Event, int64) {
		t.Helper()
		var rows []contract.Event
		total, err := s.Events(f, func(b []byte) error {
			var e contract.Event
			if err := json.Unmarshal(b, &e); err != nil {
				return err
			}
			rows = append(rows, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows, total
	}
	all, total := collect(EventFilter{Limit: -1})
	if total != n || len(all) != n {
		t.Fatalf("all: %d rows, total %d, want %d", len(all), total, n)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("order broken at %d: %d after %d", i, all[i].ID, all[i-1].ID)
		}
	}
	// Two conditions: the index of one, the row check of the other, across chunk boundaries.
	rows, total := collect(EventFilter{AgentType: "codex", ToolName: "Bash", Limit: 10, Offset: 700})
	want := 0
	for i := range n {
		if i%2 == 1 && i%3 == 0 {
			want++
		}
	}
	if total != int64(want) || len(rows) != 10 {
		t.Fatalf("codex+Bash: %d rows, total %d, want 10 of %d", len(rows), total, want)
	}
	for _, r := range rows {
		if r.AgentType != "codex" || r.ToolName == nil || *r.ToolName != "Bash" {
			t.Fatalf("row does not match: %+v", r)
		}
	}
	// A time window: the first 3 seconds hold 1,500 events.
	since, until := time.Date(2026, 2, 18, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 18, 0, 0, 2, 0, time.UTC)
	_, total = collect(EventFilter{Range: Range{Since: &since, Until: &until}, Limit: 1})
	if total != 1500 {
		t.Errorf("window total %d, want 1500", total)
	}
	if _, total = collect(EventFilter{Range: Range{Never: true}}); total != 0 {
		t.Errorf("unparseable bound matched %d", total)
	}
}

func TestStatsSinceCutsAnHour(t *testing.T) {
	c := &clock{t: time.Date(2026, 2, 18, 10, 10, 0, 0, time.UTC)}
	s := openTest(t, Options{Now: c.Now})
	cost := func(v float64) *float64 { return &v }
	a := ev("s1", "claude_code", "tool_use")
	a.ToolName, a.TokensIn, a.CostUSD = "Read", 100, cost(0.5)
	ingest(t, s, a)
	c.Set(time.Date(2026, 2, 18, 10, 50, 0, 0, time.UTC))
	b := ev("s1", "claude_code", "tool_use")
	b.ToolName, b.TokensIn, b.CostUSD = "Bash", 10, cost(0.25)
	ingest(t, s, b)
	c.Set(time.Date(2026, 2, 18, 12, 5, 0, 0, time.UTC))
	ingest(t, s, b)
	// The timeline's time is the client's: 10:40 lands in the 10:00 bucket, inside the bound;
	// 10:20 is before it.
	late := ev("s2", "codex", "llm_response")
	late.TokensOut, late.ClientTime = 7, time.Date(2026, 2, 18, 10, 40, 0, 0, time.UTC)
	early := late
	early.ClientTime = time.Date(2026, 2, 18, 10, 20, 0, 0, time.UTC)
	ingest(t, s, late, early)

	since := time.Date(2026, 2, 18, 10, 30, 0, 0, time.UTC)
	st, err := s.Stats(StatsFilter{Since: &since})
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalEvents != 4 || st.TotalTokensIn != 20 || st.TotalCostUSD != 0.5 || st.ToolBreakdown["Read"] != 0 ||
		st.ToolBreakdown["Bash"] != 2 || st.AgentBreakdown["codex"] != 2 {
		t.Errorf("since 10:30: %+v", st)
	}
	all, _ := s.Stats(StatsFilter{})
	if all.TotalEvents != 5 || all.TotalTokensIn != 120 {
		t.Errorf("all time: %+v", all)
	}
	cst, err := s.Cost(StatsFilter{Since: &since, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(cst.Timeline) != 2 || cst.Timeline[0].Bucket != "2026-02-18T10:00:00Z" || cst.Timeline[0].EventCount != 2 ||
		cst.Timeline[0].TokensOut != 7 || cst.Timeline[1].EventCount != 1 {
		t.Errorf("timeline: %+v", cst.Timeline)
	}
	codex, err := s.Cost(StatsFilter{Since: &since, AgentType: "codex"})
	if err != nil || len(codex.Timeline) != 1 || codex.Timeline[0].EventCount != 1 {
		t.Errorf("codex timeline: %+v %v", codex.Timeline, err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "am.db")
	openTest(t, Options{Path: path})
	start := time.Now()
	_, err := Open(Options{Path: path})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("second open took %v", d) // bounded by Options.Timeout, never a hang
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "am.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	e := ev("s1", "codex", "llm_response")
	e.EventID, e.Project = "x", "proj"
	ingest(t, s, e, ev("s2", "codex", "error"))
	uuid := s.DBUUID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{Path: path})
	if s.EventsStored() != 2 || s.DBUUID() != uuid || uuid == "" {
		t.Errorf("after reopen: %d events, uuid %q (was %q)", s.EventsStored(), s.DBUUID(), uuid)
	}
	if sess, err := s.Session("s1"); err != nil || *sess.Project != "proj" {
		t.Errorf("session after reopen: %+v %v", sess, err)
	}
	if out := ingest(t, s, e); !out[0].Duplicate {
		t.Error("event_id forgotten after reopen")
	}
	if out := ingest(t, s, ev("s3", "codex", "error")); out[0].ID != 3 {
		t.Errorf("next id %d, want 3", out[0].ID)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "am.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Load().Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(Options{Path: path}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("open newer file: %v", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "am.db")})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Ingest(context.Background(), []contract.Input{ev("s", "a", "error")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("ingest after close: %v", err)
	}
}

func TestBriefRoundTrip(t *testing.T) {
	d, c := int64(87), 0.25
	tool, model := "Bash", "o3"
	ts := "2026-02-18T10:00:00.000Z"
	for _, r := range []eventRow{
		{SessionID: "s1", AgentType: "codex", Status: "error", ToolName: &tool, Model: &model, TokensIn: 300,
			TokensOut: 1 << 40, CacheReadTokens: 5, DurationMS: &d, CostUSD: &c, ClientTimestamp: &ts},
		{SessionID: "", AgentType: "x", Status: "success"},
		{SessionID: "s", AgentType: "x", Status: "timeout", CostUSD: new(float64)},
	} {
		ids := tuple{1, 2, 3, 4, 0, 6}
		want := briefOf(&r, ids)
		names := map[byte]string{fieldAgent: r.AgentType, fieldTool: deref(r.ToolName), fieldModel: deref(r.Model)}
		got, ok := decodeBrief(want.encode(), func(f byte, id uint32) string { return names[f] })
		if !ok || got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if decodeTuple(want.encode()) != ids {
			t.Error("a brief must start with its tuple")
		}
	}
}

func TestBackupUnderIngest(t *testing.T) {
	s := openTest(t, Options{})
	ingest(t, s, ev("before", "codex", "tool_use"))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ingest(t, s, ev(fmt.Sprintf("during-%d", i%5), "codex", "tool_use"))
		}
	}()
	path := filepath.Join(t.TempDir(), "copy.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f)
	close(stop)
	<-done
	if err != nil || n == 0 {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	f.Close()
	c := openTest(t, Options{Path: path}) // its cleanup verifies the copy and checks its pages
	if _, err := c.Session("before"); err != nil {
		t.Errorf("copy lacks an event committed before it began: %v", err)
	}
}
