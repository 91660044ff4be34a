package pricing

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// specTable is CONTRACT 10.4, verbatim, so the data files can be checked
// against it row by row.
const specTable = `
| anthropic | ` + "`claude-opus-4-6`" + ` | claude-opus-4-6-20260219 | 15 | 75 | 1.5 | 18.75 | no |
| anthropic | ` + "`claude-opus-4-5-20251101`" + ` | claude-opus-4-5, claude-opus-4-5-latest | 5 | 25 | 0.5 | 6.25 | no |
| anthropic | ` + "`claude-opus-4-20250514`" + ` | claude-opus-4, claude-opus-4-latest, opus | 15 | 75 | 1.5 | 18.75 | no |
| anthropic | ` + "`claude-sonnet-4-5-20250929`" + ` | claude-sonnet-4-5, claude-sonnet-4-5-latest | 3 | 15 | 0.3 | 3.75 | no |
| anthropic | ` + "`claude-sonnet-4-20250514`" + ` | claude-sonnet-4, claude-sonnet-4-latest, sonnet | 3 | 15 | 0.3 | 3.75 | no |
| anthropic | ` + "`claude-haiku-4-5-20251001`" + ` | claude-haiku-4-5, claude-haiku-4-5-latest, haiku | 0.8 | 4 | 0.08 | 1 | no |
| anthropic | ` + "`claude-3-5-sonnet-20241022`" + ` | claude-3-5-sonnet, claude-3-5-sonnet-latest | 3 | 15 | 0.3 | 3.75 | no |
| anthropic | ` + "`claude-3-5-haiku-20241022`" + ` | claude-3-5-haiku, claude-3-5-haiku-latest | 0.8 | 4 | 0.08 | 1 | no |
| anthropic | ` + "`claude-3-opus-20240229`" + ` | claude-3-opus | 15 | 75 | 1.5 | 18.75 | yes |
| anthropic | ` + "`claude-3-sonnet-20240229`" + ` | claude-3-sonnet | 3 | 15 | 0.3 | 3.75 | yes |
| anthropic | ` + "`claude-3-haiku-20240307`" + ` | claude-3-haiku | 0.25 | 1.25 | 0.03 | 0.3 | yes |
| openai | ` + "`o3`" + ` | o3-2025-04-16 | 2 | 8 | 1 | 2 | no |
| openai | ` + "`o3-mini`" + ` | o3-mini-2025-01-31 | 1.1 | 4.4 | 0.55 | 1.1 | no |
| openai | ` + "`o4-mini`" + ` | o4-mini-2025-04-16 | 1.1 | 4.4 | 0.275 | 0.55 | no |
| openai | ` + "`o1`" + ` | o1-2024-12-17 | 15 | 60 | 7.5 | 15 | no |
| openai | ` + "`o1-mini`" + ` | o1-mini-2024-09-12 | 1.1 | 4.4 | 0.55 | 1.1 | yes |
| openai | ` + "`gpt-4.1`" + ` | gpt-4.1-2025-04-14 | 2 | 8 | 0.5 | 2 | no |
| openai | ` + "`gpt-4.1-mini`" + ` | gpt-4.1-mini-2025-04-14 | 0.4 | 1.6 | 0.1 | 0.4 | no |
| openai | ` + "`gpt-4.1-nano`" + ` | gpt-4.1-nano-2025-04-14 | 0.1 | 0.4 | 0.025 | 0.1 | no |
| openai | ` + "`gpt-4o`" + ` | gpt-4o-2024-11-20, gpt-4o-2024-08-06 | 2.5 | 10 | 1.25 | 2.5 | no |
| openai | ` + "`gpt-4o-mini`" + ` | gpt-4o-mini-2024-07-18 | 0.15 | 0.6 | 0.075 | 0.15 | no |
| openai | ` + "`gpt-4-turbo`" + ` | gpt-4-turbo-2024-04-09 | 10 | 30 | 5 | 10 | yes |
| openai | ` + "`gpt-5.3-codex`" + ` | (none) | 1.75 | 14 | 0.875 | 1.75 | no |
| google | ` + "`gemini-2.5-pro`" + ` | gemini-2.5-pro-preview-05-06 | 1.25 | 10 | 0.31 | 1.25 | no |
| google | ` + "`gemini-2.5-flash`" + ` | gemini-2.5-flash-preview-04-17 | 0.15 | 0.6 | 0.0375 | 0.15 | no |
| google | ` + "`gemini-2.0-flash`" + ` | gemini-2.0-flash-001 | 0.1 | 0.4 | 0.025 | 0.1 | no |
| google | ` + "`gemini-1.5-pro`" + ` | gemini-1.5-pro-001, gemini-1.5-pro-002 | 1.25 | 5 | 0.31 | 1.25 | yes |
| google | ` + "`gemini-1.5-flash`" + ` | gemini-1.5-flash-001, gemini-1.5-flash-002 | 0.075 | 0.3 | 0.01875 | 0.075 | yes |
`

type specRow struct {
	rate    Rate
	aliases []string
}

func parseSpecTable(t *testing.T) []specRow {
	t.Helper()
	var rows []specRow
	for line := range strings.Lines(strings.TrimSpace(specTable)) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 8 {
			t.Fatalf("spec row %q: %d cells", line, len(cells))
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("spec row %q: %v", line, err)
			}
			return v
		}
		var aliases []string
		if cells[2] != "(none)" {
			aliases = strings.Split(cells[2], ", ")
		}
		rows = append(rows, specRow{
			rate: Rate{
				Model:      strings.Trim(cells[1], "`"),
				Provider:   cells[0],
				Input:      num(cells[3]),
				Output:     num(cells[4]),
				CacheRead:  num(cells[5]),
				CacheWrite: num(cells[6]),
				Deprecated: cells[7] == "yes",
			},
			aliases: aliases,
		})
	}
	return rows
}

// TestEmbeddedFiles fails on any malformed embedded file (which Default
// would otherwise skip, per CONTRACT 10.1) and on any name clash between
// files.
func TestEmbeddedFiles(t *testing.T) {
	if _, err := loadEmbedded(); err != nil {
		t.Fatalf("loadEmbedded: %v", err)
	}
	wantProvider := map[string]string{
		"data/claude.json": "anthropic",
		"data/codex.json":  "openai",
		"data/gemini.json": "google",
	}
	wantCount := map[string]int{"data/claude.json": 11, "data/codex.json": 12, "data/gemini.json": 5}
	canonical := map[string]string{} // name → file
	alias := map[string]string{}     // alias → file
	for _, name := range embeddedFiles {
		f, err := readEmbedded(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.provider != wantProvider[name] {
			t.Errorf("%s: provider %q, want %q", name, f.provider, wantProvider[name])
		}
		if f.lastUpdated != "2026-02-19T00:00:00Z" {
			t.Errorf("%s: lastUpdated %q", name, f.lastUpdated)
		}
		if len(f.models) != wantCount[name] {
			t.Errorf("%s: %d models, want %d", name, len(f.models), wantCount[name])
		}
		// Every key of the file must be a known one (catches typos that
		// lenient decoding would turn into zero rates).
		data, _ := dataFS.ReadFile(name)
		var raw struct {
			Models map[string]map[string]json.RawMessage `json:"models"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		for m, fields := range raw.Models {
			for k := range fields {
				switch k {
				case "aliases", "inputCostPerMTok", "outputCostPerMTok", "cacheReadCostPerMTok", "cacheWriteCostPerMTok", "deprecated":
				default:
					t.Errorf("%s: model %q: unknown key %q", name, m, k)
				}
			}
			if len(fields) != 6 {
				t.Errorf("%s: model %q: %d keys, want all 6", name, m, len(fields))
			}
		}
		for _, m := range f.models {
			if prev, ok := canonical[m.rate.Model]; ok {
				t.Errorf("canonical %q in both %s and %s", m.rate.Model, prev, name)
			}
			canonical[m.rate.Model] = name
			for _, a := range m.aliases {
				if prev, ok := alias[a]; ok {
					t.Errorf("alias %q in both %s and %s", a, prev, name)
				}
				alias[a] = name
			}
		}
	}
	for a := range alias {
		if _, ok := canonical[a]; ok {
			t.Errorf("alias %q is also a canonical name", a)
		}
	}
}

// TestRatesMatchSpec checks all 28 models, their aliases and rates against
// CONTRACT 10.4.
func TestRatesMatchSpec(t *testing.T) {
	rows := parseSpecTable(t)
	if len(rows) != 28 {
		t.Fatalf("spec table has %d rows", len(rows))
	}
	tab := Default()
	models := tab.Models()
	if len(models) != 28 {
		t.Fatalf("Default has %d models, want 28", len(models))
	}
	if !slices.IsSortedFunc(models, func(a, b Rate) int { return strings.Compare(a.Model, b.Model) }) {
		t.Error("Models not sorted by name")
	}
	perProvider := map[string]int{}
	for _, m := range models {
		perProvider[m.Provider]++
	}
	if perProvider["anthropic"] != 11 || perProvider["openai"] != 12 || perProvider["google"] != 5 {
		t.Errorf("per-provider counts %v, want anthropic 11, openai 12, google 5", perProvider)
	}
	aliasCount := 0
	for _, row := range rows {
		got, ok := tab.Lookup(row.rate.Model)
		if !ok {
			t.Errorf("%s: not found", row.rate.Model)
			continue
		}
		if got != row.rate {
			t.Errorf("%s: got %+v, want %+v", row.rate.Model, got, row.rate)
		}
		for _, a := range row.aliases {
			aliasCount++
			got, ok := tab.Lookup(a)
			if !ok || got.Model != row.rate.Model {
				t.Errorf("alias %s: got %q, %v; want %q", a, got.Model, ok, row.rate.Model)
			}
		}
	}
	if len(tab.aliases) != aliasCount {
		t.Errorf("table has %d aliases, spec %d", len(tab.aliases), aliasCount)
	}
}

func TestLookup(t *testing.T) {
	tab := Default()
	tests := []struct {
		model string
		want  string // canonical name; "" = unknown
	}{
		{"o3", "o3"},
		{"sonnet", "claude-sonnet-4-20250514"},
		{"opus", "claude-opus-4-20250514"},
		{"haiku", "claude-haiku-4-5-20251001"},
		{"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"},
		{"gpt-4o-2024-08-06", "gpt-4o"},
		{"gpt-5.3-codex", "gpt-5.3-codex"},
		// Prefixes.
		{"openai/o3", "o3"},
		{"anthropic/claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
		{"anthropic/claude-opus-4-6", "claude-opus-4-6"},
		{"google/gemini-2.5-pro", "gemini-2.5-pro"},
		{"anthropic/openai/o3", "o3"}, // stripped in order anthropic, openai, google
		{"anthropic/google/gemini-2.0-flash-001", "gemini-2.0-flash"},
		// Unknowns: no case folding, trimming, prefix or fuzzy matching.
		{"claude-sonnet-4-5-20250514", ""},
		{"totally-unknown-model", ""},
		{"O3", ""},
		{" o3", ""},
		{"o3 ", ""},
		{"", ""},
		{"OpenAI/o3", ""},
		{"openai/anthropic/o3", ""}, // anthropic/ is only stripped first
		{"azure/o3", ""},
		{"o3-2025", ""},
		{"claude-sonnet", ""},
	}
	for _, tt := range tests {
		got, ok := tab.Lookup(tt.model)
		if ok != (tt.want != "") || got.Model != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.model, got.Model, ok, tt.want)
		}
		cost, ok := tab.Cost(tt.model, 1000, 1000, 0, 0)
		if ok != (tt.want != "") || (!ok && cost != 0) || (ok && cost <= 0) {
			t.Errorf("Cost(%q) = %v, %v", tt.model, cost, ok)
		}
	}
}

func TestCost(t *testing.T) {
	tab := Default()
	tests := []struct {
		name            string
		model           string
		in, out, cr, cw int64
		want            float64
	}{
		{"10.3 o3", "o3", 250_000, 125_000, 0, 0, 1.5},
		{"10.3 sonnet 4.5", "claude-sonnet-4-5-20250929", 1_000_000, 100_000, 0, 0, 4.5},
		{"10.3 sonnet 4.5 cache", "claude-sonnet-4-5-20250929", 100_000, 50_000, 500_000, 10_000, 1.2375},
		{"16.5 o3", "o3", 500_000, 200_000, 0, 0, 2.6},
		{"16.5 otel sonnet 4.5", "claude-sonnet-4-5-20250929", 100_000, 20_000, 0, 0, 0.6},
		{"alias", "claude-sonnet-4-5", 1_000_000, 100_000, 0, 0, 4.5},
		{"prefixed", "openai/o3", 250_000, 125_000, 0, 0, 1.5},
		{"google", "google/gemini-2.5-pro", 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1.25 + 10 + 0.31 + 1.25},
		{"deprecated still priced", "claude-3-haiku", 1_000_000, 0, 0, 0, 0.25},
		{"zero tokens", "o3", 0, 0, 0, 0, 0},
		{"cache only", "o3", 0, 0, 1_000_000, 1_000_000, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Cost(tt.model, tt.in, tt.out, tt.cr, tt.cw)
			if !ok {
				t.Fatalf("Cost(%q) unknown", tt.model)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Cost(%q, %d, %d, %d, %d) = %.12f, want %v", tt.model, tt.in, tt.out, tt.cr, tt.cw, got, tt.want)
			}
		})
	}

	// 16.5 #86: two sonnet events, (1M in, 0 out) and (0 in, 1M out).
	a, _ := tab.Cost("claude-sonnet-4-5-20250929", 1_000_000, 0, 0, 0)
	b, _ := tab.Cost("claude-sonnet-4-5-20250929", 0, 1_000_000, 0, 0)
	if sum := a + b; math.Abs(sum-18.0) > 1e-9 {
		t.Errorf("two sonnet events sum to %v, want 18", sum)
	}

	for _, m := range []string{"totally-unknown-model", "claude-sonnet-4-5-20250514", "O3", " o3", ""} {
		if got, ok := tab.Cost(m, 1000, 1000, 0, 0); ok || got != 0 {
			t.Errorf("Cost(%q) = %v, %v; want 0, false", m, got, ok)
		}
	}
}

// TestCostFormulaExact checks Cost bit for bit against CONTRACT 10.3 written
// out step by step: per-token rates first, then products rounded one by one,
// summed left to right.
func TestCostFormulaExact(t *testing.T) {
	tab := Default()
	counts := [][4]int64{
		{250_000, 125_000, 0, 0},
		{100_000, 50_000, 500_000, 10_000},
		{1, 1, 1, 1},
		{123_457, 98_765, 4_321_987, 55_555},
		{7, 3, 999_999_999, 13},
	}
	for _, r := range tab.Models() {
		for _, c := range counts {
			inRate := r.Input / 1_000_000
			outRate := r.Output / 1_000_000
			crRate := r.CacheRead / 1_000_000
			cwRate := r.CacheWrite / 1_000_000
			p1 := float64(float64(c[0]) * inRate)
			p2 := float64(float64(c[1]) * outRate)
			p3 := float64(float64(c[2]) * crRate)
			p4 := float64(float64(c[3]) * cwRate)
			s := float64(p1 + p2)
			s = float64(s + p3)
			want := float64(s + p4)
			got, ok := tab.Cost(r.Model, c[0], c[1], c[2], c[3])
			if !ok || math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("Cost(%s, %v) = %v (%v), want exactly %v", r.Model, c, got, ok, want)
			}
		}
	}
}

func TestZeroTable(t *testing.T) {
	var tab Table
	if _, ok := tab.Lookup("o3"); ok {
		t.Error("zero Table knows o3")
	}
	if _, ok := tab.Cost("o3", 1, 1, 0, 0); ok {
		t.Error("zero Table prices o3")
	}
	if n := len(tab.Models()); n != 0 {
		t.Errorf("zero Table has %d models", n)
	}
}

func TestDefaultShared(t *testing.T) {
	if Default() != Default() {
		t.Error("Default not parsed once")
	}
	m := Default().Models()
	m[0].Input = 1e9
	if r, _ := Default().Lookup(m[0].Model); r.Input == 1e9 {
		t.Error("Models result aliases the table")
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pricing.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	p := writeFile(t, `{
  "provider": "custom",
  "lastUpdated": "2026-03-01T00:00:00Z",
  "models": {
    "my-model": {"aliases": ["mine", "my-model-v1"], "inputCostPerMTok": 4, "outputCostPerMTok": 20,
                 "cacheReadCostPerMTok": 0.4, "cacheWriteCostPerMTok": 5, "deprecated": false},
    "o3": {"aliases": [], "inputCostPerMTok": 10, "outputCostPerMTok": 40},
    "sonnet-override": {"aliases": ["sonnet"], "inputCostPerMTok": 1, "outputCostPerMTok": 2},
    "haiku": {"inputCostPerMTok": 0.5, "outputCostPerMTok": 1}
  }
}`)
	tab, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	// New model, by name, alias and prefix.
	for _, name := range []string{"my-model", "mine", "my-model-v1", "openai/mine"} {
		r, ok := tab.Lookup(name)
		want := Rate{Model: "my-model", Provider: "custom", Input: 4, Output: 20, CacheRead: 0.4, CacheWrite: 5}
		if !ok || r != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", name, r, ok, want)
		}
	}
	if c, _ := tab.Cost("mine", 1_000_000, 1_000_000, 0, 0); math.Abs(c-24) > 1e-9 {
		t.Errorf("Cost(mine) = %v, want 24", c)
	}

	// Override of an embedded canonical model: the user rate wins, cache
	// rates default to 0, and the embedded alias now resolves to it.
	for _, name := range []string{"o3", "o3-2025-04-16", "openai/o3"} {
		r, ok := tab.Lookup(name)
		if !ok || r.Model != "o3" || r.Input != 10 || r.Output != 40 || r.CacheRead != 0 || r.Provider != "custom" {
			t.Errorf("Lookup(%q) = %+v, %v", name, r, ok)
		}
	}
	if c, _ := tab.Cost("o3", 250_000, 125_000, 0, 0); math.Abs(c-7.5) > 1e-9 {
		t.Errorf("overridden o3 cost %v, want 7.5", c)
	}

	// User alias wins over the embedded alias of the same name.
	if r, _ := tab.Lookup("sonnet"); r.Model != "sonnet-override" {
		t.Errorf("Lookup(sonnet) = %q, want sonnet-override", r.Model)
	}
	// The embedded canonical model behind the old alias is untouched.
	if r, _ := tab.Lookup("claude-sonnet-4-20250514"); r.Input != 3 {
		t.Errorf("claude-sonnet-4-20250514 changed: %+v", r)
	}
	// A user canonical name shadows an embedded alias (canonical first).
	if r, _ := tab.Lookup("haiku"); r.Model != "haiku" || r.Input != 0.5 {
		t.Errorf("Lookup(haiku) = %+v", r)
	}
	if r, _ := tab.Lookup("claude-haiku-4-5"); r.Model != "claude-haiku-4-5-20251001" {
		t.Errorf("Lookup(claude-haiku-4-5) = %+v", r)
	}

	// Everything else is still embedded.
	if c, _ := tab.Cost("claude-sonnet-4-5-20250929", 1_000_000, 100_000, 0, 0); math.Abs(c-4.5) > 1e-9 {
		t.Errorf("sonnet 4.5 cost %v, want 4.5", c)
	}
	if n := len(tab.Models()); n != 28+3 {
		t.Errorf("Load table has %d models, want 31", n)
	}

	// Default is not modified by Load.
	if r, _ := Default().Lookup("o3"); r.Input != 2 {
		t.Errorf("Default o3 changed to %+v", r)
	}
	if _, ok := Default().Lookup("mine"); ok {
		t.Error("Default learned a user alias")
	}
	if r, _ := Default().Lookup("sonnet"); r.Model != "claude-sonnet-4-20250514" {
		t.Errorf("Default sonnet now %q", r.Model)
	}
}

func TestLoadEmptyModels(t *testing.T) {
	tab, err := Load(writeFile(t, `{"provider":"x","models":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tab.Models()); n != 28 {
		t.Errorf("%d models, want 28", n)
	}
}

func TestLoadErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	_, err := Load(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err %v, want fs.ErrNotExist", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "pricing: read "+missing+": ") {
		t.Errorf("missing file: err %q", err)
	}

	bad := writeFile(t, `{"models": {"x": `)
	_, err = Load(bad)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("bad JSON: err %v, want *json.SyntaxError", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "pricing: parse "+bad+": ") {
		t.Errorf("bad JSON: err %q", err)
	}

	tests := []struct {
		name, content, want string
	}{
		{"wrong type", `{"models": {"x": {"inputCostPerMTok": "3", "outputCostPerMTok": 1}}}`, "pricing: parse "},
		{"trailing data", `{"models": {}} {}`, "pricing: parse "},
		{"array", `[]`, "pricing: parse "},
		{"null", `null`, `missing "models"`},
		{"no models", `{"provider": "x"}`, `missing "models"`},
		{"missing input", `{"models": {"x": {"outputCostPerMTok": 1}}}`, "missing inputCostPerMTok"},
		{"missing output", `{"models": {"x": {"inputCostPerMTok": 1}}}`, "missing outputCostPerMTok"},
		{"null model", `{"models": {"x": null}}`, "missing inputCostPerMTok"},
		{"negative", `{"models": {"x": {"inputCostPerMTok": 1, "outputCostPerMTok": 1, "cacheReadCostPerMTok": -1}}}`, "negative cacheReadCostPerMTok"},
		{"empty name", `{"models": {"": {"inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, "empty name"},
		{"prefixed name", `{"models": {"openai/x": {"inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, "lookups strip"},
		{"empty alias", `{"models": {"x": {"aliases": [""], "inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, "empty name"},
		{"alias is own canonical", `{"models": {"x": {"aliases": ["y"], "inputCostPerMTok": 1, "outputCostPerMTok": 1},
		                                        "y": {"inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, "also a canonical"},
		{"alias twice", `{"models": {"x": {"aliases": ["z"], "inputCostPerMTok": 1, "outputCostPerMTok": 1},
		                             "y": {"aliases": ["z"], "inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, `alias "z" claimed by both`},
		{"alias is built-in canonical", `{"models": {"x": {"aliases": ["o3"], "inputCostPerMTok": 1, "outputCostPerMTok": 1}}}`, "built-in canonical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.content)
			tab, err := Load(p)
			if err == nil {
				t.Fatalf("Load succeeded: %d models", len(tab.Models()))
			}
			if tab != nil {
				t.Error("non-nil table with error")
			}
			if !strings.HasPrefix(err.Error(), "pricing: ") || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %q, want it to name %s and contain %q", err, p, tt.want)
			}
		})
	}
}

func TestConcurrent(t *testing.T) {
	user, err := Load(writeFile(t, `{"models":{"m":{"inputCostPerMTok":1,"outputCostPerMTok":1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tab := Default()
			if i%2 == 1 {
				tab = user
			}
			for range 200 {
				if c, ok := tab.Cost("o3", 250_000, 125_000, 0, 0); !ok || math.Abs(c-1.5) > 1e-9 {
					t.Errorf("Cost = %v, %v", c, ok)
					return
				}
				if _, ok := tab.Lookup("sonnet"); !ok {
					t.Error("sonnet unknown")
					return
				}
				_ = tab.Models()
			}
		})
	}
	wg.Wait()
}

func BenchmarkCost(b *testing.B) {
	tab := Default()
	var sink float64
	for b.Loop() {
		c, _ := tab.Cost("anthropic/claude-sonnet-4-5", 100_000, 50_000, 500_000, 10_000)
		sink += c
	}
	_ = sink
}
