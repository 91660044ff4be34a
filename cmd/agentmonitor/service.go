package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/agentmonitor/agentmonitor/service"
)

const serviceUsage = `usage: agentmonitor service install|uninstall|status [flags]

Runs the server as this user's background service: it starts at login and again after a failure.

  install     write the service definition, then load and start it
  uninstall   stop the service and remove its definition
  status      say whether the server runs, where it listens, its version, the database path
              and size (exit 3 when no server answers)

Linux: a systemd user unit, ~/.config/systemd/user/agentmonitor.service, logging to the journal
(journalctl --user -u agentmonitor). A user unit runs while you are logged in; run
"loginctl enable-linger" to keep it running without a session.
macOS: a launchd agent, ~/Library/LaunchAgents/com.github.agentmonitor.agentmonitor.plist, logging
to ~/Library/Logs/agentmonitor/agentmonitor.log.

The service runs "<this binary> serve" in your home directory with the AGENTMONITOR_* variables
(and XDG_DATA_HOME, CODEX_HOME, CLAUDE_CONFIG_DIR) set when install runs, relative paths made
absolute; install again after changing them or moving the binary. The definition is readable by
you only, as it may hold AGENTMONITOR_TOKEN. systemctl or launchctl runs only when it is on PATH;
otherwise the file is written and the command to load it is printed.
`

// serviceCmd is `agentmonitor service`.
func serviceCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("service", flag.ContinueOnError)
	binary := flags.String("binary", "", "install: the agentmonitor binary the service runs (default: this one)")
	wait := flags.Duration("wait", 10*time.Second, "install: how long to wait for the started server to answer")
	pos, err := parseFlags(flags, args, serviceUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("service: name one command: install, uninstall or status (see agentmonitor service --help)")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	m := service.Manager{GOOS: runtime.GOOS, Home: home, UID: os.Getuid()}
	ctx := context.Background()
	switch pos[0] {
	case "install":
		return serviceInstall(ctx, m, *binary, *wait, stdout)
	case "uninstall":
		res, err := m.Uninstall(ctx)
		if errors.Is(err, service.ErrNotInstalled) {
			fmt.Fprintf(stdout, "service: not installed (no %s)\n", res.Path)
			return nil
		}
		printRan(stdout, res)
		if res.Changed {
			fmt.Fprintf(stdout, "service: removed %s\n", res.Path)
		}
		return err
	case "status":
		return serviceStatus(ctx, m, stdout)
	}
	return usageErrorf("service: unknown command %q (install, uninstall or status)", pos[0])
}

func serviceInstall(ctx context.Context, m service.Manager, binary string, wait time.Duration, stdout io.Writer) error {
	if _, err := m.Path(); err != nil {
		return fmt.Errorf("%w: run \"agentmonitor serve\" at logon instead (Task Scheduler on Windows)", err)
	}
	// A configuration the server refuses (a non-loopback host without a token) would only make
	// the service fail over and over.
	if _, err := loadConfig(); err != nil {
		return err
	}
	exe, err := serviceBinary(binary)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	env, err := service.Passthrough(os.Environ(), wd)
	if err != nil {
		return err
	}
	base, token := serverURL(), os.Getenv("AGENTMONITOR_TOKEN")
	client := &http.Client{Timeout: 2 * time.Second}
	if st, _ := m.Status(ctx); !st.Installed {
		if h, err := service.Probe(ctx, client, base, token); err == nil {
			fmt.Fprintf(stdout, "service: note: a server (version %s) already answers at %s; the service cannot start beside it until it stops\n", h.Version, base)
		}
	}
	res, err := m.Install(ctx, service.Definition{Executable: exe, Env: env})
	if res.Path != "" {
		if res.Changed {
			fmt.Fprintf(stdout, "service: wrote %s (it runs %s serve)\n", res.Path, exe)
		} else {
			fmt.Fprintf(stdout, "service: %s is up to date\n", res.Path)
		}
	}
	printRan(stdout, res)
	if err != nil {
		return err
	}
	if res.Skipped != "" {
		fmt.Fprintf(stdout, "service: %s, so nothing was started; to start it:\n  %s\n", res.Skipped, loadCommand(m, res.Path))
		return nil
	}
	deadline := time.Now().Add(wait)
	for {
		h, err := service.Probe(ctx, client, base, token)
		if err == nil {
			fmt.Fprintf(stdout, "service: the server answers at %s (version %s)\n", base, h.Version)
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(stdout, "service: no answer at %s yet; its log: %s\n", base, logHint(m))
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serviceBinary is the absolute, symlink-free path of the binary to run: bin, or this one. A
// temporary build of "go run" would be deleted, so it is refused.
func serviceBinary(bin string) (string, error) {
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("service: find this binary: %w (pass --binary)", err)
		}
		if strings.Contains(filepath.ToSlash(exe), "/go-build") {
			return "", errors.New("service: this is a temporary build of go run; install from a built binary (make build, then bin/agentmonitor service install) or pass --binary")
		}
		bin = exe
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("service: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("service: the binary: %w", err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 && runtime.GOOS != "windows" {
		return "", fmt.Errorf("service: %s is not an executable file", abs)
	}
	return abs, nil
}

func printRan(stdout io.Writer, res service.Result) {
	for _, c := range res.Ran {
		fmt.Fprintf(stdout, "service: ran %s\n", c)
	}
}

// loadCommand is what the user types to load the written definition.
func loadCommand(m service.Manager, path string) string {
	if m.GOOS == "darwin" {
		return fmt.Sprintf("launchctl bootstrap gui/%d %s", m.UID, path)
	}
	return "systemctl --user daemon-reload && systemctl --user enable --now " + service.Unit
}

func logHint(m service.Manager) string {
	if m.GOOS == "darwin" {
		return filepath.Join(service.LogDir(m.Home), service.LogName)
	}
	return "journalctl --user -u " + strings.TrimSuffix(service.Unit, ".service")
}

// serviceStatus prints the service's state, the server's answer and the database; no answer is
// exit 3.
func serviceStatus(ctx context.Context, m service.Manager, stdout io.Writer) error {
	switch st, err := m.Status(ctx); {
	case errors.Is(err, service.ErrUnsupported):
		fmt.Fprintf(stdout, "service:  none on %s\n", m.GOOS)
	case err != nil:
		return err
	case !st.Installed:
		fmt.Fprintf(stdout, "service:  not installed (%s)\n", st.Path)
	default:
		state := st.Manager
		if st.Enabled != "" {
			state += ", " + st.Enabled
		}
		if st.Skipped != "" {
			state = st.Skipped
		}
		fmt.Fprintf(stdout, "service:  installed, %s: %s (%s)\n", m.Tool(), state, st.Path)
	}
	base := serverURL()
	h, probeErr := service.Probe(ctx, &http.Client{Timeout: 3 * time.Second}, base, os.Getenv("AGENTMONITOR_TOKEN"))
	if probeErr == nil {
		up := (time.Duration(h.Uptime) * time.Second).String()
		fmt.Fprintf(stdout, "server:   running at %s, version %s, up %s, %d events stored\n", base, h.Version, up, h.EventsStored)
	} else {
		fmt.Fprintf(stdout, "server:   not running at %s\n", base)
		if !errors.Is(probeErr, service.ErrNotRunning) {
			fmt.Fprintf(stdout, "          %v\n", probeErr)
		}
	}
	db, err := dbPath()
	if err != nil {
		return err
	}
	size := byteSize(h.DBSizeBytes)
	if probeErr != nil {
		size = "not created yet"
		if fi, err := os.Stat(db); err == nil {
			size = byteSize(fi.Size())
		}
	}
	fmt.Fprintf(stdout, "database: %s, %s\n", db, size)
	fmt.Fprintf(stdout, "binary:   version %s (commit %s)\n", version, commit)
	if probeErr != nil {
		return &exitError{code: exitNotRunning}
	}
	return nil
}

// byteSize is n in B, KB, MB or GB (powers of 1024), as people read sizes.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, suffix := float64(n), "B"
	for _, s := range []string{"KB", "MB", "GB", "TB"} {
		if f < unit {
			break
		}
		f, suffix = f/unit, s
	}
	return fmt.Sprintf("%.1f %s", f, suffix)
}
