package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

// Options configure an Importer. Zero values take the defaults noted.
type Options struct {
	// ClaudeDir is the Claude Code root (holding projects/) used when a Request names none; ""
	// leaves Claude Code out of such requests.
	ClaudeDir string
	// CodexDir is the Codex home (holding sessions/) used when a Request names none; "" leaves
	// Codex out of such requests.
	CodexDir string
	// MaxPayloadBytes caps stored metadata (CONTRACT 6; default 10 KiB).
	MaxPayloadBytes int
	// Prices prices llm_response events (default pricing.Default()).
	Prices pricing.Pricer
	// IdleAfter is how long a file must be unmodified before what still waits in it (a tool call
	// without result, a response without its last line, Codex's session_end) is emitted as it is
	// (default 5 minutes).
	IdleAfter time.Duration
	// MaxLineBytes is the longest line parsed; longer lines are skipped and counted (default 64 MiB).
	MaxLineBytes int
	// BatchEvents bounds the events committed in one transaction (default 1000).
	BatchEvents int
	// Now returns the current time (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Request is one import run: the flags of `agentmonitor import`, and the body of POST /api/import.
type Request struct {
	Source    string    `json:"source,omitempty"` // SourceClaude, SourceCodex or SourceAll ("": all)
	From      time.Time `json:"-"`                // inclusive lower bound; zero: none
	To        time.Time `json:"-"`                // inclusive upper bound; zero: none
	DryRun    bool      `json:"dry_run,omitempty"`
	Force     bool      `json:"force,omitempty"` // ignore the import state: read every file from the start
	ClaudeDir string    `json:"claude_dir,omitempty"`
	CodexDir  string    `json:"codex_dir,omitempty"`
	// Progress, when set, is called from the importing goroutine after each file and about every
	// 200 ms within a long one.
	Progress func(Progress) `json:"-"`
}

// Progress is how far a run has come.
type Progress struct {
	Files, FilesTotal int
	Bytes, BytesTotal int64
	Events            int
	Elapsed           time.Duration
}

// Importer imports Claude Code transcripts and Codex rollouts into a store (IMPORT.md section 4).
// It is safe for concurrent use; runs are serialized.
type Importer struct {
	store *kv.Store
	opts  Options
	sem   chan struct{}
}

// New returns an importer writing to store. store may be nil for dry runs only.
func New(store *kv.Store, opts Options) *Importer {
	if opts.MaxPayloadBytes == 0 {
		opts.MaxPayloadBytes = 10 * 1024
	}
	if opts.Prices == nil {
		opts.Prices = pricing.Default()
	}
	if opts.IdleAfter <= 0 {
		opts.IdleAfter = 5 * time.Minute
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = 64 << 20
	}
	if opts.BatchEvents <= 0 {
		opts.BatchEvents = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Importer{store: store, opts: opts, sem: make(chan struct{}, 1)}
}

// ParseDate parses a --from/--to bound: YYYY-MM-DD (00:00:00Z of that day) or an ISO-8601 time.
func ParseDate(s string) (time.Time, error) {
	t, ok := contract.ParseTime(s)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q (want YYYY-MM-DD or an ISO-8601 time)", ErrBadDate, s)
	}
	return t, nil
}

// fileState is the import state record of one file (IMPORT.md 4.5), stored under its path.
type fileState struct {
	V       int          `json:"v"`
	Source  string       `json:"source"`
	Size    int64        `json:"size"`
	MTime   int64        `json:"mtime"`  // unix ns; 0 on a record written mid-file
	Offset  int64        `json:"offset"` // end of the last consumed line
	Lines   int64        `json:"lines"`  // physical lines consumed
	Hash    string       `json:"hash"`   // window.sum() of the consumed prefix
	Pending bool         `json:"pending,omitempty"`
	Claude  *claudeState `json:"claude,omitempty"`
	Codex   *codexState  `json:"codex,omitempty"`
	At      string       `json:"imported_at,omitempty"`
}

const stateVersion = 1

// Run imports what req selects and returns the summary. It stops at the first store error or when
// ctx ends, returning the summary so far with the error; a file it cannot read is reported in the
// summary and skipped.
func (im *Importer) Run(ctx context.Context, req Request) (Summary, error) {
	sum := Summary{EventsByType: map[string]int{}, DryRun: req.DryRun}
	start := time.Now()
	select {
	case im.sem <- struct{}{}:
	case <-ctx.Done():
		return sum, ctx.Err()
	}
	defer func() { <-im.sem }()
	if im.store == nil && !req.DryRun {
		return sum, errors.New("importer: no store for a run that is not a dry run")
	}
	r := &run{im: im, ctx: ctx, req: req, sum: &sum, seen: map[uint64]struct{}{}, start: start,
		states: map[string][]byte{}, now: im.opts.Now()}
	r.writeState = !req.DryRun && req.From.IsZero() && req.To.IsZero()
	if !req.From.IsZero() {
		r.from = req.From.UnixMilli()
	}
	if !req.To.IsZero() {
		r.to = req.To.UnixMilli()
	}
	err := r.all()
	if err == nil {
		err = r.flush()
	}
	if werr := r.wait(); err == nil {
		err = werr
	}
	sum.DurationMS = time.Since(start).Milliseconds()
	sum.CostUSD = roundCost(sum.CostUSD)
	return sum, err
}

// roundCost rounds a summed cost to 10 decimals, hiding float noise in the summary.
func roundCost(c float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(c, 'f', 10, 64), 64)
	return v
}

type source struct {
	name  string // SourceClaude or SourceCodex
	root  string // projects/ or sessions/
	home  string // the Claude root or Codex home
	files []string
}

// run is the state of one Run.
type run struct {
	im         *Importer
	ctx        context.Context
	req        Request
	sum        *Summary
	seen       map[uint64]struct{}
	batch      []contract.Input
	states     map[string][]byte
	writeState bool
	from, to   int64
	start, now time.Time

	files, filesTotal int
	bytes, bytesTotal int64
	lastProgress      time.Time

	inflight      *commit
	codexModel    string
	codexSessions map[string]string // session id → rollout path (fork lookups)
	storedLoaded  bool
}

// sources resolves the roots of the sources a request selects.
func (r *run) sources() ([]*source, error) {
	src := r.req.Source
	if src == "" {
		src = SourceAll
	}
	if src != SourceAll && src != SourceClaude && src != SourceCodex {
		return nil, fmt.Errorf("%w: %q (want claude-code, codex or all)", ErrBadSource, src)
	}
	var out []*source
	if src != SourceCodex {
		dir := r.req.ClaudeDir
		if dir == "" {
			dir = r.im.opts.ClaudeDir
		}
		if dir != "" {
			out = append(out, &source{name: SourceClaude, home: dir, root: subdir(dir, "projects")})
		}
	}
	if src != SourceClaude {
		dir := r.req.CodexDir
		if dir == "" {
			dir = r.im.opts.CodexDir
		}
		if dir != "" {
			s := &source{name: SourceCodex, home: dir, root: subdir(dir, "sessions")}
			if s.root == filepath.Clean(dir) && filepath.Base(s.root) == "sessions" {
				s.home = filepath.Dir(s.root)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// subdir is dir/name, or dir itself when it is already that folder.
func subdir(dir, name string) string {
	dir = filepath.Clean(dir)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.IsDir() {
		return filepath.Join(dir, name)
	}
	if filepath.Base(dir) == name {
		return dir
	}
	return filepath.Join(dir, name)
}

// discover lists every *.jsonl file under root, sorted byte-wise.
func (r *run) discover(s *source) {
	err := filepath.WalkDir(s.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == s.root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			r.problem(path, 0, err.Error())
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".jsonl") {
			s.files = append(s.files, path)
		}
		return nil
	})
	if err != nil {
		r.problem(s.root, 0, err.Error())
	}
	sort.Strings(s.files)
}

func (r *run) all() error {
	srcs, err := r.sources()
	if err != nil {
		return err
	}
	for _, s := range srcs {
		r.discover(s)
		r.filesTotal += len(s.files)
		if s.name == SourceCodex {
			r.codexModel = configModel(filepath.Join(s.home, "config.toml"))
		}
	}
	r.sum.FilesScanned = r.filesTotal
	// The byte total for progress: what is left to read of every file.
	type planned struct {
		src  *source
		path string
		info os.FileInfo
		st   *fileState
	}
	var plan []planned
	for _, s := range srcs {
		for _, path := range s.files {
			info, err := os.Stat(path)
			if err != nil {
				r.problem(path, 0, err.Error())
				r.sum.FilesFailed++
				continue
			}
			var st *fileState
			if !r.req.Force && r.im.store != nil {
				st = r.loadState(path)
			}
			left := info.Size()
			if st != nil && st.Offset <= left {
				left -= st.Offset
			}
			r.bytesTotal += left
			plan = append(plan, planned{s, path, info, st})
		}
	}
	for _, p := range plan {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.file(p.src, p.path, p.info, p.st); err != nil {
			return err
		}
		r.files++
		r.progress(true)
	}
	return nil
}

func (r *run) loadState(path string) *fileState {
	b := r.im.store.ImportState(path)
	if b == nil {
		return nil
	}
	var st fileState
	if err := json.Unmarshal(b, &st); err != nil || st.V != stateVersion {
		return nil
	}
	return &st
}

// parser is the format-specific half of reading a file.
type parser interface {
	line(b []byte, lineNo int64) bool
	finish(idle bool)
	pending() bool
}

// file imports one file.
func (r *run) file(s *source, path string, info os.FileInfo, st *fileState) error {
	mtime := info.ModTime().UnixNano()
	idle := r.now.Sub(info.ModTime()) >= r.im.opts.IdleAfter
	flushOnly := false
	if st != nil && st.Size == info.Size() && st.MTime == mtime {
		if !st.Pending || !idle {
			r.sum.FilesSkipped++
			return nil
		}
		flushOnly = true // nothing new to read, but what waited can go now
	}
	f, err := os.Open(path)
	if err != nil {
		r.problem(path, 0, err.Error())
		r.sum.FilesFailed++
		return nil
	}
	defer f.Close()

	var win *window
	var offset, lineNo int64
	if st != nil && info.Size() >= st.Offset {
		if w, err := loadWindow(f, st.Offset); err == nil && w.sum() == st.Hash {
			win, offset, lineNo = w, st.Offset, st.Lines
		}
	}
	if win == nil {
		st = nil // rewritten, truncated or replaced: read it again from the start
		win = &window{}
		flushOnly = false
	}

	var p parser
	var cs *claudeParser
	var xs *codexParser
	maxMeta := max(256, r.im.opts.MaxPayloadBytes/2)
	switch s.name {
	case SourceClaude:
		cs = &claudeParser{stem: strings.TrimSuffix(filepath.Base(path), ".jsonl"), metaMax: maxMeta}
		if st != nil && st.Claude != nil {
			cs.st = *st.Claude
		}
		cs.emit = func(ev *event) { r.emit(agentClaude, ev) }
		p = cs
	default:
		xs = &codexParser{path: path, defaultModel: r.codexModel, metaMax: maxMeta,
			quietBefore: r.now.Add(-r.im.opts.IdleAfter).UnixMilli(), parentTotals: r.parentTotals}
		if st != nil && st.Codex != nil {
			xs.st = *st.Codex
		}
		xs.emit = func(ev *event) { r.emit(agentCodex, ev) }
		p = xs
	}
	snapshot := func(off int64, complete bool) []byte {
		fsr := fileState{V: stateVersion, Source: s.name, Size: info.Size(), Offset: off, Lines: lineNo,
			Hash: win.sum(), Pending: p.pending(), At: contract.FormatClientTime(r.im.opts.Now())}
		if complete {
			fsr.MTime = mtime
		}
		if cs != nil {
			fsr.Claude = &cs.st
		} else {
			fsr.Codex = &xs.st
		}
		b, _ := json.Marshal(&fsr)
		return b
	}

	var lr *lineReader
	malformed, oversized := 0, 0
	firstBad := int64(0)
	if !flushOnly {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			r.problem(path, 0, err.Error())
			r.sum.FilesFailed++
			return nil
		}
		lr = newLineReader(io.LimitReader(f, info.Size()-offset), offset, r.im.opts.MaxLineBytes, win)
		n := 0
		for {
			line, start, kind, ok := lr.next()
			if !ok {
				break
			}
			if kind == lineFinal {
				// An unfinished last line waits for the next run, unless it is already a whole record.
				if line = trimBOM(line, start); !startsObject(line) || !p.line(line, lineNo+1) {
					break
				}
				lr.accept()
				lineNo++
				break
			}
			lineNo++
			switch kind {
			case lineOversized:
				oversized++
				r.problem(path, lineNo, fmt.Sprintf("line longer than %d bytes skipped", r.im.opts.MaxLineBytes))
			case lineComplete:
				line = trimBOM(line, start)
				if !isBlank(line) && !p.line(line, lineNo) {
					malformed++
					if firstBad == 0 {
						firstBad = lineNo
					}
					r.problem(path, lineNo, "malformed line skipped")
				}
			}
			if len(r.batch) >= r.im.opts.BatchEvents {
				if r.writeState {
					r.states[path] = snapshot(lr.off, false)
				}
				if err := r.flush(); err != nil {
					return err
				}
			}
			if n++; n&1023 == 0 {
				if err := r.ctx.Err(); err != nil {
					return err
				}
				r.bytes += lr.read
				r.sum.BytesRead += lr.read
				lr.read = 0
				r.progress(false)
			}
		}
		r.bytes += lr.read
		r.sum.BytesRead += lr.read
		if lr.err != nil {
			r.problem(path, 0, lr.err.Error())
		}
		offset = lr.off
	}
	p.finish(idle)
	r.sum.MalformedLines += malformed
	r.sum.OversizedLines += oversized
	if malformed > 0 {
		r.im.opts.Logger.Warn("malformed lines skipped", "file", path, "lines", malformed, "first", firstBad)
	}
	if xs != nil && xs.st.Session != "" {
		if r.codexSessions == nil {
			r.codexSessions = map[string]string{}
		}
		r.codexSessions[xs.st.Session] = path
	}
	if r.writeState {
		r.states[path] = snapshot(offset, true)
		if len(r.states) >= 256 {
			return r.flush()
		}
	}
	return nil
}

// startsObject reports whether b's first non-blank byte opens an object.
func startsObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// trimBOM drops a UTF-8 byte order mark at the start of a file.
func trimBOM(line []byte, start int64) []byte {
	if start == 0 && len(line) >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
		return line[3:]
	}
	return line
}

// emit turns an event into the store's Input, unless the date filter or an earlier copy in this
// run rules it out.
func (r *run) emit(agent string, ev *event) {
	if ev.Scope != 0 && (r.from != 0 && ev.Scope < r.from || r.to != 0 && ev.Scope > r.to) {
		return
	}
	h, err := strconv.ParseUint(ev.ID[strings.LastIndexByte(ev.ID, '-')+1:][:16], 16, 64)
	if err == nil {
		if _, dup := r.seen[h]; dup {
			return // a copy of an event this run already found (a resumed session's copied lines)
		}
		r.seen[h] = struct{}{}
	}
	in := contract.Input{
		EventID:          ev.ID,
		SessionID:        ev.Session,
		AgentType:        agent,
		EventType:        ev.Type,
		ToolName:         ev.Tool,
		Status:           ev.Status,
		Branch:           ev.Branch,
		Project:          ev.Project,
		Model:            ev.Model,
		Source:           contract.SourceImport,
		TokensIn:         ev.In,
		TokensOut:        ev.Out,
		CacheReadTokens:  ev.CacheRead,
		CacheWriteTokens: ev.CacheWrite,
		DurationMS:       ev.DurationMS,
		ClientTime:       msTime(ev.Time),
		Correlation:      ev.Corr,
	}
	if in.Status == "" {
		in.Status = contract.StatusSuccess
	}
	if ev.Type == "llm_response" && ev.Model != "" && ev.In+ev.Out+ev.CacheRead+ev.CacheWrite > 0 {
		if c, ok := r.im.opts.Prices.Cost(ev.Model, ev.In, ev.Out, ev.CacheRead, ev.CacheWrite); ok {
			in.CostUSD, in.CostSource = &c, contract.CostAuto
		}
	}
	in.Metadata, in.PayloadTruncated = contract.Metadata(ev.Meta, r.im.opts.MaxPayloadBytes)
	r.sum.EventsFound++
	if r.req.DryRun {
		r.sum.count(&in)
		return
	}
	r.batch = append(r.batch, in)
}

// flush hands the waiting events and state records to the store, to be committed in one
// transaction while the run reads on; at most one commit is in flight, so the commits keep the
// order of the batches and a file's offset never gets ahead of its events.
func (r *run) flush() error {
	if r.req.DryRun {
		r.batch = r.batch[:0]
		clear(r.states)
		return nil
	}
	if err := r.wait(); err != nil {
		return err
	}
	if len(r.batch) == 0 && len(r.states) == 0 {
		return nil
	}
	c := &commit{batch: r.batch, done: make(chan struct{})}
	states := r.states
	r.batch = make([]contract.Input, 0, len(c.batch))
	r.states = map[string][]byte{}
	// note: the commit is waited for even when ctx ends. Abandoned, it could land after the next
	// run has read the file's previous state, which would then read those lines again.
	ctx := context.WithoutCancel(r.ctx)
	go func() {
		defer close(c.done)
		c.outs, c.err = r.im.store.IngestImport(ctx, c.batch, states)
	}()
	r.inflight = c
	return nil
}

// commit is one batch on its way to the store.
type commit struct {
	batch []contract.Input
	outs  []kv.Outcome
	err   error
	done  chan struct{}
}

// wait waits for the commit in flight, if any, and counts what it stored.
func (r *run) wait() error {
	c := r.inflight
	if c == nil {
		return nil
	}
	r.inflight = nil
	<-c.done
	if c.err != nil {
		return fmt.Errorf("importer: commit %d events: %w", len(c.batch), c.err)
	}
	for i := range c.outs {
		if c.outs[i].Duplicate {
			r.sum.Duplicates++
			continue
		}
		r.sum.count(&c.batch[i])
	}
	return nil
}

func (r *run) problem(file string, line int64, reason string) {
	if len(r.sum.Problems) < maxProblems {
		r.sum.Problems = append(r.sum.Problems, Problem{File: file, Line: line, Reason: reason})
	}
}

func (r *run) progress(force bool) {
	if r.req.Progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(r.lastProgress) < 200*time.Millisecond {
		return
	}
	r.lastProgress = now
	r.req.Progress(Progress{Files: r.files, FilesTotal: r.filesTotal, Bytes: r.bytes,
		BytesTotal: r.bytesTotal, Events: r.sum.EventsFound, Elapsed: now.Sub(r.start)})
}

// parentTotals returns every cumulative total the rollout of session went through; nil when that
// session was never imported (IMPORT.md 4.3, forks).
func (r *run) parentTotals(session string) map[usage]bool {
	path, ok := r.codexSessions[session]
	if !ok && !r.storedLoaded && r.im.store != nil {
		r.storedLoaded = true
		if r.codexSessions == nil {
			r.codexSessions = map[string]string{}
		}
		_ = r.im.store.ImportStates(func(key string, value []byte) error {
			var st fileState
			if json.Unmarshal(value, &st) == nil && st.Codex != nil && st.Codex.Session != "" {
				if _, seen := r.codexSessions[st.Codex.Session]; !seen {
					r.codexSessions[st.Codex.Session] = key
				}
			}
			return nil
		})
		path, ok = r.codexSessions[session]
	}
	if !ok {
		return nil
	}
	return codexTotals(path, r.im.opts.MaxLineBytes)
}

// codexTotals reads the cumulative totals of every token_count record of a rollout.
func codexTotals(path string, maxLine int) map[usage]bool {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[usage]bool{}
	lr := newLineReader(f, 0, maxLine, &window{})
	for {
		line, _, kind, ok := lr.next()
		if !ok || kind == lineFinal {
			break
		}
		if kind != lineComplete {
			continue
		}
		var typ, pl []byte
		members(line, func(k, v []byte) bool {
			switch string(k) {
			case "type":
				typ = v
			case "payload":
				pl = v
			}
			return true
		})
		if !jstrIs(typ, "event_msg") || !jstrIs(field(pl, "type"), "token_count") {
			continue
		}
		if info := field(pl, "info"); !jnull(info) {
			if tot := field(info, "total_token_usage"); !jnull(tot) {
				out[readUsage(tot)] = true
			}
		}
	}
	return out
}

// configModel reads the top-level model = "…" of a Codex config.toml; "" when there is none.
func configModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			return "" // a table: top-level keys are over
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "model" {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
				return v[1 : 1+end]
			}
		}
	}
	return ""
}
