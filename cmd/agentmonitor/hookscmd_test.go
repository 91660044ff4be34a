package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/agentmonitor/agentmonitor/hooks"
)

// claudeSettingsDoc is a user's settings.json with hooks and settings of their own.
const claudeSettingsDoc = `{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "model": "opus",
  "permissions": {
    "allow": ["Bash(npm run lint:*)"],
    "defaultMode": "acceptEdits"
  },
  "env": {"RATIO": 1.50, "NAME": "caf\u00e9"},
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{"type": "command", "command": "prettier --write \"$FILE\""}]
      }
    ],
    "Stop": [
      {"hooks": [{"type": "command", "command": "notify-send done", "timeout": 3}]}
    ]
  },
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"}
}
`

// TestHooksInstallClaude installs into a temporary HOME's settings.json that has hooks and
// settings of its own: twice (the same bytes), reports status, and uninstalls back to the
// original bytes.
func TestHooksInstallClaude(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".claude", "settings.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(claudeSettingsDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	const command = "/usr/local/bin/agentmonitor hook"
	env := []string{"HOME=" + home, "AGENTMONITOR_CLAUDE_DIR=", "CLAUDE_CONFIG_DIR=", "USERPROFILE=" + home}
	hooksCLI := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, nil, env, append([]string{"hooks"}, args...)...)
	}

	if res := hooksCLI("status", "claude", "--command", command); res.code != exitNotInstalled {
		t.Errorf("status before install: exit %d\n%s", res.code, res.stdout)
	}
	res := hooksCLI("install", "claude", "--command", command)
	if res.code != 0 || !strings.Contains(res.stdout, "installed in "+path) {
		t.Fatalf("install: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	installed, _ := os.ReadFile(path)
	if bak, _ := os.ReadFile(path + hooks.BackupSuffix); string(bak) != claudeSettingsDoc {
		t.Errorf("backup:\n%s", bak)
	}
	checkInstalled(t, installed, command)

	res = hooksCLI("install", "claude", "--command", command)
	if again, _ := os.ReadFile(path); res.code != 0 || !bytes.Equal(again, installed) || !strings.Contains(res.stdout, "already installed") {
		t.Errorf("second install: exit %d, %s, same bytes %v", res.code, res.stdout, bytes.Equal(again, installed))
	}
	res = hooksCLI("status", "--command", command)
	if res.code != 0 || strings.Count(res.stdout, " installed\n") != len(hooks.ClaudeEvents) {
		t.Errorf("status after install: exit %d\n%s", res.code, res.stdout)
	}

	res = hooksCLI("uninstall", "claude", "--command", command)
	if res.code != 0 {
		t.Fatalf("uninstall: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	back, _ := os.ReadFile(path)
	if string(back) != claudeSettingsDoc {
		t.Errorf("uninstall did not restore the file byte for byte:\n%s", back)
	}
	var want, got any
	json.Unmarshal([]byte(claudeSettingsDoc), &want)
	json.Unmarshal(back, &got)
	if !reflect.DeepEqual(want, got) {
		t.Error("uninstall did not restore the settings")
	}
	if res := hooksCLI("status", "claude", "--command", command); res.code != exitNotInstalled || !strings.Contains(res.stdout, "missing") {
		t.Errorf("status after uninstall: exit %d\n%s", res.code, res.stdout)
	}

	// --print shows the snippet and leaves the file alone.
	res = hooksCLI("install", "claude", "--print", "--command", command)
	var snippet map[string]any
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &snippet) != nil || snippet["hooks"] == nil {
		t.Errorf("install --print: exit %d\n%s", res.code, res.stdout)
	}
	if now, _ := os.ReadFile(path); string(now) != claudeSettingsDoc {
		t.Error("--print changed the file")
	}

	// Without --command the entry runs this binary by its absolute path.
	if res := hooksCLI("install"); res.code != 0 {
		t.Fatalf("install: exit %d\n%s", res.code, res.stderr)
	}
	self, _ := filepath.Abs(os.Args[0])
	now, _ := os.ReadFile(path)
	checkInstalled(t, now, hooks.Command(self))
}

func checkInstalled(t *testing.T, doc []byte, command string) {
	t.Helper()
	var s struct {
		Hooks map[string][]struct {
			Matcher string `json:"matcher"`
			Hooks   []struct {
				Type, Command string
			} `json:"hooks"`
		} `json:"hooks"`
	}
	if err := json.Unmarshal(doc, &s); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, event := range hooks.ClaudeEvents {
		n := 0
		for _, g := range s.Hooks[event] {
			if len(g.Hooks) == 1 && g.Hooks[0].Command == command && g.Hooks[0].Type == "command" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d groups running %q", event, n, command)
		}
	}
	if len(s.Hooks["PostToolUse"]) != 2 || len(s.Hooks["Stop"]) != 2 {
		t.Error("the user's groups are not all there")
	}
}

func TestHooksProjectAndCodex(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "hooks", "install", "claude", "--project", "--command", "agentmonitor hook")
	cmd.Dir = dir
	cmd.Env = childEnviron("cli")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install --project: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".claude", "settings.json")); err != nil || !bytes.Equal(b, hooks.ClaudeSnippet("agentmonitor hook")) {
		t.Errorf("project settings: %v\n%s", err, b)
	}

	res := runCLI(t, nil, []string{"AGENTMONITOR_URL=http://127.0.0.1:4000", "AGENTMONITOR_TOKEN="}, "hooks", "print", "codex")
	if res.code != 0 || !strings.Contains(res.stdout, `endpoint = "http://127.0.0.1:4000/v1/logs"`) ||
		!strings.Contains(res.stdout, `protocol = "binary"`) {
		t.Errorf("print codex: exit %d\n%s", res.code, res.stdout)
	}
	if res := runCLI(t, nil, nil, "hooks", "install", "codex"); res.code != exitUsage || !strings.Contains(res.stderr, "print codex") {
		t.Errorf("install codex: exit %d %s", res.code, res.stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n // no\n}"), 0o600)
	if res := runCLI(t, nil, nil, "hooks", "install", "--settings", bad); res.code != exitFailure || !strings.Contains(res.stderr, "not valid JSON") {
		t.Errorf("install into broken JSON: exit %d %s", res.code, res.stderr)
	}
}

// TestEveryCommandHasHelp: --help prints a usage and exits 0; a wrong command or flag exits 2.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"hook", "--help"}, {"hooks", "--help"}, {"backup", "--help"},
		{"restore", "--help"}, {"version", "--help"}, {"serve", "--help"}, {"import", "--help"}} {
		res := runCLI(t, nil, nil, args...)
		if res.code != 0 || !strings.Contains(strings.ToLower(res.stdout+res.stderr), "usage") {
			t.Errorf("%v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"hooks"}, {"hooks", "install", "vim"}, {"hooks", "--nope"}, {"version", "x"}} {
		if res := runCLI(t, nil, nil, args...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, res.code, exitUsage)
		}
	}
	if res := runCLI(t, nil, nil, "version"); res.code != 0 || !strings.HasPrefix(res.stdout, "agentmonitor ") {
		t.Errorf("version: %d %q", res.code, res.stdout)
	}
}

// TestNonLoopbackNeedsAToken: a server asked to listen beyond this machine without a token
// refuses to start (CONTRACT 18.7).
func TestNonLoopbackNeedsAToken(t *testing.T) {
	res := runCLI(t, nil, []string{"AGENTMONITOR_HOST=0.0.0.0", "AGENTMONITOR_TOKEN=", "AGENTMONITOR_PORT=1",
		"AGENTMONITOR_DATA_DIR=" + t.TempDir()}, "serve")
	if res.code != exitFailure || !strings.Contains(res.stderr, "AGENTMONITOR_TOKEN") {
		t.Errorf("serve on 0.0.0.0 without a token: exit %d\n%s", res.code, res.stderr)
	}
}
