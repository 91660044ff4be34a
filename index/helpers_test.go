package index_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

var quiet = slog.New(slog.DiscardHandler)

// openStore opens a store in a temporary directory, closed at the end of the test. now, when
// set, is the store's clock.
func openStore(tb testing.TB, now func() time.Time) *kv.Store {
	tb.Helper()
	s, err := kv.Open(kv.Options{Path: filepath.Join(tb.TempDir(), "am.db"), Now: now, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func ingest(tb testing.TB, s *kv.Store, inputs ...contract.Input) {
	tb.Helper()
	if _, err := s.Ingest(context.Background(), inputs); err != nil {
		tb.Fatal(err)
	}
}

// vocabulary is a made-up language whose word frequencies follow Zipf's law, like real text.
type vocabulary struct {
	words []string
	zipf  *rand.Zipf
	rng   *rand.Rand
}

func newVocabulary(seed uint64) *vocabulary {
	rng := rand.New(rand.NewPCG(seed, 7))
	syll := []string{"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "di", "fo", "go", "he", "ja"}
	words := make([]string, 5000)
	for i := range words {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		words[i] = b.String()
	}
	return &vocabulary{words: words, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1)), rng: rng}
}

func (v *vocabulary) text(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.words[v.zipf.Uint64()])
	}
	return b.String()
}

var (
	agents   = []string{"claude_code", "codex", "gemini", "aider"}
	models   = []string{"claude-sonnet-4-5-20250929", "claude-opus-4-6", "o3", "gpt-5.3-codex"}
	branches = []string{"main", "feature/search", "fix/crash"}
)

// typicalEvent is the i-th of a stream of typical agent events: prompts, responses, shell commands,
// reads and edits of files, searches, errors and usage, with about 300 bytes of text.
func typicalEvent(v *vocabulary, i, sessions int) contract.Input {
	s := i % sessions
	in := contract.Input{
		SessionID: fmt.Sprintf("session-%05d", s), AgentType: agents[s%len(agents)],
		Project: fmt.Sprintf("project-%02d", s%20), Branch: branches[s%len(branches)], Model: models[s%len(models)],
		Source: "hook", Status: contract.StatusSuccess, TokensIn: int64(i % 3000), TokensOut: int64(i % 700),
	}
	file := fmt.Sprintf("/home/dev/src/project-%02d/internal/%s/%s.go", s%20, v.words[i%97], v.words[i%389])
	md := map[string]string{}
	switch i % 8 {
	case 0:
		in.EventType = "user_prompt"
		md["message"] = v.text(250)
	case 1:
		in.EventType, in.ToolName = "tool_use", "Bash"
		md["command"] = fmt.Sprintf("go test -run Test%s ./internal/%s/...", v.words[i%211], v.words[i%97])
		md["description"] = v.text(60)
	case 2:
		in.EventType, in.ToolName = "tool_use", "Read"
		md["file_path"] = file
	case 3:
		in.EventType, in.ToolName = "tool_use", "Edit"
		md["file_path"] = file
	case 4:
		in.EventType, in.ToolName = "tool_use", "Grep"
		md["pattern"] = "func " + v.words[i%1000]
		md["path"] = filepath.Dir(file)
	case 5:
		in.EventType = "response"
		md["content_preview"] = v.text(300)
	case 6:
		in.EventType, in.ToolName, in.Status = "tool_use", "Bash", contract.StatusError
		md["command"] = "make " + v.words[i%53]
		md["error"] = "exit status 2: " + v.text(120)
	case 7:
		in.EventType = "llm_response"
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for k, val := range md {
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%q:%q", k, val)
	}
	b.WriteByte('}')
	in.Metadata = b.String()
	return in
}
