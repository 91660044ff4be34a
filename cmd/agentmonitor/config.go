package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/agentmonitor/agentmonitor/api"
	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/hooks"
)

// config is everything the server reads from AGENTMONITOR_* (CONTRACT 12, 18.11).
type config struct {
	Host, Port  string
	DataDir     string
	DBPath      string
	PricingFile string
	API         api.Config
}

// envInt reads an integer variable like JavaScript parseInt; missing, empty, unparseable or
// below-minimum values fall back to the default (CONTRACT 12). A value set but not used is noted
// for ignoredEnv.
func envInt(name string, def, minimum int64) int64 {
	raw := os.Getenv(name)
	v, ok := contract.ParseInt(raw)
	if !ok || v < minimum {
		noteIgnored(name, raw, fmt.Sprintf("not a whole number of at least %d; using %d", minimum, def))
		return def
	}
	return v
}

func envFloat(name string, def float64) float64 {
	raw := os.Getenv(name)
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || v < 0 {
		noteIgnored(name, raw, fmt.Sprintf("not a number of at least 0; using %g", def))
		return def
	}
	return v
}

var (
	ignoredMu sync.Mutex
	ignored   = map[string]string{} // variable → why its value was not used
)

func noteIgnored(name, raw, why string) {
	if strings.TrimSpace(raw) == "" {
		return // unset: the default is meant
	}
	ignoredMu.Lock()
	ignored[name] = fmt.Sprintf("%s=%q is %s", name, raw, why)
	ignoredMu.Unlock()
}

// ignoredEnv lists, sorted, the variables whose values were set but not used: the server logs
// them, so AGENTMONITOR_PORT=abc does not quietly mean 3141.
func ignoredEnv() []string {
	ignoredMu.Lock()
	defer ignoredMu.Unlock()
	out := make([]string, 0, len(ignored))
	for _, why := range ignored {
		out = append(out, why)
	}
	sort.Strings(out)
	return out
}

func loadConfig() (config, error) {
	c := config{
		Host:        envString("AGENTMONITOR_HOST", "127.0.0.1"),
		Port:        strconv.FormatInt(envInt("AGENTMONITOR_PORT", 3141, 1), 10),
		PricingFile: os.Getenv("AGENTMONITOR_PRICING_FILE"),
		API:         api.DefaultConfig(),
	}
	dir, err := dataDir()
	if err != nil {
		return c, err
	}
	c.DataDir = dir
	c.DBPath = envString("AGENTMONITOR_DB_PATH", filepath.Join(dir, "agentmonitor.db"))

	a := &c.API
	a.Version = version
	a.SpoolPath = filepath.Join(dir, hooks.SpoolName)
	a.MaxPayloadBytes = int(envInt("AGENTMONITOR_MAX_PAYLOAD_KB", 10, 0) * 1024)
	timeout := envInt("AGENTMONITOR_SESSION_TIMEOUT", 5, 1)
	a.SessionTimeout = time.Duration(timeout) * time.Minute
	autoImport := envInt("AGENTMONITOR_AUTO_IMPORT_MINUTES", 10, 0)
	w := timeout * 6
	if autoImport > 0 {
		w = autoImport * 3
	}
	a.HistoricalWindow = time.Duration(max(30, w)) * time.Minute
	a.AutoImportEvery = time.Duration(autoImport) * time.Minute
	if autoImport > 0 {
		a.AutoImportWatch = 2 * time.Second
	}
	a.ClaudeDir, a.CodexDir = agentDirs()
	a.StatsInterval = time.Duration(envInt("AGENTMONITOR_STATS_INTERVAL", 5000, 250)) * time.Millisecond
	if n := envInt("AGENTMONITOR_MAX_SSE_CLIENTS", 50, 0); n > 0 {
		a.MaxSSEClients = int(n)
	}
	a.HeartbeatInterval = time.Duration(envInt("AGENTMONITOR_SSE_HEARTBEAT_MS", 30000, 1000)) * time.Millisecond
	a.ProjectsDir, err = projectsDir()
	if err != nil {
		return c, err
	}
	// A century at most: more would overflow a time.Duration.
	a.Retention = time.Duration(min(envInt("AGENTMONITOR_RETENTION_DAYS", 0, 0), 36500)) * 24 * time.Hour
	a.Token = os.Getenv("AGENTMONITOR_TOKEN")
	for _, o := range strings.Split(os.Getenv("AGENTMONITOR_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			a.CORSOrigins = append(a.CORSOrigins, o)
		}
	}

	window := envInt("AGENTMONITOR_SESSION_WINDOW_HOURS", 5, 1)
	a.Usage = []api.UsageLimits{{
		AgentType:     "claude_code",
		LimitType:     "tokens",
		SessionHours:  int(envInt("AGENTMONITOR_SESSION_WINDOW_HOURS_CLAUDE_CODE", window, 1)),
		SessionLimit:  float64(envInt("AGENTMONITOR_SESSION_TOKEN_LIMIT_CLAUDE_CODE", 44000, 0)),
		ExtendedHours: int(envInt("AGENTMONITOR_EXTENDED_WINDOW_HOURS_CLAUDE_CODE", 24, 1)),
		ExtendedLimit: float64(envInt("AGENTMONITOR_EXTENDED_TOKEN_LIMIT_CLAUDE_CODE", 0, 0)),
		WeeklyHours:   int(envInt("AGENTMONITOR_WEEKLY_WINDOW_HOURS_CLAUDE_CODE", 168, 1)),
		WeeklyLimit:   float64(envInt("AGENTMONITOR_WEEKLY_TOKEN_LIMIT_CLAUDE_CODE", 293000, 0)),
	}, {
		AgentType:     "codex",
		LimitType:     "cost",
		SessionHours:  int(envInt("AGENTMONITOR_SESSION_WINDOW_HOURS_CODEX", window, 1)),
		SessionLimit:  envFloat("AGENTMONITOR_SESSION_COST_LIMIT_CODEX", 500),
		ExtendedHours: int(envInt("AGENTMONITOR_EXTENDED_WINDOW_HOURS_CODEX", 168, 1)),
		ExtendedLimit: envFloat("AGENTMONITOR_EXTENDED_COST_LIMIT_CODEX", 1500),
		WeeklyHours:   168,
	}}

	if a.Token == "" && !loopbackBind(c.Host) {
		return c, fmt.Errorf("AGENTMONITOR_HOST=%s is not a loopback address: set AGENTMONITOR_TOKEN to serve beyond this machine", c.Host)
	}
	return c, nil
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func loopbackBind(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// dataDir is AGENTMONITOR_DATA_DIR, else the per-user data directory of the platform.
func dataDir() (string, error) {
	if d := os.Getenv("AGENTMONITOR_DATA_DIR"); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "agentmonitor"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find data directory: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "agentmonitor"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "agentmonitor"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("find data directory: set AGENTMONITOR_DATA_DIR or HOME")
	}
	return filepath.Join(home, ".local", "share", "agentmonitor"), nil
}

// projectsDir is AGENTMONITOR_PROJECTS_DIR, else the parent of the AgentMonitor checkout the
// working directory is in (a go.mod whose module path ends in /agentmonitor), else the working
// directory (CONTRACT 12.1, 18.11).
func projectsDir() (string, error) {
	if d := os.Getenv("AGENTMONITOR_PROJECTS_DIR"); d != "" {
		return filepath.Abs(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("projects directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if p := modfile.ModulePath(b); p == "agentmonitor" || strings.HasSuffix(p, "/agentmonitor") {
				return filepath.Dir(dir), nil
			}
		}
		if filepath.Dir(dir) == dir {
			return wd, nil
		}
	}
}

// agentDirs are the importer's defaults (CONTRACT 18.11): the Claude root from
// AGENTMONITOR_CLAUDE_DIR, else CLAUDE_CONFIG_DIR, else ~/.claude; the Codex home from CODEX_HOME,
// else ~/.codex. Without a home directory a source with no variable is left out.
func agentDirs() (claude, codex string) {
	home, _ := os.UserHomeDir()
	def := func(name string) string {
		if home == "" {
			return ""
		}
		return filepath.Join(home, name)
	}
	claude = envString("AGENTMONITOR_CLAUDE_DIR", envString("CLAUDE_CONFIG_DIR", def(".claude")))
	codex = envString("CODEX_HOME", def(".codex"))
	return claude, codex
}
