package importer

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/kv"
)

// benchMB is the size of the generated history: AGENTMONITOR_IMPORT_BENCH_MB, default 50 (the
// issue's figure is 500).
func benchMB() int {
	if n, err := strconv.Atoi(os.Getenv("AGENTMONITOR_IMPORT_BENCH_MB")); err == nil && n > 0 {
		return n
	}
	return 50
}

// genHistory writes about mb megabytes of Claude Code transcripts (with sub-agents) and Codex
// rollouts under dir: many sessions, long tool outputs, now and then a line of several MB.
func genHistory(tb testing.TB, dir string, mb int) (bytes int64) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	filler := strings.Repeat("lorem ipsum dolor sit amet, \\\"quoted\\\" and \\\\ escaped\\n ", 40000)
	text := func(n int) string {
		start := rng.IntN(len(filler) - n - 8)
		s := filler[start : start+n]
		for len(s) > 0 && s[len(s)-1] == '\\' { // never end inside an escape
			s = s[:len(s)-1]
		}
		for len(s) > 0 && s[0] != ' ' && s[0] != 'l' {
			s = s[1:]
		}
		return s
	}
	budget := int64(mb) << 20
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; bytes < budget; n++ {
		var path string
		claude := n%4 != 3
		if claude {
			path = filepath.Join(dir, "claude", "projects", fmt.Sprintf("-home-dev-p%d", n%20), fmt.Sprintf("%08x-0000-4000-8000-%012x.jsonl", n, n))
		} else {
			path = filepath.Join(dir, "codex", "sessions", "2026", "01", fmt.Sprintf("%02d", 1+n%28),
				fmt.Sprintf("rollout-2026-01-01T00-00-00-%08x-0000-7000-8000-%012x.jsonl", n, n))
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		sess := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		ts := t0.Add(time.Duration(n) * time.Minute)
		stamp := func() string { ts = ts.Add(1500 * time.Millisecond); return ts.Format("2006-01-02T15:04:05.000Z") }
		turns := 20 + rng.IntN(40)
		if claude {
			env := fmt.Sprintf(`"sessionId":%q,"cwd":"/home/dev/p%d","gitBranch":"main","version":"2.1.76","userType":"external"`, sess, n%20)
			fmt.Fprintf(w, `{"type":"user","uuid":"u-%d-0","timestamp":%q,%s,"message":{"role":"user","content":%q}}`+"\n", n, stamp(), env, text(200))
			for i := 0; i < turns; i++ {
				usage := fmt.Sprintf(`{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"output_tokens":%d}`,
					2+rng.IntN(5), rng.IntN(3000), 10000+rng.IntN(50000), 50+rng.IntN(900))
				msg := fmt.Sprintf("msg_%d_%d", n, i)
				for j, blk := range []string{
					fmt.Sprintf(`{"type":"thinking","thinking":"%s","signature":"sig"}`, text(300)),
					fmt.Sprintf(`{"type":"text","text":"%s"}`, text(400)),
					fmt.Sprintf(`{"type":"tool_use","id":"toolu_%d_%d","name":"Bash","input":{"command":"go test ./... -run %d"}}`, n, i, i),
				} {
					fmt.Fprintf(w, `{"type":"assistant","uuid":"a-%d-%d-%d","timestamp":%q,%s,"requestId":"req_%d_%d","message":{"id":%q,"model":"claude-sonnet-4-5-20250929","role":"assistant","content":[%s],"stop_reason":"tool_use","usage":%s}}`+"\n",
						n, i, j, stamp(), env, n, i, msg, blk, usage)
				}
				size := 2000 + rng.IntN(30000)
				if rng.IntN(200) == 0 {
					size = 2<<20 + rng.IntN(2<<20) // a huge tool output
				}
				out := text(min(size, len(filler)/2))
				for len(out) < size {
					out += text(min(size-len(out), len(filler)/2))
				}
				fmt.Fprintf(w, `{"type":"user","uuid":"r-%d-%d","timestamp":%q,%s,"message":{"role":"user","content":[{"tool_use_id":"toolu_%d_%d","type":"tool_result","content":"%s","is_error":%v}]},"toolUseResult":{"stdout":"ok"}}`+"\n",
					n, i, stamp(), env, n, i, out, rng.IntN(10) == 0)
			}
		} else {
			fmt.Fprintf(w, `{"timestamp":%q,"type":"session_meta","payload":{"id":%q,"timestamp":%q,"cwd":"/home/dev/p%d","originator":"codex_cli_rs","cli_version":"0.80.0","instructions":"%s"}}`+"\n",
				stamp(), sess[len(sess)-36:], stamp(), n%20, text(20000))
			var in, cached, out int
			for i := 0; i < turns; i++ {
				fmt.Fprintf(w, `{"timestamp":%q,"type":"turn_context","payload":{"cwd":"/home/dev/p%d","model":"gpt-5.3-codex"}}`+"\n", stamp(), n%20)
				fmt.Fprintf(w, `{"timestamp":%q,"type":"response_item","payload":{"type":"function_call","name":"shell_command","arguments":"{\"command\":\"ls -la %d\"}","call_id":"call_%d_%d"}}`+"\n", stamp(), i, n, i)
				in += 5000 + rng.IntN(9000)
				cached += 4000
				out += 100 + rng.IntN(500)
				fmt.Fprintf(w, `{"timestamp":%q,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":%d,"cached_input_tokens":%d,"output_tokens":%d,"reasoning_output_tokens":0,"total_tokens":%d}}}}`+"\n", stamp(), in, cached, out, in+out)
				fmt.Fprintf(w, `{"timestamp":%q,"type":"response_item","payload":{"type":"function_call_output","call_id":"call_%d_%d","output":"Exit code: %d\nWall time: 0.1 seconds\nOutput:\n%s"}}`+"\n", stamp(), n, i, rng.IntN(2), text(2000+rng.IntN(20000)))
			}
		}
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		info, _ := f.Stat()
		bytes += info.Size()
		f.Close()
		old := t0.Add(-24 * time.Hour)
		os.Chtimes(path, old, old)
	}
	return bytes
}

// peakRSS is the process's peak resident set (VmHWM) in MB; 0 where /proc is missing.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkImport imports a generated history: "parse" is a dry run (reading and mapping only),
// "store" a full import into a fresh bbolt file. Run with -benchtime 1x; set
// AGENTMONITOR_IMPORT_BENCH_MB=500 for the size.
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	size := genHistory(b, dir, benchMB())
	runtime.GC()
	b.Logf("generated %.1f MB under %s; peak RSS after generating %.0f MB", float64(size)/(1<<20), dir, peakRSS())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, mode := range []string{"parse", "store"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(size)
			var events int
			var took time.Duration
			for range b.N {
				var store *kv.Store
				if mode == "store" {
					b.StopTimer()
					s, err := kv.Open(kv.Options{Path: filepath.Join(b.TempDir(), "am.db"), Logger: quiet})
					if err != nil {
						b.Fatal(err)
					}
					store = s
					b.StartTimer()
				}
				im := New(store, Options{ClaudeDir: filepath.Join(dir, "claude"), CodexDir: filepath.Join(dir, "codex"), Logger: quiet})
				start := time.Now()
				sum, err := im.Run(b.Context(), Request{DryRun: mode == "parse"})
				took += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				events += sum.EventsImported
				if store != nil {
					b.StopTimer()
					store.Close()
					b.StartTimer()
				}
			}
			sec := took.Seconds()
			b.ReportMetric(float64(size)*float64(b.N)/(1<<20)/sec, "MB/s")
			b.ReportMetric(float64(events)/sec, "events/s")
			b.ReportMetric(peakRSS(), "peakRSS_MB")
		})
	}
}
