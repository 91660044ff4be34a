package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/agentmonitor/agentmonitor/service"
)

// TestServiceCommand installs, inspects and uninstalls the service on a temporary HOME with no
// service manager on PATH, and reads the status of a running server.
func TestServiceCommand(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no per-user service manager here")
	}
	home := t.TempDir()
	dbPath := filepath.Join(t.TempDir(), "data dir", "agentmonitor.db")
	port := freePort(t)
	binary := filepath.Join(t.TempDir(), "agentmonitor")
	if err := os.WriteFile(binary, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + t.TempDir(), "AGENTMONITOR_DB_PATH=" + dbPath,
		"AGENTMONITOR_PORT=" + port, "AGENTMONITOR_URL=", "AGENTMONITOR_HOST=", "AGENTMONITOR_TOKEN=",
		"XDG_DATA_HOME=", "AGENTMONITOR_DATA_DIR="}
	cli := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, nil, env, append([]string{"service"}, args...)...)
	}
	path := service.UnitPath(home)
	if runtime.GOOS == "darwin" {
		path = service.PlistPath(home)
	}

	res := cli("status")
	if res.code != exitNotRunning || !strings.Contains(res.stdout, "not installed") ||
		!strings.Contains(res.stdout, "not running at http://127.0.0.1:"+port) ||
		!strings.Contains(res.stdout, dbPath+", not created yet") {
		t.Errorf("status before install: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	res = cli("install", "--binary", binary)
	if res.code != 0 || !strings.Contains(res.stdout, "wrote "+path) || !strings.Contains(res.stdout, "not found on PATH") {
		t.Fatalf("install: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	def, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{binary, "AGENTMONITOR_PORT=" + port, "AGENTMONITOR_DB_PATH=" + dbPath} {
		if !strings.Contains(string(def), want) {
			t.Errorf("the definition lacks %q:\n%s", want, def)
		}
	}
	if strings.Contains(string(def), "AGENTMONITOR_TOKEN") || strings.Contains(string(def), "XDG_DATA_HOME") {
		t.Errorf("empty variables were passed on:\n%s", def)
	}
	if res := cli("install", "--binary", binary); res.code != 0 || !strings.Contains(res.stdout, "up to date") {
		t.Errorf("second install: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	srv := startQuickServer(t, dbPath)
	port = srv.base[strings.LastIndexByte(srv.base, ':')+1:]
	env = append(env, "AGENTMONITOR_PORT="+port)
	res = cli("status")
	if res.code != 0 || !strings.Contains(res.stdout, "installed") ||
		!strings.Contains(res.stdout, "running at http://127.0.0.1:"+port+", version dev") ||
		!strings.Contains(res.stdout, "database: "+dbPath+", ") || strings.Contains(res.stdout, "not created") {
		t.Errorf("status of a running server: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	srv.stop(t)

	if res := cli("uninstall"); res.code != 0 || !strings.Contains(res.stdout, "removed "+path) {
		t.Errorf("uninstall: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the definition is still there: %v", err)
	}
	if res := cli("uninstall"); res.code != 0 || !strings.Contains(res.stdout, "not installed") {
		t.Errorf("second uninstall: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// The test binary is a go-build temporary, as a "go run" binary is: it is not installed.
	if res := cli("install"); res.code != exitFailure || !strings.Contains(res.stderr, "go run") {
		t.Errorf("install of a temporary binary: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, args := range [][]string{{}, {"restart"}, {"install", "extra"}, {"--nope"}} {
		if res := cli(args...); res.code != exitUsage {
			t.Errorf("service %v: exit %d, want %d", args, res.code, exitUsage)
		}
	}
	if res := cli("--help"); res.code != 0 || !strings.Contains(res.stdout, "usage: agentmonitor service") {
		t.Errorf("service --help: exit %d\n%s", res.code, res.stdout)
	}
}
