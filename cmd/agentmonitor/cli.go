package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Exit statuses of every command (README "Exit codes").
const (
	exitOK           = 0
	exitFailure      = 1 // the command failed; the reason is on stderr
	exitUsage        = 2 // unknown command, flag or argument
	exitNotInstalled = 3 // hooks status: some hook entry is missing or outdated
	exitNotRunning   = 3 // service status: no server answers
)

// exitError ends the process with a status other than exitFailure.
type exitError struct {
	code int
	err  error // printed on stderr when not nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit status " + strconv.Itoa(e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode prints what err says, if anything, and returns the exit status for it: 0 for nil and
// for --help (flag.ErrHelp), the code of an *exitError, else exitFailure.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.err != nil {
			fmt.Fprintln(stderr, "agentmonitor:", e.err)
		}
		return e.code
	}
	fmt.Fprintln(stderr, "agentmonitor:", err)
	return exitFailure
}

// parseFlags parses the flags of fs wherever they stand among args and returns the other
// arguments in order. --help prints usage and the flags to stdout and returns flag.ErrHelp; a bad
// flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var rest []string
	for {
		if len(args) > 0 && args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usage)
				hasFlags := false
				fs.VisitAll(func(*flag.Flag) { hasFlags = true })
				if hasFlags {
					fmt.Fprintln(stdout, "\nFlags:")
					fs.SetOutput(stdout)
					fs.PrintDefaults()
				}
				return nil, flag.ErrHelp
			}
			return nil, usageErrorf("%s: %v (see agentmonitor %s --help)", fs.Name(), err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// serverURL is the base URL of the server the command line talks to: AGENTMONITOR_URL, else the
// address the server listens on by default (AGENTMONITOR_HOST and AGENTMONITOR_PORT, with a
// wildcard host reached on the loopback address).
func serverURL() string {
	if u := strings.TrimRight(strings.TrimSpace(os.Getenv("AGENTMONITOR_URL")), "/"); u != "" {
		return u
	}
	host := strings.Trim(os.Getenv("AGENTMONITOR_HOST"), "[]")
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.FormatInt(envInt("AGENTMONITOR_PORT", 3141, 1), 10))
}

// authorize adds the bearer token the server requires when AGENTMONITOR_TOKEN is set (CONTRACT 18.7).
func authorize(req *http.Request) {
	if tok := os.Getenv("AGENTMONITOR_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}

// dbPath is the database file as the server finds it: AGENTMONITOR_DB_PATH, else agentmonitor.db
// in the data directory (the rule of loadConfig).
func dbPath() (string, error) {
	if p := os.Getenv("AGENTMONITOR_DB_PATH"); p != "" {
		return p, nil
	}
	dir, err := dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "agentmonitor.db"), nil
}

// usage is what `agentmonitor help` and `agentmonitor --help` print.
const usage = `usage: agentmonitor [COMMAND] [flags]

Commands:
  serve                          run the server on 127.0.0.1:3141 (the default command)
  hook [EVENT]                   Claude Code's hook command: send the event on stdin to the server
  hooks install|uninstall|status|print claude
                                 connect Claude Code through its settings.json
  hooks print codex              print the ~/.codex/config.toml block that connects Codex
  import [flags]                 import Claude Code and Codex history
  backup [--db PATH] FILE        write a consistent copy of the database to FILE
  restore [--db PATH] [--force] FILE
                                 put a backup in place of the database
  service install|uninstall|status
                                 run the server as a background service (systemd, launchd)
  reindex [--db PATH]            rebuild the search index from the database
  costs recalc [--since DATE] [--dry-run] [--json]
                                 re-price stored events from the current rate table
  costs unpriced [--json]        list the models of stored events that have no rate
  compact [--db PATH]            rewrite the database without its free pages
  version                        print version, commit and Go version
  help                           print this

Every command takes --help. Exit status: 0 success, 1 failure (the reason is on stderr), 2 a
wrong command, flag or argument, 3 "hooks status" found a hook event not connected or
"service status" found no server running. The hook command always exits 0.
`

// versionCmd is `agentmonitor version`.
func versionCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, err := parseFlags(flags, args, "usage: agentmonitor version\n\nPrints the version, the commit it was built from and the Go version.\n", stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("version: unexpected %q", pos[0])
	}
	fmt.Fprintf(stdout, "agentmonitor %s (commit %s, %s)\n", version, commit, runtime.Version())
	return nil
}

// callServer sends body (nil: none) as JSON to the server at base and decodes its JSON reply into
// out. An error names the server and carries the server's own error message when it gave one.
func callServer(ctx context.Context, base, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(reply, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", base, e.Error)
		}
		return fmt.Errorf("%s: status %d", base, resp.StatusCode)
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("%s: bad reply: %w", base, err)
	}
	return nil
}

// runningServer probes the server the command line talks to (serverURL): whether one answers
// /api/health, and an error when one answers but refuses or fails.
func runningServer(ctx context.Context) (base string, up bool, err error) {
	base = serverURL()
	up, err = serverAnswers(ctx, base)
	return base, up, err
}

// serverAnswers reports whether an AgentMonitor server answers /api/health at base. A server that
// answers but refuses the request (a token is needed) is an error that says so.
func serverAnswers(ctx context.Context, base string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/health", nil)
	if err != nil {
		return false, fmt.Errorf("server address %q: %w", base, err)
	}
	authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return false, fmt.Errorf("the server at %s refuses the request (%s): set AGENTMONITOR_TOKEN to its token", base, resp.Status)
	}
	return false, fmt.Errorf("the server at %s answers /api/health with %s", base, resp.Status)
}

// existingDB is the database file a command works on: path (a --db flag) or, when it is empty,
// the one the server uses (dbPath). A file that does not exist is an error: a mistyped path must
// not become a new, empty database.
func existingDB(path string) (string, error) {
	if path == "" {
		var err error
		if path, err = dbPath(); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no database: %w", err)
	}
	return path, nil
}
