package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/kv"
)

func runCosts(t *testing.T, out any, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"costs"}, args...), &stdout, &stderr); err != nil {
		t.Fatalf("costs %v: %v\n%s%s", args, err, stdout.String(), stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("costs %v: %v: %q", args, err, stdout.String())
		}
	}
	return stdout.String() + stderr.String()
}

func writeRates(t *testing.T, path, models string) {
	t.Helper()
	body := `{"provider":"mine","lastUpdated":"2026-11-27","models":{` + models + `}}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

// TestCostsRecalcLocal prices the Codex fixtures, gives an unpriced model a rate and changes
// another's through the user file, and checks that the totals become what the new rates make of
// the fixtures' token counts (EXPECTED.md 2.2).
func TestCostsRecalcLocal(t *testing.T) {
	fx := importFixtures(t)
	db := importEnv(t)
	if sum, out, err := runImport(t, "--source", "codex", "--codex-dir", filepath.Join(fx, "codex"), "--json"); err != nil || sum.EventsImported != 43 {
		t.Fatalf("import: %v %+v\n%s", err, sum, out)
	}
	totals := func() (all float64, bySession map[string]float64) {
		t.Helper()
		s, err := kv.Open(kv.Options{Path: db, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Verify(); err != nil {
			t.Errorf("verify: %v", err)
		}
		st, err := s.Stats(kv.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		bySession = map[string]float64{}
		for _, id := range []string{"019bb315-7816-7d59-94df-446d41473a77", "019d0143-bc30-71b7-8fde-d2df004959fa", "019d0dd6-7307-7077-a123-d57ab425a779"} {
			sess, err := s.Session(id)
			if err != nil {
				t.Fatal(err)
			}
			bySession[id[:8]] = sess.TotalCostUSD
		}
		return st.TotalCostUSD, bySession
	}
	if all, _ := totals(); !approx(all, 0.17805025) {
		t.Fatalf("imported cost %v, want 0.17805025 (EXPECTED.md 2.3)", all)
	}

	var un api.Unpriced
	runCosts(t, &un, "unpriced", "--json")
	// Most tokens first: gpt-5.4's one response (C3) outweighs gpt-5.2-codex's ten (C1).
	if len(un.Models) != 2 || un.PricingFile != "" || un.Models[0].Model != "gpt-5.4" || un.Models[1].Model != "gpt-5.2-codex" || un.Models[1].Events != 10 {
		t.Fatalf("unpriced: %+v", un.Models)
	}
	if out := runCosts(t, nil, "unpriced"); !strings.Contains(out, "gpt-5.2-codex") || !strings.Contains(out, "AGENTMONITOR_PRICING_FILE") {
		t.Errorf("unpriced, as text:\n%s", out)
	}

	rates := filepath.Join(t.TempDir(), "rates.json")
	writeRates(t, rates, `"gpt-5.2-codex":{"inputCostPerMTok":1,"outputCostPerMTok":10,"cacheReadCostPerMTok":0.1},
		"gpt-5.3-codex":{"inputCostPerMTok":2,"outputCostPerMTok":20,"cacheReadCostPerMTok":0.2}`)
	t.Setenv("AGENTMONITOR_PRICING_FILE", rates)

	var rep kv.RecalcReport
	runCosts(t, &rep, "recalc", "--dry-run", "--json")
	// 10 gpt-5.2-codex responses (C1), 7 gpt-5.3-codex (C2 5, C3 2); gpt-5.4 stays unpriced.
	if !rep.DryRun || rep.Changed != 17 || rep.Sessions != 3 || !approx(rep.Before, 0.17805025) || rep.PricingFile != rates {
		t.Fatalf("dry run: %+v", rep)
	}
	if all, _ := totals(); !approx(all, 0.17805025) {
		t.Fatalf("a dry run changed the cost to %v", all)
	}
	out := runCosts(t, nil, "recalc")
	if !strings.Contains(out, "Re-priced 17 of 18") || !strings.Contains(out, "gpt-5.2-codex") {
		t.Errorf("recalc, as text:\n%s", out)
	}
	// The sessions' tokens (EXPECTED.md 2.2) at the file's rates: in, out and cache read per MTok.
	c1 := 9046*1e-6 + 2455*10e-6 + 121344*0.1e-6
	c2 := 20215*2e-6 + 1834*20e-6 + 80768*0.2e-6
	c3 := 16776*2e-6 + 476*20e-6 + 11776*0.2e-6 // its gpt-5.3-codex part; gpt-5.4 has no rate
	all, by := totals()
	if !approx(all, c1+c2+c3) || !approx(by["019bb315"], c1) || !approx(by["019d0143"], c2) || !approx(by["019d0dd6"], c3) {
		t.Errorf("after recalc: total %v by session %v, want %v (%v, %v, %v)", all, by, c1+c2+c3, c1, c2, c3)
	}
	runCosts(t, &un, "unpriced", "--json")
	if len(un.Models) != 1 || un.Models[0].Model != "gpt-5.4" {
		t.Errorf("unpriced after: %+v", un.Models)
	}
	runCosts(t, &rep, "recalc", "--json")
	if rep.Changed != 0 {
		t.Errorf("second recalc changed %d events", rep.Changed)
	}

	// A mistyped database is not created.
	t.Setenv("AGENTMONITOR_DB_PATH", filepath.Join(t.TempDir(), "typo", "am.db"))
	var stdout, stderr bytes.Buffer
	if err := run([]string{"costs", "unpriced"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("costs on a missing database: %v", err)
	}
	t.Setenv("AGENTMONITOR_DB_PATH", db)
	for _, bad := range [][]string{{}, {"bogus"}, {"recalc", "--since", "yesterday"}, {"unpriced", "extra"}} {
		if err := run(append([]string{"costs"}, bad...), &stdout, &stderr); exitCode(err, io.Discard) != exitUsage {
			t.Errorf("costs %v: %v, want a usage error", bad, err)
		}
	}
	writeRates(t, rates, `"broken":{}`)
	if err := run([]string{"costs", "recalc"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), rates) {
		t.Errorf("a broken rate file: %v", err)
	}
}

// TestCostsRecalcServer: with a server running, the command asks it; the server reads the rate
// file again, re-prices, and prices new events with the new rate.
func TestCostsRecalcServer(t *testing.T) {
	db := importEnv(t)
	rates := filepath.Join(t.TempDir(), "rates.json")
	writeRates(t, rates, `"other-model":{"inputCostPerMTok":1,"outputCostPerMTok":1}`)
	srv := startQuickServer(t, db, "AGENTMONITOR_PRICING_FILE="+rates)
	t.Cleanup(func() { srv.stop(t) })
	t.Setenv("AGENTMONITOR_URL", srv.base)
	post := func(id string) {
		t.Helper()
		body := `{"event_id":"` + id + `","session_id":"s1","agent_type":"claude_code","event_type":"llm_response",` +
			`"model":"my-model","tokens_in":1000,"tokens_out":100}`
		resp, err := http.Post(srv.base+"/api/events", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("post: %d", resp.StatusCode)
		}
	}
	costs := func() []*float64 {
		t.Helper()
		resp, err := http.Get(srv.base + "/api/events?limit=10")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Events []struct {
				CostUSD *float64 `json:"cost_usd"`
			} `json:"events"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
		out := make([]*float64, len(page.Events))
		for i, e := range page.Events {
			out[i] = e.CostUSD
		}
		return out
	}
	post("e1")
	if c := costs(); len(c) != 1 || c[0] != nil {
		t.Fatalf("an unknown model was priced: %v", c)
	}
	var un api.Unpriced
	if out := runCosts(t, &un, "unpriced", "--json"); len(un.Models) != 1 || un.Models[0].Model != "my-model" ||
		un.PricingFile != rates || !strings.Contains(out, "asking the server") {
		t.Fatalf("unpriced: %+v\n%s", un, out)
	}
	// This shell names another rate file than the server's: the command says so.
	t.Setenv("AGENTMONITOR_PRICING_FILE", filepath.Join(t.TempDir(), "other.json"))
	if out := runCosts(t, nil, "unpriced"); !strings.Contains(out, "the server reads the rate file") {
		t.Errorf("no note about the server's rate file:\n%s", out)
	}

	writeRates(t, rates, `"my-model":{"inputCostPerMTok":3,"outputCostPerMTok":15}`)
	want := 1000*3e-6 + 100*15e-6
	var rep kv.RecalcReport
	runCosts(t, &rep, "recalc", "--json")
	if rep.Changed != 1 || !approx(rep.After, want) {
		t.Fatalf("recalc through the server: %+v", rep)
	}
	post("e2")
	c := costs()
	if len(c) != 2 || c[0] == nil || c[1] == nil || !approx(*c[0], want) || !approx(*c[1], want) {
		t.Errorf("costs after recalc and a new event: %v", c)
	}
}
