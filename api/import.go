package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/importer"
)

// ImportBody is the JSON body of POST /api/import: the flags of `agentmonitor import`
// (CONTRACT 18.6). Every field is optional; dates are YYYY-MM-DD or ISO-8601.
type ImportBody struct {
	Source    string `json:"source,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	DryRun    bool   `json:"dry_run,omitempty"`
	Force     bool   `json:"force,omitempty"`
	ClaudeDir string `json:"claude_dir,omitempty"`
	CodexDir  string `json:"codex_dir,omitempty"`
}

// Request turns the body into an importer request.
func (b ImportBody) Request() (importer.Request, error) {
	req := importer.Request{Source: b.Source, DryRun: b.DryRun, Force: b.Force, ClaudeDir: b.ClaudeDir,
		CodexDir: b.CodexDir}
	var err error
	if b.From != "" {
		if req.From, err = importer.ParseDate(b.From); err != nil {
			return req, err
		}
	}
	if b.To != "" {
		if req.To, err = importer.ParseDate(b.To); err != nil {
			return req, err
		}
	}
	return req, nil
}

func newImporter(cfg Config, s *Server) *importer.Importer {
	return importer.New(s.store, importer.Options{
		ClaudeDir:       cfg.ClaudeDir,
		CodexDir:        cfg.CodexDir,
		MaxPayloadBytes: cfg.MaxPayloadBytes,
		Prices:          s.prices,
		Logger:          s.log,
	})
}

// readCommand reads the optional JSON body of a command (import, recalc) into v; on false it has
// answered the request with the error.
func (s *Server) readCommand(w http.ResponseWriter, r *http.Request, name string, v any) bool {
	b, err := readBody(w, r, 64<<10)
	if err != nil {
		s.fail(w, r, err)
		return false
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, v); err != nil {
			writeError(w, http.StatusBadRequest, "invalid "+name+" request: "+err.Error())
			return false
		}
	}
	return true
}

// postImport runs an import in the server, which holds the file (CONTRACT 18.6); the guard
// already limited it to loopback or token holders.
func (s *Server) postImport(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var body ImportBody
	if !s.readCommand(w, r, "import", &body) {
		return
	}
	req, err := body.Request()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// A first import of a long history can take minutes: lift the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sum, err := s.importer.Run(r.Context(), req)
	if errors.Is(err, importer.ErrBadSource) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.imported(sum)
	s.log.Info("import finished", "files", sum.FilesScanned, "imported", sum.EventsImported,
		"dry_run", sum.DryRun, "took_ms", sum.DurationMS)
	if !sum.DryRun && sum.EventsImported > 0 {
		s.hub.BroadcastUnfiltered(message("session_update",
			map[string]any{"type": "auto_import", "imported": sum.EventsImported}))
	}
	writeJSON(w, http.StatusOK, sum)
}

// autoImport imports both sources AutoImportDelay after start, then every AutoImportEvery, until
// ctx ends (CONTRACT 14); with AutoImportWatch it also imports shortly after the agents write.
// Failures are logged, never fatal.
func (s *Server) autoImport(ctx context.Context) {
	if s.cfg.AutoImportEvery <= 0 {
		return
	}
	if s.cfg.AutoImportWatch > 0 {
		watching := make(chan struct{})
		go func() {
			defer close(watching)
			err := s.importer.Watch(ctx, s.cfg.AutoImportWatch, func() { s.runAutoImport(ctx, "change") })
			if err != nil {
				s.log.Info("agent folders not watched; the timer imports their changes", "err", err)
			}
		}()
		defer func() { <-watching }()
	}
	delay := s.cfg.AutoImportDelay
	if delay <= 0 {
		delay = 5 * time.Second
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		s.runAutoImport(ctx, "timer")
		timer.Reset(s.cfg.AutoImportEvery)
	}
}

func (s *Server) runAutoImport(ctx context.Context, why string) {
	sum, err := s.importer.Run(ctx, importer.Request{})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("auto-import failed", "err", err)
		}
		return
	}
	s.metrics.imported(sum)
	lvl := s.log.Debug
	if sum.EventsImported > 0 || sum.MalformedLines > 0 || sum.FilesFailed > 0 {
		lvl = s.log.Info
	}
	lvl("auto-import finished", "trigger", why, "files", sum.FilesScanned, "skipped", sum.FilesSkipped,
		"imported", sum.EventsImported, "malformed", sum.MalformedLines, "failed", sum.FilesFailed,
		"took_ms", sum.DurationMS)
	if sum.EventsImported > 0 && s.hub.Clients() > 0 {
		s.hub.BroadcastUnfiltered(message("session_update",
			map[string]any{"type": "auto_import", "imported": sum.EventsImported}))
	}
}
