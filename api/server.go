// Package api serves AgentMonitor's HTTP API (spec/CONTRACT.md): ingest, queries, stats, the
// Server-Sent Events stream and the dashboard's files, over one kv.Store.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

// Config is everything the API needs from the outside; cmd builds it from flags and AGENTMONITOR_*.
type Config struct {
	Version           string
	MaxPayloadBytes   int           // metadata cap (CONTRACT 6: AGENTMONITOR_MAX_PAYLOAD_KB × 1024)
	SessionTimeout    time.Duration // T (CONTRACT 7)
	HistoricalWindow  time.Duration // W (CONTRACT 5 step 1)
	StatsInterval     time.Duration // SSE stats push period
	SweepInterval     time.Duration // background idle sweep period (default 60 s)
	MaxSSEClients     int
	HeartbeatInterval time.Duration
	SSEQueue          int    // frames a client may have waiting before it is dropped (CONTRACT 18.8)
	ProjectsDir       string // root of <project> checkouts for the git branch lookup ("" : none)
	Usage             []UsageLimits
	Token             string   // when set, every request must carry it (CONTRACT 18.7)
	CORSOrigins       []string // origins allowed cross-origin requests
	SpoolPath         string   // the hooks' spool (<data dir>/spool.jsonl), drained by Run; "": none
	DashboardFiles    fs.FS    // the dashboard's files (ui/web); nil: those embedded in the binary

	// The importer (CONTRACT 14, 18.11): Claude root and Codex home ("" leaves a source out of
	// automatic imports), the auto-import period (0: off) and first delay (default 5 s), and the
	// debounce of the file watcher that imports as the agents write (0: no watching).
	ClaudeDir, CodexDir string
	AutoImportEvery     time.Duration
	AutoImportDelay     time.Duration
	AutoImportWatch     time.Duration

	// Retention drops events older than this, at start and then every hour (0: keep everything;
	// AGENTMONITOR_RETENTION_DAYS).
	Retention time.Duration
}

// UsageLimits are one agent type's usage-monitor windows (CONTRACT 8.8, 12.2).
type UsageLimits struct {
	AgentType     string
	LimitType     string // "tokens" or "cost"
	SessionHours  int
	SessionLimit  float64
	ExtendedHours int
	ExtendedLimit float64
	WeeklyHours   int
	WeeklyLimit   float64
}

// DefaultConfig returns the contract's defaults.
func DefaultConfig() Config {
	return Config{
		Version:           "dev",
		MaxPayloadBytes:   10 * 1024,
		SessionTimeout:    5 * time.Minute,
		HistoricalWindow:  30 * time.Minute,
		StatsInterval:     5 * time.Second,
		SweepInterval:     time.Minute,
		MaxSSEClients:     50,
		HeartbeatInterval: 30 * time.Second,
		SSEQueue:          4096,
		Usage: []UsageLimits{
			{AgentType: "claude_code", LimitType: "tokens", SessionHours: 5, SessionLimit: 44000,
				ExtendedHours: 24, WeeklyHours: 168, WeeklyLimit: 293000},
			{AgentType: "codex", LimitType: "cost", SessionHours: 5, SessionLimit: 500,
				ExtendedHours: 168, ExtendedLimit: 1500, WeeklyHours: 168},
		},
	}
}

// Server is the HTTP API over one store.
type Server struct {
	cfg     Config
	store   *kv.Store
	hub     *Hub
	prices  *pricing.Live
	log     *slog.Logger
	git     *branchCache
	started time.Time
	handler http.Handler
	web     func() http.Handler // the dashboard, loaded at its first request; it gives nil when none is built

	importer *importer.Importer
	idx      *index.Index // nil: no search (SetIndex)
	metrics  *serverMetrics
}

// New returns the API server. The hub must be the one the store's OnCommit publishes to.
func New(cfg Config, store *kv.Store, hub *Hub, prices *pricing.Live, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		cfg:     cfg,
		store:   store,
		hub:     hub,
		prices:  prices,
		log:     log,
		git:     newBranchCache(cfg.ProjectsDir),
		started: time.Now(),
		metrics: newServerMetrics(),
	}
	s.importer = newImporter(cfg, s)
	s.handler = s.guard(s.routes())
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Run runs the background jobs (idle sweep, SSE stats push, auto-import, hook spool drain) until
// ctx ends.
func (s *Server) Run(ctx context.Context) {
	imports := make(chan struct{})
	go func() { defer close(imports); s.autoImport(ctx) }()
	defer func() { <-imports }()
	spool := make(chan struct{})
	go func() { defer close(spool); s.drainSpoolEvery(ctx) }()
	defer func() { <-spool }()
	retention := make(chan struct{})
	go func() { defer close(retention); s.retainEvery(ctx) }()
	defer func() { <-retention }()
	sweep := time.NewTicker(s.cfg.SweepInterval)
	defer sweep.Stop()
	stats := time.NewTicker(s.cfg.StatsInterval)
	defer stats.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			n, err := s.store.Sweep(ctx, time.Now())
			if err != nil {
				s.log.Error("idle sweep failed", "err", err)
				continue
			}
			if n > 0 && s.hub.Clients() > 0 {
				s.hub.BroadcastUnfiltered(message("session_update", map[string]any{"type": "idle_check", "idled": n}))
			}
		case <-stats.C:
			if s.hub.Clients() == 0 {
				continue
			}
			if err := s.pushStats(ctx); err != nil {
				s.log.Error("stats push failed", "err", err)
			}
		}
	}
}

func (s *Server) pushStats(ctx context.Context) error {
	if _, err := s.store.Sweep(ctx, time.Now()); err != nil {
		return err
	}
	st, err := s.store.Stats(kv.StatsFilter{})
	if err != nil {
		return err
	}
	usage, err := s.usage(time.Now())
	if err != nil {
		return err
	}
	payload := struct {
		contract.Stats
		UsageMonitor []contract.Usage `json:"usage_monitor"`
	}{st, usage}
	s.hub.BroadcastUnfiltered(message("stats", payload))
	return nil
}
