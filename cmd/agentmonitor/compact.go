package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentmonitor/agentmonitor/kv"
)

const compactUsage = `usage: agentmonitor compact [--db PATH]

Rewrites the database without its free pages, which it keeps after deleting (retention,
AGENTMONITOR_RETENTION_DAYS) and after large imports, and puts the new file in its place. A
running server does it when one answers (AGENTMONITOR_URL, else AGENTMONITOR_HOST/AGENTMONITOR_PORT);
new events wait for it meanwhile. Otherwise the database is opened here: AGENTMONITOR_DB_PATH, else
agentmonitor.db in the data directory, or PATH with --db. It needs free disk space for a second
copy of what the database holds.
`

// compactCmd is `agentmonitor compact`.
func compactCmd(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("compact", flag.ContinueOnError)
	db := flags.String("db", "", "the database file (default: AGENTMONITOR_DB_PATH or the data directory's); never through a server")
	pos, err := parseFlags(flags, args, compactUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("compact: unexpected %q (see agentmonitor compact --help)", pos[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var rep kv.CompactReport
	if *db == "" {
		base, ok, err := runningServer(ctx)
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		if ok {
			fmt.Fprintf(stderr, "compacting through the server at %s\n", base)
			if err := callServer(ctx, base, http.MethodPost, "/api/compact", nil, &rep); err != nil {
				return fmt.Errorf("compact through %w", err)
			}
			printCompact(stdout, "the server's database", &rep)
			return nil
		}
	}
	path, err := existingDB(*db)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	store, err := kv.Open(kv.Options{Path: path, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if errors.Is(err, kv.ErrLocked) {
		if *db != "" {
			return fmt.Errorf("compact: %w: run without --db to compact it through its server", err)
		}
		return fmt.Errorf("compact: %w, and no server answers at %s: stop that process, or point AGENTMONITOR_URL at its server", err, serverURL())
	}
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	rep, err = store.Compact(ctx)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	printCompact(stdout, path, &rep)
	return nil
}

func printCompact(w io.Writer, what string, rep *kv.CompactReport) {
	fmt.Fprintf(w, "Compacted %s: %.1f MB → %.1f MB in %s\n", what, float64(rep.SizeBefore)/1e6,
		float64(rep.SizeAfter)/1e6, (time.Duration(rep.TookMS) * time.Millisecond).String())
}
