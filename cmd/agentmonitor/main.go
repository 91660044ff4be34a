// Command agentmonitor is the AgentMonitor server and its command-line tools.
//
//	agentmonitor [serve] [--debug] [--json-logs]   run the server (the default)
//	agentmonitor import [flags]                    import Claude Code and Codex history
//	agentmonitor hook [EVENT]                      Claude Code's hook command
//	agentmonitor hooks install|uninstall|status|print claude|codex   connect the agents
//	agentmonitor backup FILE / restore FILE        copy the database out and back
//	agentmonitor reindex                           rebuild the search index
//	agentmonitor costs recalc|unpriced             re-price stored events, list unknown models
//	agentmonitor compact                           give the database's free pages back to the disk
//	agentmonitor service install|uninstall|status  run the server as a background service
//	agentmonitor version                           print version, commit and Go version
//
// Every command takes --help; exit codes are listed by `agentmonitor help` and in the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

// Set by the build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	os.Exit(exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stderr)
	case "hook":
		return hookCmd(args, os.Stdin, stdout)
	case "backup":
		return backupCmd(args, stdout)
	case "restore":
		return restoreCmd(args, stdout)
	case "hooks":
		return hooksCmd(args, stdout)
	case "import":
		return importCmd(args, stdout, stderr)
	case "compact":
		return compactCmd(args, stdout, stderr)
	case "costs":
		return costsCmd(args, stdout, stderr)
	case "reindex":
		return reindexCmd(args, stdout, stderr)
	case "service":
		return serviceCmd(args, stdout)
	case "version":
		return versionCmd(args, stdout)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageErrorf("unknown command %q (see agentmonitor help)", cmd)
}

// writeHeapProfile writes the live heap, after a collection, to path.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = errors.Join(pprof.WriteHeapProfile(f), f.Close())
	}
	if err != nil {
		fmt.Fprintln(stderr, "agentmonitor: heap profile:", err)
	}
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	debugLogs := fs.Bool("debug", false, "log at debug level")
	jsonLogs := fs.Bool("json-logs", false, "log JSON lines instead of text")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at shutdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *memProfile != "" {
		defer writeHeapProfile(*memProfile, stderr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if os.Getenv("GOGC") == "" {
		// Ingest allocates short-lived request garbage at a high rate while the live heap stays
		// small (well under 20 MB idle), so collecting half as often costs little memory and
		// frees a good share of a core under load.
		debug.SetGCPercent(200)
	}
	level := slog.LevelInfo
	if *debugLogs {
		level = slog.LevelDebug
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if *jsonLogs {
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(handler)

	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	for _, why := range ignoredEnv() {
		log.Warn("ignoring a setting: " + why)
	}
	prices, err := pricing.NewLive(cfg.PricingFile)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	hub := api.NewHub(cfg.API.MaxSSEClients, cfg.API.SSEQueue)
	var search atomic.Pointer[index.Index] // opened after the store; its commits wake the tailer
	store, err := kv.Open(kv.Options{
		Path:             cfg.DBPath,
		SessionTimeout:   cfg.API.SessionTimeout,
		HistoricalWindow: cfg.API.HistoricalWindow,
		OnCommit: func(rows []kv.Committed) {
			hub.PublishEvents(rows)
			if x := search.Load(); x != nil {
				x.Notify()
			}
		},
		Price:  prices.Cost,
		Logger: log,
	})
	if err != nil {
		return err
	}
	idx, err := index.Open(store, index.Options{Logger: log})
	if err != nil {
		store.Close()
		return err
	}
	search.Store(idx)
	srv := api.New(cfg.API, store, hub, prices, log)
	srv.SetIndex(idx)

	addr := net.JoinHostPort(cfg.Host, cfg.Port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		idx.Close()
		store.Close()
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	// Streams and waiting requests see baseCtx end first, so Shutdown does not wait on them.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute, // SSE streams manage their own deadlines
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	jobs := make(chan struct{})
	go func() {
		srv.Run(ctx)
		close(jobs)
	}()
	tailed := make(chan struct{})
	go func() {
		idx.Run(ctx) // catches up first: a new or rebuilt index fills while the server answers
		close(tailed)
	}()
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	log.Info("agentmonitor listening", "addr", "http://"+addr, "db", cfg.DBPath, "version", version,
		"events", store.EventsStored())

	select {
	case <-ctx.Done():
	case err = <-served:
		log.Error("server stopped", "err", err)
	}
	stop()
	log.Info("shutting down")
	hub.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// In-flight ingest requests finish: their commits complete before Shutdown returns.
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	cancelBase()
	<-jobs
	<-tailed
	if err := idx.Close(); err != nil {
		log.Error("closing the search index failed", "err", err)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	log.Info("stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
