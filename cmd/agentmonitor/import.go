package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

const importUsage = `usage: agentmonitor import [--source claude-code|codex|all] [--from DATE] [--to DATE]
                          [--dry-run] [--force] [--claude-dir DIR] [--codex-dir DIR] [--json]

Imports Claude Code transcripts (<claude dir>/projects/**/*.jsonl) and Codex rollouts
(<codex dir>/sessions/**/*.jsonl). A running server does the work when one answers
(AGENTMONITOR_URL, else AGENTMONITOR_HOST/AGENTMONITOR_PORT); otherwise the database is opened here.
DATE is YYYY-MM-DD (00:00:00Z) or an ISO-8601 time; bounds are inclusive.
`

// importCmd is `agentmonitor import` (issue 5, CONTRACT 14 and 18.6).
func importCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var body api.ImportBody
	fs.StringVar(&body.Source, "source", importer.SourceAll, "claude-code, codex or all")
	fs.StringVar(&body.From, "from", "", "import only what happened at or after DATE")
	fs.StringVar(&body.To, "to", "", "import only what happened at or before DATE")
	fs.BoolVar(&body.DryRun, "dry-run", false, "parse and report, store nothing")
	fs.BoolVar(&body.Force, "force", false, "ignore the import state: read every file from the start")
	fs.StringVar(&body.ClaudeDir, "claude-dir", "", "Claude Code root holding projects/ (default $AGENTMONITOR_CLAUDE_DIR or ~/.claude)")
	fs.StringVar(&body.CodexDir, "codex-dir", "", "Codex home holding sessions/ (default $CODEX_HOME or ~/.codex)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	rest, err := parseFlags(fs, args, importUsage, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("import: unexpected argument %q (see agentmonitor import --help)", rest[0])
	}
	switch body.Source {
	case importer.SourceAll, importer.SourceClaude, importer.SourceCodex:
	default:
		return usageErrorf("import: --source %q: want claude-code, codex or all", body.Source)
	}
	// The server may run elsewhere: send absolute folders.
	for _, d := range []*string{&body.ClaudeDir, &body.CodexDir} {
		if *d != "" {
			abs, err := filepath.Abs(*d)
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			*d = abs
		}
	}
	req, err := body.Request()
	if err != nil {
		return usageErrorf("import: %v", err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var sum importer.Summary
	base, ok, err := runningServer(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if ok {
		fmt.Fprintf(stderr, "importing through the server at %s\n", base)
		sum, err = remoteImport(ctx, base, body)
	} else {
		sum, err = localImport(ctx, cfg, req, stderr)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	printSummary(stdout, &sum)
	return nil
}

// remoteImport asks the server that holds the database to import (POST /api/import).
func remoteImport(ctx context.Context, base string, body api.ImportBody) (importer.Summary, error) {
	var sum importer.Summary
	err := callServer(ctx, base, http.MethodPost, "/api/import", body, &sum)
	if err != nil {
		err = fmt.Errorf("import through %w", err)
	}
	return sum, err
}

// localImport opens the database itself: no server runs on it.
func localImport(ctx context.Context, cfg config, req importer.Request, stderr io.Writer) (sum importer.Summary, err error) {
	err = withStore(cfg, stderr, func(store *kv.Store, prices *pricing.Table) error {
		im := importer.New(store, importer.Options{
			ClaudeDir:       cfg.API.ClaudeDir,
			CodexDir:        cfg.API.CodexDir,
			MaxPayloadBytes: cfg.API.MaxPayloadBytes,
			Prices:          prices,
			// The summary lists skipped lines and files; the log would only repeat them.
			Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		})
		bar := newProgressBar(stderr)
		req.Progress = bar.show
		var err error
		sum, err = im.Run(ctx, req)
		bar.done()
		return err
	})
	if err != nil {
		err = fmt.Errorf("import: %w", err)
	}
	return sum, err
}

// progressBar draws one updating line on a terminal; elsewhere it stays silent.
type progressBar struct {
	w     io.Writer
	on    bool
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	on := false
	if ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progressBar{w: w, on: on}
}

func (b *progressBar) show(p importer.Progress) {
	if !b.on {
		return
	}
	const width = 24
	frac := 1.0
	if p.BytesTotal > 0 {
		frac = min(1, float64(p.Bytes)/float64(p.BytesTotal))
	}
	fill := int(frac * width)
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Bytes) / (1 << 20) / s
	}
	eta := ""
	if rate > 0 && p.BytesTotal > p.Bytes {
		eta = " ETA " + (time.Duration(float64(p.BytesTotal-p.Bytes)/(1<<20)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r[%s%s] files %d/%d  %.1f/%.1f MB  %d events  %.1f MB/s%s\033[K",
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), p.Files, p.FilesTotal,
		float64(p.Bytes)/(1<<20), float64(p.BytesTotal)/(1<<20), p.Events, rate, eta)
	b.drawn = true
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

func printSummary(w io.Writer, s *importer.Summary) {
	label := "Events imported"
	if s.DryRun {
		label = "Events new"
	}
	fmt.Fprintf(w, "Files scanned    %d (%d unchanged, %d unreadable)\n", s.FilesScanned, s.FilesSkipped, s.FilesFailed)
	fmt.Fprintf(w, "Events found     %d\n", s.EventsFound)
	fmt.Fprintf(w, "%-17s%d", label, s.EventsImported)
	if s.DryRun {
		fmt.Fprint(w, " (dry run: nothing stored)")
	}
	if s.Duplicates > 0 {
		fmt.Fprintf(w, " (%d already stored)", s.Duplicates)
	}
	fmt.Fprintln(w)
	types := make([]string, 0, len(s.EventsByType))
	for t := range s.EventsByType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "  %-14s %d\n", t, s.EventsByType[t])
	}
	if s.MalformedLines > 0 || s.OversizedLines > 0 {
		fmt.Fprintf(w, "Skipped lines    %d malformed, %d over the size cap\n", s.MalformedLines, s.OversizedLines)
	}
	fmt.Fprintf(w, "Tokens           in %s, out %s, cache read %s, cache write %s\n", thousands(s.TokensIn),
		thousands(s.TokensOut), thousands(s.CacheReadTokens), thousands(s.CacheWriteTokens))
	fmt.Fprintf(w, "Cost             $%.4f\n", s.CostUSD)
	fmt.Fprintf(w, "Took             %s (%.1f MB read)\n", (time.Duration(s.DurationMS) * time.Millisecond).String(),
		float64(s.BytesRead)/(1<<20))
	for i, p := range s.Problems {
		if i == 10 {
			fmt.Fprintf(w, "  … %d more (see --json)\n", len(s.Problems)-10)
			break
		}
		if p.Line > 0 {
			fmt.Fprintf(w, "  %s:%d: %s\n", p.File, p.Line, p.Reason)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", p.File, p.Reason)
		}
	}
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
