package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

const reindexUsage = `usage: agentmonitor reindex [--db PATH]

Throws the search index away (PATH.index/ beside the database) and builds it again from the
database: AGENTMONITOR_DB_PATH, else agentmonitor.db in the data directory, or PATH with --db.
The server does the same by itself when it finds the index missing, damaged or built from another
database, so this is only needed by hand. Stop the server first: it holds the database.
`

// reindexCmd is `agentmonitor reindex`.
func reindexCmd(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("reindex", flag.ContinueOnError)
	db := flags.String("db", "", "the database file (default: AGENTMONITOR_DB_PATH or the data directory's)")
	pos, err := parseFlags(flags, args, reindexUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("reindex: unexpected %q (see agentmonitor reindex --help)", pos[0])
	}
	path, err := existingDB(*db)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := kv.Open(kv.Options{Path: path, Logger: log})
	if err != nil {
		if errors.Is(err, kv.ErrLocked) {
			return fmt.Errorf("reindex: %w (stop the server first)", err)
		}
		return fmt.Errorf("reindex: %w", err)
	}
	defer store.Close()
	x, err := index.Open(store, index.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- x.Rebuild(ctx) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			fmt.Fprintf(stdout, "indexed %d of %d events\n", x.Indexed(), store.EventsStored())
		}
	}
	if cerr := x.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "indexed %d events in %v (%.0f events/s) into %s\n", x.Indexed(),
		took.Round(time.Millisecond), float64(x.Indexed())/max(took.Seconds(), 1e-3), x.Path())
	return nil
}
