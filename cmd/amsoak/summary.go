package main

import (
	"fmt"
	"strings"
	"time"
)

type summary struct {
	text   string
	title  string // one line, for the plot
	passed bool
}

// fifths returns the mean of f over the samples of the first and of the last fifth of the run.
func fifths(samples []sample, total time.Duration, f func(sample) float64) (first, last float64) {
	var nf, nl int
	for _, s := range samples {
		if s.at <= total/5 {
			first += f(s)
			nf++
		}
		if s.at >= total*4/5 {
			last += f(s)
			nl++
		}
	}
	if nf > 0 {
		first /= float64(nf)
	}
	if nl > 0 {
		last /= float64(nl)
	}
	return first, last
}

func (s *soaker) summarize(samples []sample, lost, stored int64, exitErr error) summary {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	o := s.o
	r := s.rec
	total := o.duration
	if len(samples) > 0 {
		total = samples[len(samples)-1].at
	}
	acked := r.ackedN.Load()
	failed := r.errors.Load()
	rssFirst, rssLast := fifths(samples, total, func(s sample) float64 { return s.rssMB })
	anonFirst, anonLast := fifths(samples, total, func(s sample) float64 { return s.anonMB })
	ratio, totalRatio := 0.0, 0.0
	if anonFirst > 0 {
		ratio = anonLast / anonFirst
	}
	if rssFirst > 0 {
		totalRatio = rssLast / rssFirst
	}
	judged := total >= o.judgeRSSAfter
	var peak float64
	for _, sm := range samples {
		peak = max(peak, sm.rssMB)
	}

	p("\nsoak summary: %s of load against %s (version %s), %d samples every %s\n", total.Round(time.Second), o.bin, s.version, len(samples), o.interval)
	otlp := "no OTLP (/v1/logs did not answer)"
	if s.otlp {
		otlp = fmt.Sprintf("OTLP %d records every %s", o.otlpRecords, o.otlpEvery)
	}
	p("load            %d batch clients (%d events every %s), %d single posters (every %s), %s,\n", o.batchWorkers, o.batchSize, o.batchEvery, o.singleWorkers, o.singleEvery, otlp)
	p("                %d steady SSE clients + 1 reconnecting every %s, %d readers (every %s), search %v\n", o.sseClients, o.sseChurn, o.readers, o.readEvery, s.search)
	r.mu.Lock()
	p("events          %d acknowledged (batch %d, single %d, otlp %d), %.0f/s; %d stored; %d lost\n",
		acked, r.ackedBy["batch"], r.ackedBy["single"], r.ackedBy["otlp"], float64(acked)/total.Seconds(), stored, lost)
	allIngest, allRead := r.allIngest, r.allRead
	errMsgs := r.errMsgs
	r.mu.Unlock()
	p("requests        %d, %d failed\n", r.requests.Load(), failed)
	p("ingest latency  p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)\n",
		pct(allIngest, 50), pct(allIngest, 95), pct(allIngest, 99), pct(allIngest, 100), len(allIngest))
	p("read latency    p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)\n",
		pct(allRead, 50), pct(allRead, 95), pct(allRead, 99), pct(allRead, 100), len(allRead))
	var minFrames int64 = -1
	for i := range r.sseFramesPerClient {
		n := r.sseFramesPerClient[i].Load()
		if minFrames < 0 || n < minFrames {
			minFrames = n
		}
	}
	if stored > 0 && minFrames >= 0 {
		p("SSE             %d event frames; each steady client got at least %d of %d stored events (%.2f%%); %d connects, %d unexpected closes\n",
			r.sseFrames.Load(), minFrames, stored, 100*float64(minFrames)/float64(stored), r.sseConnects.Load(), r.sseUnexpectedCloses.Load())
	}
	verdict := fmt.Sprintf("limit %.2f", o.maxRSSGrowth)
	if !judged {
		verdict = fmt.Sprintf("not judged: a run under %s is mostly warm-up", o.judgeRSSAfter)
	}
	p("RSS anonymous   (heap, stacks) first fifth %.1f MB, last fifth %.1f MB: growth ratio %.3f (%s)\n", anonFirst, anonLast, ratio, verdict)
	liveFirst, liveLast := fifths(samples, total, func(s sample) float64 { return s.liveHeapMB })
	p("live heap       after GC, first fifth %.1f MB, last fifth %.1f MB: ratio %.3f\n", liveFirst, liveLast, liveLast/max(liveFirst, 0.001))
	p("RSS total       first fifth %.1f MB, last fifth %.1f MB: ratio %.3f, peak %.1f MB; the rest is file-backed:\n", rssFirst, rssLast, totalRatio, peak)
	p("                touched pages of the mmap'd database and index, growing with the data\n")
	if len(samples) > 0 {
		f, l := samples[0], samples[len(samples)-1]
		p("goroutines      %d at the first sample, %d at the last; open files %d, then %d\n", f.goroutines, l.goroutines, f.fds, l.fds)
		p("database        %.1f MB at the end\n", l.dbMB)
	}
	shutdown := "clean (exit 0 after SIGINT)"
	if exitErr != nil {
		shutdown = "NOT clean: " + exitErr.Error()
	}
	p("shutdown        %s\n", shutdown)
	for _, m := range errMsgs {
		p("  error: %s\n", m)
	}

	var why []string
	if failed > 0 {
		why = append(why, fmt.Sprintf("%d failed requests", failed))
	}
	if lost > 0 {
		why = append(why, fmt.Sprintf("%d lost events", lost))
	}
	if acked == 0 {
		why = append(why, "nothing was acknowledged")
	}
	if judged && (ratio > o.maxRSSGrowth || ratio == 0) {
		why = append(why, fmt.Sprintf("anonymous RSS growth %.3f", ratio))
	}
	if exitErr != nil {
		why = append(why, "unclean shutdown")
	}
	res := summary{passed: len(why) == 0}
	if res.passed {
		p("result          PASS\n")
	} else {
		p("result          FAIL: %s\n", strings.Join(why, ", "))
	}
	res.text = b.String()
	result := "PASS"
	if !res.passed {
		result = "FAIL"
	}
	res.title = fmt.Sprintf("agentmonitor %s soak, %s: %d events, %d failed, %d lost, anonymous RSS ×%.2f: %s",
		s.version, total.Round(time.Second), acked, failed, lost, ratio, result)
	return res
}
