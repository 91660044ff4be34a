// Command amsoak is the soak test behind `make soak`: it starts a built agentmonitor binary on a
// temporary database and drives mixed load for a long time (default 30 minutes) — batch and single
// ingest, OTLP logs when /v1/logs answers, SSE clients (steady ones and one that reconnects),
// readers of every query route and /metrics — while it records the server's resident memory (the
// mean of ten readings per interval), goroutines, live heap, open files, database size, latency
// percentiles and errors every interval to a CSV.
// At the end it checks that every acknowledged event is stored (through the API), prints a
// summary and draws RSS and p99 latency over time as an SVG.
//
// Pass: no failed request, no lost event, a clean shutdown, and the mean anonymous RSS (heap,
// stacks: what a leak grows) of the last fifth of the run at most 1.1 times that of the first
// fifth. The exit status is 1 otherwise. The file-backed part of RSS is reported but not judged:
// it is the pages of the memory-mapped database and index files that the server has touched, which
// grows with the data by design and which the kernel reclaims under pressure. A run shorter than
// five minutes is mostly warm-up, so its RSS growth is reported but not judged either.
//
//	go run ./cmd/amsoak -bin bin/agentmonitor -duration 30m -out bin/soak
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// options are the soak's knobs; the defaults load the server at a few hundred events a second,
// a hundred times a busy developer's agents, so a half hour ages it like days.
type options struct {
	bin      string
	duration time.Duration
	interval time.Duration
	out      string
	keep     bool

	batchWorkers  int
	batchSize     int
	batchEvery    time.Duration
	singleWorkers int
	singleEvery   time.Duration
	otlpEvery     time.Duration
	otlpRecords   int
	sseClients    int
	sseChurn      time.Duration
	readers       int
	readEvery     time.Duration
	sessionEvery  time.Duration
	maxRSSGrowth  float64
	judgeRSSAfter time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/agentmonitor", "agentmonitor binary to run")
	flag.DurationVar(&o.duration, "duration", 30*time.Minute, "how long to drive load")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "sampling interval (shortened to duration/12 for short runs)")
	flag.StringVar(&o.out, "out", "bin/soak", "folder for soak.csv and soak.svg")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary database folder")
	flag.IntVar(&o.batchWorkers, "batch-workers", 2, "clients posting batches")
	flag.IntVar(&o.batchSize, "batch-size", 50, "events per batch")
	flag.DurationVar(&o.batchEvery, "batch-every", 500*time.Millisecond, "pause between a batch client's posts")
	flag.IntVar(&o.singleWorkers, "single-workers", 4, "clients posting single events")
	flag.DurationVar(&o.singleEvery, "single-every", 50*time.Millisecond, "pause between a single client's posts")
	flag.DurationVar(&o.otlpEvery, "otlp-every", time.Second, "pause between OTLP log exports (0: no OTLP)")
	flag.IntVar(&o.otlpRecords, "otlp-records", 10, "log records per OTLP export")
	flag.IntVar(&o.sseClients, "sse", 4, "SSE clients connected all along")
	flag.DurationVar(&o.sseChurn, "sse-churn", 15*time.Second, "life of the reconnecting SSE client (0: none)")
	flag.IntVar(&o.readers, "readers", 2, "clients reading the query routes")
	flag.DurationVar(&o.readEvery, "read-every", 200*time.Millisecond, "pause between a reader's requests")
	flag.DurationVar(&o.sessionEvery, "session-every", 2*time.Minute, "a client starts a new session this often")
	flag.Float64Var(&o.maxRSSGrowth, "max-rss-growth", 1.1, "largest passing ratio of mean anonymous RSS, last fifth over first fifth")
	flag.DurationVar(&o.judgeRSSAfter, "judge-rss-after", 5*time.Minute, "judge RSS growth only for runs at least this long (shorter ones are mostly warm-up)")
	flag.Parse()
	if d := o.duration / 12; o.interval > d {
		o.interval = max(d, time.Second)
	}
	// The generator shares the machine with the server; its own collector stays out of the way.
	debug.SetGCPercent(400)
	passed, err := soak(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "amsoak:", err)
		os.Exit(1)
	}
	if !passed {
		os.Exit(1)
	}
}
