package index_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

// corpus is a small history: ids 1–9 in this order, one minute apart from t0.
var corpus = []contract.Input{
	{SessionID: "s1", AgentType: "claude_code", EventType: "user_prompt", Project: "alpha", Branch: "main",
		Metadata: `{"message":"Please fix the flaky login test in the auth package"}`},
	{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", ToolName: "Bash",
		Metadata: `{"command":"go test ./auth/... -run TestLogin","description":"Run the login tests"}`},
	{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", ToolName: "Edit",
		Metadata: `{"file_path":"/src/app/main.go"}`},
	{SessionID: "s2", AgentType: "codex", EventType: "tool_use", ToolName: "Read", Project: "beta", Model: "o3",
		Metadata: `{"file_path":"/src/lib/main.go"}`},
	{SessionID: "s2", AgentType: "codex", EventType: "tool_use", ToolName: "Bash", Status: contract.StatusError,
		Metadata: `{"command":"make build","error":"undefined: NewServer <script>alert(1)</script>"}`},
	{SessionID: "s2", AgentType: "codex", EventType: "response",
		Metadata: `{"content_preview":"The build failed because NewServer was renamed to Listen"}`},
	{SessionID: "s3", AgentType: "gemini", EventType: "tool_use", ToolName: "Grep", Source: "hook",
		Metadata: `{"pattern":"func Test.*Login","path":"/src/auth"}`},
	{SessionID: "s3", AgentType: "gemini", EventType: "tool_use", ToolName: "WebFetch",
		Metadata: `{"url":"https://example.com/docs/login"}`},
	{SessionID: "s3", AgentType: "gemini", EventType: "user_prompt",
		Metadata: `{"message":"deploy to staging, not production"}`},
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// corpusIndex stores the corpus and indexes it.
func corpusIndex(t *testing.T) (*kv.Store, *index.Index) {
	t.Helper()
	now := t0
	store := openStore(t, func() time.Time { return now })
	for i, in := range corpus {
		now = t0.Add(time.Duration(i) * time.Minute)
		if in.Status == "" {
			in.Status = contract.StatusSuccess
		}
		if in.Source == "" {
			in.Source = contract.SourceAPI
		}
		ingest(t, store, in)
	}
	x := openIndex(t, store, index.Options{})
	if n, err := x.CatchUp(context.Background()); err != nil || n != len(corpus) {
		t.Fatalf("CatchUp = %d, %v; want %d", n, err, len(corpus))
	}
	return store, x
}

func openIndex(t *testing.T, store *kv.Store, opts index.Options) *index.Index {
	t.Helper()
	opts.Logger = quiet
	x, err := index.Open(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func ids(res *index.Result) []uint64 {
	out := []uint64{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	_, x := corpusIndex(t)
	ctx := context.Background()
	at := func(minute int) *time.Time { v := t0.Add(time.Duration(minute) * time.Minute); return &v }
	for _, tc := range []struct {
		name string
		q    string
		f    index.Filters
		want []uint64 // newest first
	}{
		{"word in any field", "login", index.Filters{}, []uint64{8, 7, 2, 1}},
		{"words are ANDed", "login flaky", index.Filters{}, []uint64{1}},
		{"case does not matter", "LOGIN Flaky", index.Filters{}, []uint64{1}},
		{"phrase", `"login test"`, index.Filters{}, []uint64{1}},
		{"phrase in order only", `"test flaky"`, index.Filters{}, []uint64{}},
		{"exclusion", "login -flaky", index.Filters{}, []uint64{8, 7, 2}},
		{"excluded phrase", `login -"login tests"`, index.Filters{}, []uint64{8, 7, 1}},
		{"only an exclusion", "-login", index.Filters{}, []uint64{9, 6, 5, 4, 3}},
		{"text field", "command:make", index.Filters{}, []uint64{5}},
		{"text field misses other fields", "prompt:make", index.Filters{}, []uint64{}},
		{"error field", "error:undefined", index.Filters{}, []uint64{5}},
		{"response field", "response:renamed", index.Filters{}, []uint64{6}},
		{"text field: url, pattern, description", "text:login", index.Filters{}, []uint64{8, 7, 2}},
		{"tool name is text", "webfetch", index.Filters{}, []uint64{8}},
		{"base name", "file:main.go", index.Filters{}, []uint64{4, 3}},
		{"full path", `file:"/src/app/main.go"`, index.Filters{}, []uint64{3}},
		{"full path unquoted", `file:/src/lib/main.go`, index.Filters{}, []uint64{4}},
		{"base name as a bare word", "main.go", index.Filters{}, []uint64{4, 3}},
		{"directory word", "file:app", index.Filters{}, []uint64{3}},
		{"filter field", "agent_type:codex", index.Filters{}, []uint64{6, 5, 4}},
		{"filter field is exact", "agent_type:Codex", index.Filters{}, []uint64{}},
		{"excluded filter field", "newserver -tool_name:Bash", index.Filters{}, []uint64{6}},
		{"two filter fields", "tool_name:Bash session_id:s1", index.Filters{}, []uint64{2}},
		{"filters", "newserver", index.Filters{AgentType: "codex", EventType: "response"}, []uint64{6}},
		{"project filter", "", index.Filters{Project: "beta"}, []uint64{6, 5, 4}},
		{"branch and model filters", "", index.Filters{Branch: "main", Model: ""}, []uint64{3, 2, 1}},
		{"model filter", "", index.Filters{Model: "o3"}, []uint64{4}},
		{"source filter", "", index.Filters{Source: "hook"}, []uint64{7}},
		{"session filter", "login", index.Filters{SessionID: "s3"}, []uint64{8, 7}},
		{"unknown filter value", "login", index.Filters{AgentType: "nobody"}, []uint64{}},
		{"since", "login", index.Filters{Since: at(2)}, []uint64{8, 7}},
		{"until", "login", index.Filters{Until: at(6)}, []uint64{7, 2, 1}},
		{"since and until inclusive", "", index.Filters{Since: at(3), Until: at(5)}, []uint64{6, 5, 4}},
		{"empty range", "", index.Filters{Since: at(5), Until: at(3)}, []uint64{}},
		{"never", "", index.Filters{Never: true}, []uint64{}},
		{"empty query is every event", "", index.Filters{}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"punctuation only", "...", index.Filters{}, []uint64{}},
		{"url as a word", "https://example.com/docs/login", index.Filters{}, []uint64{8}},
		{"no match", "kubernetes", index.Filters{}, []uint64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := x.Search(ctx, tc.q, tc.f, 50, 0, index.SortRecent)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res); !slices.Equal(got, tc.want) {
				t.Errorf("Search(%q) = %v, want %v", tc.q, got, tc.want)
			}
			if res.Total != uint64(len(tc.want)) {
				t.Errorf("total %d, want %d", res.Total, len(tc.want))
			}
		})
	}
}

func TestSearchPagesAndSorts(t *testing.T) {
	_, x := corpusIndex(t)
	ctx := context.Background()
	res, err := x.Search(ctx, "login", index.Filters{}, 2, 1, index.SortRecent)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); !slices.Equal(got, []uint64{7, 2}) || res.Total != 4 {
		t.Errorf("page = %v of %d, want [7 2] of 4", got, res.Total)
	}
	for _, h := range res.Hits {
		if h.Score <= 0 {
			t.Errorf("newest first: hit %d has score %v, want the relevance of the words", h.ID, h.Score)
		}
	}
	res, err = x.Search(ctx, "login test", index.Filters{}, 10, 0, index.SortRelevance)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 3 {
		t.Fatalf("relevance hits %v", ids(res))
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("scores not descending: %+v", res.Hits)
		}
	}
	if res.Hits[0].Score <= 0 {
		t.Errorf("score %v, want > 0", res.Hits[0].Score)
	}
}

// A phrase matches words in a row within one value: not across two values of the same field, nor
// across fields.
func TestPhraseStaysInOneValue(t *testing.T) {
	store := openStore(t, nil)
	ingest(t, store,
		contract.Input{SessionID: "p", AgentType: "codex", EventType: "user_prompt", Status: "success", Source: "api",
			Metadata: `{"message":"alpha beta","prompt":"gamma delta"}`},
		contract.Input{SessionID: "p", AgentType: "codex", EventType: "tool_use", ToolName: "Bash", Status: "success",
			Source: "api", Metadata: `{"command":"alpha beta gamma","error":"delta epsilon"}`})
	x := openIndex(t, store, index.Options{})
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]uint64{
		`"alpha beta"`:                {2, 1},
		`"beta gamma"`:                {2},
		`"delta epsilon"`:             {2},
		`"gamma delta"`:               {1},
		`prompt:"beta gamma"`:         {},
		`-"beta gamma"`:               {1},
		`alpha -"alpha beta"`:         {},
		`"alpha beta" -"gamma delta"`: {2},
	} {
		res, err := x.Search(context.Background(), q, index.Filters{}, 10, 0, index.SortRecent)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res); !slices.Equal(got, want) || res.Total != uint64(len(want)) {
			t.Errorf("Search(%s) = %v of %d, want %v", q, got, res.Total, want)
		}
	}
}

func TestSearchSyntaxErrors(t *testing.T) {
	_, x := corpusIndex(t)
	for _, q := range []string{`"unterminated`, `login "two words`, `foo:bar`, `-`, `login -`, `prompt:`,
		`prompt: x`, `ab"cd`, `"a"b`} {
		_, err := x.Search(context.Background(), q, index.Filters{}, 10, 0, index.SortRecent)
		var syn *index.SyntaxError
		if !errors.As(err, &syn) {
			t.Errorf("Search(%q) err = %v, want a SyntaxError", q, err)
			continue
		}
		if syn.Msg == "" || !strings.HasPrefix(err.Error(), "bad query: ") {
			t.Errorf("Search(%q) message %q", q, err)
		}
	}
}

func TestSearchSessions(t *testing.T) {
	_, x := corpusIndex(t)
	for _, tc := range []struct {
		q    string
		f    index.Filters
		want []string
	}{
		{"newserver", index.Filters{}, []string{"s2"}},
		{"login", index.Filters{}, []string{"s1", "s3"}},
		{"login", index.Filters{AgentType: "gemini"}, []string{"s3"}},
		{"nothing-like-this", index.Filters{}, []string{}},
	} {
		got, err := x.SearchSessions(context.Background(), tc.q, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("SearchSessions(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestFragments(t *testing.T) {
	store, x := corpusIndex(t)
	frags := func(q string, id uint64) map[string][]string {
		t.Helper()
		res, err := x.Search(context.Background(), q, index.Filters{}, 10, 0, index.SortRecent)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := store.EventsByID([]uint64{id})
		if err != nil {
			t.Fatal(err)
		}
		return res.Query.Fragments(rows[0])
	}
	got := frags("newserver", 5)
	want := []string{"undefined: <mark>NewServer</mark> &lt;script&gt;alert(1)&lt;/script&gt;"}
	if !slices.Equal(got["error"], want) || len(got) != 1 {
		t.Errorf("fragments %q, want error: %q", got, want)
	}
	got = frags(`"login test" -nothing`, 1)
	if want := []string{"Please fix the flaky <mark>login</mark> <mark>test</mark> in the auth package"}; !slices.Equal(got["prompt"], want) {
		t.Errorf("fragments %q, want prompt: %q", got, want)
	}
	got = frags("command:make build", 5)
	if !slices.Equal(got["command"], []string{"<mark>make</mark> <mark>build</mark>"}) || got["error"] != nil {
		t.Errorf("fragments %q", got)
	}
	got = frags("file:main.go", 3)
	if !slices.Equal(got["file"], []string{"/src/app/<mark>main</mark>.<mark>go</mark>"}) {
		t.Errorf("fragments %q", got)
	}
	if got := frags("agent_type:codex", 5); got != nil {
		t.Errorf("a filter-only query has fragments %q", got)
	}
}

func TestFragmentCutsLongText(t *testing.T) {
	now := t0
	store := openStore(t, func() time.Time { return now })
	long := strings.Repeat("lorem ipsum ", 40) + "needle é " + strings.Repeat("dolor sit ", 40)
	ingest(t, store, contract.Input{SessionID: "s", AgentType: "codex", EventType: "user_prompt",
		Status: contract.StatusSuccess, Source: "api", Metadata: `{"message":"` + long + `"}`})
	x := openIndex(t, store, index.Options{})
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := x.Search(context.Background(), "needle", index.Filters{}, 1, 0, index.SortRecent)
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("search: %v %v", res, err)
	}
	rows, _ := store.EventsByID([]uint64{res.Hits[0].ID})
	f := res.Query.Fragments(rows[0])["prompt"]
	if len(f) != 1 || !strings.HasPrefix(f[0], "…") || !strings.HasSuffix(f[0], "…") ||
		!strings.Contains(f[0], "<mark>needle</mark> é") || len(f[0]) > 200 {
		t.Errorf("fragment %q", f)
	}
}
