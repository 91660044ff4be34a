package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Manager installs, removes and inspects the service of one user on one operating system.
type Manager struct {
	GOOS string // "linux" (systemd), "darwin" (launchd); anything else is ErrUnsupported
	Home string // the user's home directory
	UID  int    // the user's id: launchd's gui/<uid> domain
}

// Result says what Install or Uninstall did.
type Result struct {
	Path    string   // the unit file or property list written or removed
	Changed bool     // the file's bytes changed (written anew, or removed)
	Ran     []string // the service manager commands that ran, as they would be typed
	Skipped string   // why no service manager command ran ("" when they did)
}

// State is what Status finds.
type State struct {
	Path      string // where the definition is, or would be
	Installed bool   // the definition file exists
	Manager   string // the service manager's word for the service: "active", "inactive", "failed", "running", "not loaded"...
	Enabled   string // systemd only: "enabled", "disabled"...
	Skipped   string // why the service manager was not asked ("" when it was)
}

// Path is the definition's path, or ErrUnsupported.
func (m Manager) Path() (string, error) {
	switch m.GOOS {
	case "linux":
		return UnitPath(m.Home), nil
	case "darwin":
		return PlistPath(m.Home), nil
	}
	return "", fmt.Errorf("%w (%s)", ErrUnsupported, m.GOOS)
}

// Tool is the service manager's command for the system, "" for an unsupported one.
func (m Manager) Tool() string {
	switch m.GOOS {
	case "linux":
		return "systemctl"
	case "darwin":
		return "launchctl"
	}
	return ""
}

// Install writes the definition of d (0600: it may hold AGENTMONITOR_TOKEN) and, when the service
// manager is on PATH, has it load the definition, start the service at login and start it now
// (restart it when the definition changed). A failing manager command is an error; the file stays.
func (m Manager) Install(ctx context.Context, d Definition) (Result, error) {
	path, err := m.Path()
	if err != nil {
		return Result{}, err
	}
	if !filepath.IsAbs(d.Executable) {
		return Result{}, fmt.Errorf("service: the binary's path %q is not absolute", d.Executable)
	}
	d.Home = m.Home
	content := Systemd(d)
	if m.GOOS == "darwin" {
		content = Launchd(d)
		if err := os.MkdirAll(LogDir(m.Home), 0o755); err != nil {
			return Result{}, fmt.Errorf("service: create the log folder: %w", err)
		}
	}
	res := Result{Path: path}
	old, err := os.ReadFile(path)
	res.Changed = err != nil || !bytes.Equal(old, content)
	if res.Changed {
		if err := writeFile(path, content); err != nil {
			return res, err
		}
	}
	tool, ok := m.lookTool(&res.Skipped)
	if !ok {
		return res, nil
	}
	var steps [][]string
	switch m.GOOS {
	case "linux":
		start := "start"
		if res.Changed {
			start = "restart"
		}
		steps = [][]string{{"--user", "daemon-reload"}, {"--user", "enable", Unit}, {"--user", start, Unit}}
	case "darwin":
		if m.launchdLoaded(ctx, tool) {
			if !res.Changed {
				return res, nil
			}
			// A loaded agent keeps its old definition until it is booted out.
			if err := run(ctx, &res, tool, "bootout", m.target()); err != nil {
				return res, err
			}
		}
		steps = [][]string{{"bootstrap", m.domain(), path}}
	}
	for _, args := range steps {
		if err := run(ctx, &res, tool, args...); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Uninstall stops the service, removes it from the service manager when that is on PATH, and
// deletes the definition. Without a definition it returns ErrNotInstalled. A failing manager
// command does not keep the file: it is removed, and the failure returned.
func (m Manager) Uninstall(ctx context.Context) (Result, error) {
	path, err := m.Path()
	if err != nil {
		return Result{}, err
	}
	res := Result{Path: path}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return res, ErrNotInstalled
	}
	tool, ok := m.lookTool(&res.Skipped)
	var failed error
	if ok {
		switch m.GOOS {
		case "linux":
			failed = run(ctx, &res, tool, "--user", "disable", "--now", Unit)
		case "darwin":
			if m.launchdLoaded(ctx, tool) {
				failed = run(ctx, &res, tool, "bootout", m.target())
			}
		}
	}
	if err := os.Remove(path); err != nil {
		return res, errors.Join(failed, fmt.Errorf("service: remove %s: %w", path, err))
	}
	res.Changed = true
	if ok && m.GOOS == "linux" && failed == nil {
		failed = run(ctx, &res, tool, "--user", "daemon-reload")
	}
	return res, failed
}

// Status says whether the definition is installed and, when the service manager is on PATH, what
// the manager says of the service. A manager that cannot answer (no user bus) is reported in
// State.Skipped, not as an error.
func (m Manager) Status(ctx context.Context) (State, error) {
	path, err := m.Path()
	if err != nil {
		return State{}, err
	}
	st := State{Path: path}
	if _, err := os.Stat(path); err == nil {
		st.Installed = true
	}
	tool, ok := m.lookTool(&st.Skipped)
	if !ok {
		return st, nil
	}
	switch m.GOOS {
	case "linux":
		// is-active and is-enabled print their answer and exit non-zero for "inactive",
		// "disabled" and the like: the word is what counts.
		active, err := output(ctx, tool, "--user", "is-active", Unit)
		if active == "" && err != nil {
			st.Skipped = fmt.Sprintf("%s --user is-active: %v", filepath.Base(tool), err)
			return st, nil
		}
		st.Manager = active
		st.Enabled, _ = output(ctx, tool, "--user", "is-enabled", Unit)
	case "darwin":
		out, err := output(ctx, tool, "print", m.target())
		if err != nil {
			st.Manager = "not loaded"
			return st, nil
		}
		st.Manager = "loaded"
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "state = "); ok {
				st.Manager = v
				break
			}
		}
	}
	return st, nil
}

func (m Manager) domain() string { return "gui/" + strconv.Itoa(m.UID) }
func (m Manager) target() string { return m.domain() + "/" + Label }

func (m Manager) launchdLoaded(ctx context.Context, tool string) bool {
	_, err := output(ctx, tool, "print", m.target())
	return err == nil
}

// lookTool finds the service manager on PATH, or says in *skipped why it was not found.
func (m Manager) lookTool(skipped *string) (string, bool) {
	tool, err := exec.LookPath(m.Tool())
	if err != nil {
		*skipped = m.Tool() + " not found on PATH"
		return "", false
	}
	return tool, true
}

// run runs one service manager command and records it in res.
func run(ctx context.Context, res *Result, tool string, args ...string) error {
	res.Ran = append(res.Ran, filepath.Base(tool)+" "+strings.Join(args, " "))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("service: %s %s: %s", filepath.Base(tool), strings.Join(args, " "), msg)
	}
	return nil
}

// output runs a query command and returns its trimmed standard output.
func output(ctx context.Context, tool string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, args...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(bytes.TrimSpace(exit.Stderr)) > 0 {
		err = errors.New(string(bytes.TrimSpace(exit.Stderr)))
	}
	return strings.TrimSpace(string(out)), err
}

// writeFile replaces path with content through a temporary file in the same folder.
func writeFile(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("service: create %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("service: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("service: write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("service: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("service: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("service: write %s: %w", path, err)
	}
	return nil
}
