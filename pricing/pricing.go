// Package pricing holds the model rate table and computes the USD cost of an
// event from its model and token counts (CONTRACT section 10).
//
// The default table is embedded in the binary (data/claude.json, codex.json and
// gemini.json, loaded in that order). [Load] overlays it with a user file of the
// same shape, as named by AGENTMONITOR_PRICING_FILE (CONTRACT 18.11).
//
// Lookups normalize the model name by removing a leading "anthropic/", then a
// leading "openai/", then a leading "google/"; there is no case folding, no
// trimming and no prefix or fuzzy matching. An exact canonical name wins over an
// alias. Unknown models have no rate and no cost.
//
// This package only prices. Deciding when to price (model set, tokens_in > 0 or
// tokens_out > 0, no explicit cost) is up to the caller (CONTRACT section 5,
// step 7).
//
// A [Table] is immutable once built and safe for concurrent use.
package pricing

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// embeddedFiles lists the embedded provider files in load order.
var embeddedFiles = []string{"data/claude.json", "data/codex.json", "data/gemini.json"}

//go:embed data/claude.json data/codex.json data/gemini.json
var dataFS embed.FS

// perMTok is the number of tokens a "per MTok" rate is quoted for.
const perMTok = 1_000_000

// Rate is the price of one model. All prices are USD per million tokens.
type Rate struct {
	// Model is the canonical model name (never an alias).
	Model string
	// Provider is the "provider" of the file the rate came from
	// ("anthropic", "openai", "google", or whatever a user file says).
	Provider string
	// Input is the price of input (prompt) tokens, USD per million tokens.
	Input float64
	// Output is the price of output (completion) tokens, USD per million tokens.
	Output float64
	// CacheRead is the price of cache-read tokens, USD per million tokens.
	CacheRead float64
	// CacheWrite is the price of cache-write tokens, USD per million tokens.
	CacheWrite float64
	// Deprecated marks a model the provider has retired. It does not affect
	// pricing.
	Deprecated bool
}

// entry is a rate plus its per-token prices, computed once as
// per-MTok ÷ 1,000,000 in float64 (CONTRACT 10.3).
type entry struct {
	rate                        Rate
	inTok, outTok, crTok, cwTok float64
}

func newEntry(r Rate) *entry {
	return &entry{
		rate:   r,
		inTok:  r.Input / perMTok,
		outTok: r.Output / perMTok,
		crTok:  r.CacheRead / perMTok,
		cwTok:  r.CacheWrite / perMTok,
	}
}

// Table is a model rate table. It is immutable after construction and safe
// for concurrent use. The zero Table is empty (every model is unknown).
type Table struct {
	models  map[string]*entry // canonical name → rate
	aliases map[string]string // alias → canonical name (always present in models)
}

// Lookup returns the rate of model: the name is normalized (a leading
// "anthropic/", then "openai/", then "google/" is removed), then matched
// exactly against canonical names, then against aliases. The returned
// Rate.Model is the canonical name. ok is false for an unknown model.
func (t *Table) Lookup(model string) (rate Rate, ok bool) {
	e := t.find(model)
	if e == nil {
		return Rate{}, false
	}
	return e.rate, true
}

func (t *Table) find(model string) *entry {
	name := normalize(model)
	if e, ok := t.models[name]; ok {
		return e
	}
	if canon, ok := t.aliases[name]; ok {
		return t.models[canon]
	}
	return nil
}

// normalize applies CONTRACT 10.2 step 1, in that exact order.
func normalize(model string) string {
	model = strings.TrimPrefix(model, "anthropic/")
	model = strings.TrimPrefix(model, "openai/")
	model = strings.TrimPrefix(model, "google/")
	return model
}

// Cost returns the USD cost of the given token counts for model, per
// CONTRACT 10.3:
//
//	tokensIn×inRate + tokensOut×outRate + cacheRead×cacheReadRate + cacheWrite×cacheWriteRate
//
// where each per-token rate is the per-MTok rate ÷ 1,000,000, and the sum is
// taken left to right in float64 with every product rounded on its own (no
// fused multiply-add). ok is false, and the cost 0, for an unknown model.
// Token counts are used as given; validating them is the caller's job.
func (t *Table) Cost(model string, tokensIn, tokensOut, cacheRead, cacheWrite int64) (usd float64, ok bool) {
	e := t.find(model)
	if e == nil {
		return 0, false
	}
	// The explicit float64 conversions of each product force rounding and
	// so forbid the compiler from fusing a multiply with the following add
	// (Go spec, "Arithmetic operators"), keeping results identical on every
	// architecture.
	usd = float64(float64(tokensIn) * e.inTok)
	usd += float64(float64(tokensOut) * e.outTok)
	usd += float64(float64(cacheRead) * e.crTok)
	usd += float64(float64(cacheWrite) * e.cwTok)
	return usd, true
}

// Models returns every canonical model of the table, sorted by name. The
// slice is a fresh copy the caller may keep or modify.
func (t *Table) Models() []Rate {
	out := make([]Rate, 0, len(t.models))
	for _, e := range t.models {
		out = append(out, e.rate)
	}
	slices.SortFunc(out, func(a, b Rate) int { return strings.Compare(a.Model, b.Model) })
	return out
}

// Default returns the embedded rate table, parsed on first use and shared
// afterwards. Per CONTRACT 10.1 a malformed embedded file would be skipped;
// the package tests guarantee that none is.
func Default() *Table {
	return defaultTable()
}

var defaultTable = sync.OnceValue(func() *Table {
	t, _ := loadEmbedded()
	return t
})

// loadEmbedded builds the embedded table, skipping (and reporting) any file
// that cannot be read or parsed.
func loadEmbedded() (*Table, error) {
	t := &Table{models: map[string]*entry{}, aliases: map[string]string{}}
	var errs []error
	for _, name := range embeddedFiles {
		f, err := readEmbedded(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.add(f)
	}
	return t, errors.Join(errs...)
}

func readEmbedded(name string) (*providerFile, error) {
	data, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("pricing: read embedded %s: %w", name, err)
	}
	return parseFile(name, data)
}

// Load returns the embedded table overlaid with the user rate file at path
// (CONTRACT 18.11, AGENTMONITOR_PRICING_FILE). The file has the shape of one
// embedded provider file:
//
//	{"provider":"...","lastUpdated":"...","models":{"<canonical name>":{
//	  "aliases":["..."],"inputCostPerMTok":3,"outputCostPerMTok":15,
//	  "cacheReadCostPerMTok":0.3,"cacheWriteCostPerMTok":3.75,"deprecated":false}}}
//
// A user entry replaces the embedded entry of the same canonical name (the
// embedded aliases of that name then resolve to the user rate), and a user
// alias replaces an embedded alias of the same name. inputCostPerMTok and
// outputCostPerMTok are required; the cache rates default to 0.
//
// Load fails, leaving the caller to fall back to [Default], if the file cannot
// be read, is not valid JSON, has no "models" object, has a missing or
// negative rate, an empty name, a name starting with a prefix that lookups
// strip ("anthropic/", "openai/", "google/"), an alias claimed twice or equal
// to a canonical name in the file, or an alias equal to an embedded canonical
// name (which would never match, since canonical names win; override that
// model by its canonical name instead).
func Load(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pricing: read %s: %w", path, err)
	}
	f, err := parseFile(path, data)
	if err != nil {
		return nil, err
	}
	base := Default()
	for _, m := range f.models {
		for _, a := range m.aliases {
			// (An alias equal to a canonical name of the same file was
			// already rejected by parseFile.)
			if _, ok := base.models[a]; ok {
				return nil, fmt.Errorf("pricing: %s: model %q: alias %q is a built-in canonical model name and would never match; override %q by its canonical name instead", path, m.rate.Model, a, a)
			}
		}
	}
	t := &Table{
		models:  make(map[string]*entry, len(base.models)+len(f.models)),
		aliases: make(map[string]string, len(base.aliases)),
	}
	for k, v := range base.models {
		t.models[k] = v
	}
	for k, v := range base.aliases {
		t.aliases[k] = v
	}
	t.add(f)
	return t, nil
}

// add merges a parsed file into t: its canonical names replace existing
// ones, then its aliases replace existing aliases.
func (t *Table) add(f *providerFile) {
	for _, m := range f.models {
		t.models[m.rate.Model] = newEntry(m.rate)
	}
	for _, m := range f.models {
		for _, a := range m.aliases {
			t.aliases[a] = m.rate.Model
		}
	}
}

// fileJSON is the on-disk shape of a provider file (CONTRACT 10.1).
type fileJSON struct {
	Provider    string               `json:"provider"`
	LastUpdated string               `json:"lastUpdated"`
	Models      map[string]modelJSON `json:"models"`
}

type modelJSON struct {
	Aliases    []string `json:"aliases"`
	Input      *float64 `json:"inputCostPerMTok"`
	Output     *float64 `json:"outputCostPerMTok"`
	CacheRead  *float64 `json:"cacheReadCostPerMTok"`
	CacheWrite *float64 `json:"cacheWriteCostPerMTok"`
	Deprecated bool     `json:"deprecated"`
}

// providerFile is a validated provider file.
type providerFile struct {
	provider    string
	lastUpdated string
	models      []parsedModel // sorted by canonical name
}

type parsedModel struct {
	rate    Rate
	aliases []string
}

// parseFile decodes and validates one provider file; name is used in errors.
func parseFile(name string, data []byte) (*providerFile, error) {
	var raw fileJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("pricing: parse %s: %w", name, err)
	}
	if raw.Models == nil {
		return nil, fmt.Errorf("pricing: parse %s: missing \"models\" object", name)
	}
	f := &providerFile{
		provider:    raw.Provider,
		lastUpdated: raw.LastUpdated,
		models:      make([]parsedModel, 0, len(raw.Models)),
	}
	names := make([]string, 0, len(raw.Models))
	for n := range raw.Models {
		names = append(names, n)
	}
	slices.Sort(names)
	aliasOwner := map[string]string{}
	for _, n := range names {
		m := raw.Models[n]
		if err := checkName(n); err != nil {
			return nil, fmt.Errorf("pricing: %s: model %q: %w", name, n, err)
		}
		rate := Rate{Model: n, Provider: raw.Provider, Deprecated: m.Deprecated}
		for _, fld := range []struct {
			key      string
			v        *float64
			dst      *float64
			required bool
		}{
			{"inputCostPerMTok", m.Input, &rate.Input, true},
			{"outputCostPerMTok", m.Output, &rate.Output, true},
			{"cacheReadCostPerMTok", m.CacheRead, &rate.CacheRead, false},
			{"cacheWriteCostPerMTok", m.CacheWrite, &rate.CacheWrite, false},
		} {
			switch {
			case fld.v == nil && fld.required:
				return nil, fmt.Errorf("pricing: %s: model %q: missing %s", name, n, fld.key)
			case fld.v == nil:
			case *fld.v < 0:
				return nil, fmt.Errorf("pricing: %s: model %q: negative %s %v", name, n, fld.key, *fld.v)
			default:
				*fld.dst = *fld.v
			}
		}
		for _, a := range m.Aliases {
			if err := checkName(a); err != nil {
				return nil, fmt.Errorf("pricing: %s: model %q: alias %q: %w", name, n, a, err)
			}
			if _, ok := raw.Models[a]; ok {
				return nil, fmt.Errorf("pricing: %s: model %q: alias %q is also a canonical model name", name, n, a)
			}
			if prev, ok := aliasOwner[a]; ok {
				return nil, fmt.Errorf("pricing: %s: alias %q claimed by both %q and %q", name, a, prev, n)
			}
			aliasOwner[a] = n
		}
		f.models = append(f.models, parsedModel{rate: rate, aliases: slices.Clone(m.Aliases)})
	}
	return f, nil
}

// checkName rejects names a lookup could never match.
func checkName(n string) error {
	if n == "" {
		return errors.New("empty name")
	}
	if normalize(n) != n {
		return errors.New(`name starts with "anthropic/", "openai/" or "google/", which lookups strip`)
	}
	return nil
}

// Known reports whether the table has a rate for model.
func (t *Table) Known(model string) bool { return t.find(model) != nil }
