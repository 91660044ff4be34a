package service

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// Unit is the systemd user unit's name.
	Unit = "agentmonitor.service"
	// Label is the launchd agent's label; its property list is <Label>.plist.
	Label = "com.github.agentmonitor.agentmonitor"
	// LogName is the log file's name in the macOS log folder (LogDir).
	LogName = "agentmonitor.log"
)

// Definition is what a service definition says.
type Definition struct {
	Executable string   // absolute path of the agentmonitor binary; the service runs "<Executable> serve"
	Env        []string // NAME=value pairs the server gets, usually from Passthrough
	Home       string   // the user's home: the server's working directory, and where logs go on macOS
}

// UnitPath is where the systemd user unit lives under home.
func UnitPath(home string) string {
	return filepath.Join(home, ".config", "systemd", "user", Unit)
}

// PlistPath is where the launchd agent's property list lives under home.
func PlistPath(home string) string {
	return filepath.Join(home, "Library", "LaunchAgents", Label+".plist")
}

// LogDir is the folder of the server's log on macOS.
func LogDir(home string) string {
	return filepath.Join(home, "Library", "Logs", "agentmonitor")
}

// passed are the variables besides AGENTMONITOR_* that change what the server does: where the
// per-user data directory is and where the agents' logs are (CONTRACT 12, 18.11).
var passed = []string{"XDG_DATA_HOME", "CODEX_HOME", "CLAUDE_CONFIG_DIR"}

// notPassed are AGENTMONITOR_* prefixes of the tests and benchmarks (CONTRACT 12.3), not the server's.
var notPassed = []string{"AGENTMONITOR_TEST_", "AGENTMONITOR_BENCH_", "AGENTMONITOR_BASE_URL"}

// pathVars hold paths: a relative one is made absolute against the installer's working directory,
// since the service runs in the home directory.
var pathVars = []string{
	"AGENTMONITOR_DB_PATH", "AGENTMONITOR_DATA_DIR", "AGENTMONITOR_PRICING_FILE",
	"AGENTMONITOR_PROJECTS_DIR", "AGENTMONITOR_CLAUDE_DIR", "XDG_DATA_HOME", "CODEX_HOME",
	"CLAUDE_CONFIG_DIR",
}

// Passthrough returns the variables of environ (NAME=value, as os.Environ gives them) that the
// service must keep: every non-empty AGENTMONITOR_* but those of tests and benchmarks, and
// XDG_DATA_HOME, CODEX_HOME and CLAUDE_CONFIG_DIR, sorted by name, with relative paths resolved against wd. A value holding a
// newline cannot be written into a unit file and is returned as an error.
func Passthrough(environ []string, wd string) ([]string, error) {
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || value == "" || !strings.HasPrefix(name, "AGENTMONITOR_") && !slices.Contains(passed, name) ||
			slices.ContainsFunc(notPassed, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		if strings.ContainsAny(value, "\n\r\x00") {
			return nil, fmt.Errorf("service: %s holds a line break; it cannot be passed to the service", name)
		}
		if slices.Contains(pathVars, name) && !filepath.IsAbs(value) {
			value = filepath.Join(wd, value)
		}
		out = append(out, name+"="+value)
	}
	slices.Sort(out)
	return slices.CompactFunc(out, func(a, b string) bool {
		an, _, _ := strings.Cut(a, "=")
		bn, _, _ := strings.Cut(b, "=")
		return an == bn
	}), nil
}

// Systemd returns the systemd user unit for d: started at login (default.target), restarted five
// seconds after a failure, stopped with SIGTERM (the server shuts down cleanly), logging to the
// journal.
func Systemd(d Definition) []byte {
	var b bytes.Buffer
	b.WriteString("# Written by agentmonitor service install; agentmonitor service uninstall removes it.\n")
	b.WriteString("[Unit]\n")
	b.WriteString("Description=AgentMonitor, the local monitor for AI coding agents\n")
	b.WriteString("Documentation=https://github.com/agentmonitor/agentmonitor\n")
	b.WriteString("\n[Service]\n")
	b.WriteString("Type=simple\n")
	fmt.Fprintf(&b, "ExecStart=%s serve\n", systemdQuote(d.Executable, true))
	b.WriteString("WorkingDirectory=~\n") // the user's home; this setting takes no quotes
	for _, kv := range d.Env {
		fmt.Fprintf(&b, "Environment=%s\n", systemdQuote(kv, false))
	}
	b.WriteString("Restart=on-failure\n")
	b.WriteString("RestartSec=5\n")
	b.WriteString("KillSignal=SIGTERM\n")
	b.WriteString("TimeoutStopSec=20\n")
	b.WriteString("StandardOutput=journal\n")
	b.WriteString("StandardError=journal\n")
	b.WriteString("SyslogIdentifier=agentmonitor\n")
	b.WriteString("\n[Install]\n")
	b.WriteString("WantedBy=default.target\n")
	return b.Bytes()
}

// systemdQuote quotes s as one word of a unit file: in double quotes with C escapes, and % doubled
// (specifiers); in a command line $ is doubled too (variable expansion). note: systemd.syntax(7),
// "Quoting", and systemd.service(7), "Command lines".
func systemdQuote(s string, command bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '%':
			b.WriteString("%%")
		case '$':
			if command {
				b.WriteString("$$")
			} else {
				b.WriteRune(r)
			}
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Launchd returns the launchd agent's property list for d: loaded and started at login
// (RunAtLoad), started again when it exits with a failure (KeepAlive SuccessfulExit false, at most
// every ThrottleInterval seconds), logging to LogDir/LogName.
func Launchd(d Definition) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	key := func(k string) { fmt.Fprintf(&b, "\t<key>%s</key>\n", xmlText(k)) }
	str := func(indent, s string) { fmt.Fprintf(&b, "%s<string>%s</string>\n", indent, xmlText(s)) }
	key("Label")
	str("\t", Label)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	str("\t\t", d.Executable)
	str("\t\t", "serve")
	b.WriteString("\t</array>\n")
	key("WorkingDirectory")
	str("\t", d.Home)
	if len(d.Env) > 0 {
		key("EnvironmentVariables")
		b.WriteString("\t<dict>\n")
		for _, kv := range d.Env {
			name, value, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "\t\t<key>%s</key>\n", xmlText(name))
			str("\t\t", value)
		}
		b.WriteString("\t</dict>\n")
	}
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("KeepAlive")
	b.WriteString("\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>\n")
	key("ThrottleInterval")
	b.WriteString("\t<integer>5</integer>\n")
	key("ProcessType")
	str("\t", "Background")
	log := filepath.Join(LogDir(d.Home), LogName)
	key("StandardOutPath")
	str("\t", log)
	key("StandardErrorPath")
	str("\t", log)
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
