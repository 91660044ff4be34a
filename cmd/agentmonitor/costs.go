package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/kv"
	"github.com/agentmonitor/agentmonitor/pricing"
)

const costsUsage = `usage: agentmonitor costs recalc [--since DATE] [--dry-run] [--json]
       agentmonitor costs unpriced [--json]

recalc re-prices stored events from the current rate table: the embedded rates overlaid with
the file named by AGENTMONITOR_PRICING_FILE, read again now. Events priced from the table get its
cost today (none when it no longer knows their model); events without a cost that it can now price
get one; a cost a client sent is kept. Session totals, statistics and the cost timeline follow.
unpriced lists the models of stored events that the rate table does not know.

A running server does the work when one answers (AGENTMONITOR_URL, else
AGENTMONITOR_HOST/AGENTMONITOR_PORT), with the rate file it was started with; after recalc (not a
dry run) it also prices new events with that file's rates. Otherwise the database is opened here.
DATE is YYYY-MM-DD (00:00:00Z) or an ISO-8601 time.
`

// costsCmd is `agentmonitor costs recalc|unpriced`.
func costsCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, costsUsage)
		if len(args) == 0 {
			return &exitError{code: exitUsage}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("costs "+sub, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	var body api.RecalcBody
	switch sub {
	case "recalc":
		fs.StringVar(&body.Since, "since", "", "only events at or after DATE")
		fs.BoolVar(&body.DryRun, "dry-run", false, "report what would change, change nothing")
	case "unpriced":
	default:
		return usageErrorf("costs: unknown subcommand %q (want recalc or unpriced)", sub)
	}
	rest, err := parseFlags(fs, args, costsUsage, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("costs %s: unexpected argument %q", sub, rest[0])
	}
	var since time.Time
	if body.Since != "" {
		if since, err = importer.ParseDate(body.Since); err != nil {
			return usageErrorf("costs recalc: --since: %v", err)
		}
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var out any
	base, remote, err := runningServer(ctx)
	if err != nil {
		return fmt.Errorf("costs %s: %w", sub, err)
	}
	if remote {
		fmt.Fprintf(stderr, "asking the server at %s\n", base)
	} else if _, err := existingDB(cfg.DBPath); err != nil {
		return fmt.Errorf("costs %s: %w (AGENTMONITOR_DB_PATH names another?)", sub, err)
	}
	// The server prices with the rate file it was started with.
	serverFile := func(file string) {
		if remote && cfg.PricingFile != "" && filepath.Clean(cfg.PricingFile) != filepath.Clean(file) {
			fmt.Fprintf(stderr, "note: the server reads the rate file %q, not %q: set AGENTMONITOR_PRICING_FILE where it runs\n",
				file, cfg.PricingFile)
		}
	}
	if sub == "recalc" {
		var rep kv.RecalcReport
		if remote {
			err = callServer(ctx, base, http.MethodPost, "/api/costs/recalc", body, &rep)
		} else {
			err = withStore(cfg, stderr, func(s *kv.Store, t *pricing.Table) (err error) {
				rep, err = s.Recalc(ctx, kv.Recalc{Since: since, DryRun: body.DryRun, Price: t.Cost})
				rep.PricingFile = cfg.PricingFile
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("costs recalc: %w", err)
		}
		serverFile(rep.PricingFile)
		out = rep
		if !*asJSON {
			printRecalc(stdout, &rep)
		}
	} else {
		var un api.Unpriced
		if remote {
			err = callServer(ctx, base, http.MethodGet, "/api/costs/unpriced", nil, &un)
		} else {
			un.PricingFile = cfg.PricingFile
			err = withStore(cfg, stderr, func(s *kv.Store, t *pricing.Table) (err error) {
				un.Models, err = s.Unpriced(t.Known)
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("costs unpriced: %w", err)
		}
		serverFile(un.PricingFile)
		out = un
		if !*asJSON {
			printUnpriced(stdout, &un)
		}
	}
	if *asJSON {
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	return nil
}

// withStore opens the database and the rate table here, because no server answered, and runs fn.
func withStore(cfg config, stderr io.Writer, fn func(*kv.Store, *pricing.Table) error) error {
	table, err := pricing.ForFile(cfg.PricingFile)
	if err != nil {
		return err
	}
	store, err := kv.Open(kv.Options{
		Path:             cfg.DBPath,
		SessionTimeout:   cfg.API.SessionTimeout,
		HistoricalWindow: cfg.API.HistoricalWindow,
		Price:            table.Cost,
		Logger:           slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if errors.Is(err, kv.ErrLocked) {
		return fmt.Errorf("%s is held by another process and no server answered at %s: "+
			"stop that process, or point AGENTMONITOR_URL (or AGENTMONITOR_HOST/AGENTMONITOR_PORT) at its server",
			cfg.DBPath, serverURL())
	}
	if err != nil {
		return err
	}
	err = fn(store, table)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	return err
}

func printRecalc(w io.Writer, r *kv.RecalcReport) {
	verb := "Re-priced"
	if r.DryRun {
		verb = "Would re-price"
	}
	fmt.Fprintf(w, "%s %s of %s events with a model and tokens, in %s", verb,
		thousands(r.Changed), thousands(r.Examined), plural(int64(r.Sessions), "session"))
	if r.DryRun {
		fmt.Fprint(w, " (dry run: nothing changed)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, rateSource(r.PricingFile))
	if r.Changed == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tevents\tbefore\tafter\tnewly priced\tnow unpriced\t")
	for _, m := range r.Models {
		fmt.Fprintf(tw, "%s\t%s\t$%.4f\t$%.4f\t%s\t%s\t\n", m.Model, thousands(m.Events), m.Before, m.After,
			thousands(m.Priced), thousands(m.Unpriced))
	}
	fmt.Fprintf(tw, "total\t%s\t$%.4f\t$%.4f\t\t\t\n", thousands(r.Changed), r.Before, r.After)
	tw.Flush()
	fmt.Fprintf(w, "Change           %+.4f USD\n", r.After-r.Before)
}

// rateSource says which rates a command used.
func rateSource(file string) string {
	if file == "" {
		return "Rates: the embedded table (no AGENTMONITOR_PRICING_FILE)"
	}
	return "Rates: the embedded table overlaid with " + file
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

func printUnpriced(w io.Writer, un *api.Unpriced) {
	fmt.Fprintln(w, rateSource(un.PricingFile))
	models := un.Models
	if len(models) == 0 {
		fmt.Fprintln(w, "Every model of the stored events has a rate.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tevents\ttokens in\ttokens out\tcache read\tcache write\t")
	for _, m := range models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", m.Model, thousands(m.Events), thousands(m.TokensIn),
			thousands(m.TokensOut), thousands(m.CacheRead), thousands(m.CacheWrite))
	}
	tw.Flush()
	fmt.Fprintln(w, "Give them rates in the file named by AGENTMONITOR_PRICING_FILE (README, \"Costs\"),\n"+
		"then run: agentmonitor costs recalc")
}
