package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIgnoredEnv: a value that cannot be used falls back to the default (CONTRACT 12) and is
// listed for the server's log; an unset variable is not.
func TestIgnoredEnv(t *testing.T) {
	importEnv(t)
	t.Setenv("AGENTMONITOR_PORT", "abc")
	t.Setenv("AGENTMONITOR_RETENTION_DAYS", "-3")
	t.Setenv("AGENTMONITOR_SESSION_COST_LIMIT_CODEX", "lots")
	t.Setenv("AGENTMONITOR_SESSION_TIMEOUT", "")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != "3141" || cfg.API.Retention != 0 {
		t.Errorf("port %s, retention %v: want the defaults", cfg.Port, cfg.API.Retention)
	}
	got := ignoredEnv()
	for _, want := range []string{`AGENTMONITOR_PORT="abc" is not a whole number of at least 1; using 3141`,
		`AGENTMONITOR_RETENTION_DAYS="-3"`, `AGENTMONITOR_SESSION_COST_LIMIT_CODEX="lots"`} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("ignored %q, want a line starting %q", got, want)
		}
	}
	if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "SESSION_TIMEOUT") }) {
		t.Errorf("an empty variable is reported: %q", got)
	}
	t.Setenv("AGENTMONITOR_RETENTION_DAYS", "1000000")
	if cfg, _ := loadConfig(); cfg.API.Retention != 36500*24*time.Hour {
		t.Errorf("retention of a million days: %v, want a century", cfg.API.Retention)
	}
}
