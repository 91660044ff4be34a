package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

const cmd = "/usr/local/bin/agentmonitor hook"

// userSettings is a settings.json as Claude Code writes it, with the user's own hooks (one on an
// event AgentMonitor also uses) and number spellings a re-encoding would change.
const userSettings = `{
  "model": "opus",
  "permissions": {
    "allow": ["Bash(npm run lint:*)", "Read(~/src/**)"],
    "deny": []
  },
  "env": {"FOO": "b\u00e4r", "RATIO": 1.50, "BIG": 12345678901234567890},
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "prettier --write \"$CLAUDE_FILE_PATHS\""
          }
        ]
      }
    ],
    "UserPromptSubmit": [
      {
        "hooks": [
          {"type": "command", "command": "/usr/local/bin/agentmonitor hook", "timeout": 9},
          {"type": "command", "command": "say hi"}
        ]
      }
    ],
    "Setup": [
      {"hooks": [{"type": "command", "command": "npm install"}]}
    ]
  },
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"}
}
`

func TestInstallUninstallKeepsEverythingElse(t *testing.T) {
	docs := map[string]string{
		"claude layout": userSettings,
		"no hooks":      "{\n  \"model\": \"opus\",\n  \"n\": 1.0e3\n}\n",
		"one line":      `{"model":"opus","hooks":{"Stop":[{"hooks":[{"type":"command","command":"x"}]}]}}`,
		"tabs":          "{\n\t\"hooks\": {\n\t\t\"Stop\": [\n\t\t\t{\"hooks\": []}\n\t\t]\n\t},\n\t\"a\": [1, 2]\n}",
		"crlf":          "{\r\n    \"model\": \"opus\"\r\n}\r\n",
		"empty object":  "{}",
		"empty hooks":   "{\"hooks\": {\"Stop\": [\n  ]}, \"x\": null}",
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			in := []byte(doc)
			once, changed, err := InstallClaude(in, cmd)
			if err != nil || !changed {
				t.Fatalf("install: changed %v, %v", changed, err)
			}
			if !json.Valid(once) {
				t.Fatalf("install wrote invalid JSON:\n%s", once)
			}
			twice, changed, err := InstallClaude(once, cmd)
			if err != nil || changed || !bytes.Equal(once, twice) {
				t.Fatalf("second install changed the text (%v, %v):\n%s\n---\n%s", changed, err, once, twice)
			}
			st, err := ClaudeStatus(once, cmd)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range st {
				if s.State != StateInstalled {
					t.Errorf("%s: %s after install", s.Event, s.State)
				}
			}
			checkOurGroups(t, once, 1)
			checkUserPartsKept(t, in, once)

			back, changed, err := UninstallClaude(once, cmd)
			if err != nil || !changed {
				t.Fatalf("uninstall: changed %v, %v", changed, err)
			}
			checkOurGroups(t, back, 0)
			wantBack := doc
			if name == "empty hooks" {
				// Entries AgentMonitor filled are removed when emptied again, and so is a hooks
				// object left with nothing: the same settings, as Claude Code reads them.
				wantBack = "{\"x\": null}"
			}
			if string(back) != wantBack {
				t.Errorf("uninstall did not give back the original bytes:\n%s\n--- want\n%s", back, wantBack)
			}
			if _, changed, _ := UninstallClaude(back, cmd); changed {
				t.Error("a second uninstall changed the text")
			}
		})
	}
}

// checkOurGroups checks that every event of ClaudeEvents has want groups of ours.
func checkOurGroups(t *testing.T, doc []byte, want int) {
	t.Helper()
	var s struct {
		Hooks map[string]json.RawMessage `json:"hooks"`
	}
	if err := json.Unmarshal(doc, &s); err != nil {
		t.Fatalf("%v:\n%s", err, doc)
	}
	for _, event := range ClaudeEvents {
		var groups []json.RawMessage
		if s.Hooks[event] != nil {
			if err := json.Unmarshal(s.Hooks[event], &groups); err != nil {
				t.Fatalf("hooks.%s: %v", event, err)
			}
		}
		n := 0
		for _, g := range groups {
			if isOurGroup(g, cmd) {
				n++
				if !sameValue(g, ourGroup(event, cmd)) {
					t.Errorf("%s: group %s", event, g)
				}
			}
		}
		if n != want {
			t.Errorf("%s: %d groups of ours, want %d", event, n, want)
		}
	}
}

// checkUserPartsKept checks that every top-level setting but hooks, and every group that is not
// ours, is the same value after the edit.
func checkUserPartsKept(t *testing.T, before, after []byte) {
	t.Helper()
	decode := func(b []byte) map[string]any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	b, a := decode(before), decode(after)
	userHooks := func(m map[string]any) map[string][]any {
		out := map[string][]any{}
		hooks, _ := m["hooks"].(map[string]any)
		for event, groups := range hooks {
			list, _ := groups.([]any)
			for _, g := range list {
				raw, _ := json.Marshal(g)
				if !isOurGroup(raw, cmd) {
					out[event] = append(out[event], g)
				}
			}
		}
		return out
	}
	if ub, ua := userHooks(b), userHooks(a); !reflect.DeepEqual(ub, ua) {
		t.Errorf("the user's hooks changed:\n%v\n%v", ub, ua)
	}
	delete(b, "hooks")
	delete(a, "hooks")
	if !reflect.DeepEqual(a, b) {
		t.Errorf("other settings changed:\n%v\n%v", b, a)
	}
}

func TestInstallUpdatesOurGroupInPlace(t *testing.T) {
	l := layout{unit: "  ", newline: "\n", colon: ": "}
	doc := []byte("{\n  \"a\": 1,\n  \"hooks\": " + l.object(ClaudeEvents, "/old/place/agentmonitor hook", 1) + "\n}\n")
	if !json.Valid(doc) {
		t.Fatalf("test document:\n%s", doc)
	}
	st, _ := ClaudeStatus(doc, cmd)
	if st[0].State != StateOutdated {
		t.Fatalf("status before: %+v", st)
	}
	out, changed, err := InstallClaude(doc, cmd)
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	checkOurGroups(t, out, 1)
	if bytes.Contains(out, []byte("/old/place")) {
		t.Errorf("the old command is still there:\n%s", out)
	}
	if !bytes.HasPrefix(out, []byte("{\n  \"a\": 1,\n  \"hooks\": {\n    \"SessionStart\": [\n      {")) {
		t.Errorf("layout changed:\n%s", out)
	}
}

func TestInstallCollapsesCopiesOfOurs(t *testing.T) {
	g := `{"hooks":[{"type":"command","command":"agentmonitor hook"}]}`
	doc := []byte(`{"hooks":{"Stop":[` + g + `,{"hooks":[{"type":"command","command":"mine"}]},` + g + `]}}`)
	out, _, err := InstallClaude(doc, cmd)
	if err != nil {
		t.Fatal(err)
	}
	checkOurGroups(t, out, 1)
	if !bytes.Contains(out, []byte(`"command":"mine"`)) {
		t.Errorf("the user's group is gone:\n%s", out)
	}
	back, _, _ := UninstallClaude(out, cmd)
	if string(back) != `{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"mine"}]}]}}` {
		t.Errorf("uninstall: %s", back)
	}
}

func TestSettingsRefused(t *testing.T) {
	for name, doc := range map[string]string{
		"comments":           "{\n  // a comment\n  \"a\": 1\n}",
		"array":              "[]",
		"hooks not object":   `{"hooks": []}`,
		"event not an array": `{"hooks": {"Stop": {"hooks": []}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := InstallClaude([]byte(doc), cmd); !errors.Is(err, ErrSettings) {
				t.Errorf("install: %v, want ErrSettings", err)
			}
		})
	}
}

func TestSnippetIsInstallOverNothing(t *testing.T) {
	snip := ClaudeSnippet(cmd)
	out, _, err := InstallClaude([]byte("{}\n"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snip, out) {
		t.Errorf("snippet and a fresh install differ:\n%s\n---\n%s", snip, out)
	}
}

func TestSettingsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dotfiles", "settings.json")
	link := filepath.Join(dir, ".claude", "settings.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(userSettings), 0o640); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(path, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	changed, err := InstallClaudeFile(link, cmd)
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if bak, _ := os.ReadFile(path + BackupSuffix); string(bak) != userSettings {
		t.Errorf("backup holds:\n%s", bak)
	}
	installed, _ := os.ReadFile(path)
	if changed, err := InstallClaudeFile(link, cmd); err != nil || changed {
		t.Fatalf("second install: %v %v", changed, err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, installed) {
		t.Error("second install changed the file")
	}
	if changed, err := UninstallClaudeFile(link, cmd); err != nil || !changed {
		t.Fatal(changed, err)
	}
	if back, _ := os.ReadFile(path); string(back) != userSettings {
		t.Errorf("uninstall left:\n%s", back)
	}
	if bak, _ := os.ReadFile(path + BackupSuffix); !bytes.Equal(bak, installed) {
		t.Error("the backup is not the text before the last change")
	}

	// A missing file and directory: install creates them, status reads them, uninstall keeps {}.
	fresh := filepath.Join(dir, "project", ".claude", "settings.json")
	if st, err := ClaudeStatusFile(fresh, cmd); err != nil || st[0].State != StateMissing {
		t.Fatalf("status of a missing file: %v %v", st, err)
	}
	if changed, err := UninstallClaudeFile(fresh, cmd); err != nil || changed {
		t.Fatalf("uninstall of a missing file: %v %v", changed, err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("uninstall created the file")
	}
	if _, err := InstallClaudeFile(fresh, cmd); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(fresh); !bytes.Equal(got, ClaudeSnippet(cmd)) {
		t.Errorf("fresh file:\n%s", got)
	}
	if _, err := os.Stat(fresh + BackupSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Error("a backup of nothing was written")
	}
	if err := os.WriteFile(fresh, []byte("{oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := InstallClaudeFile(fresh, cmd); !errors.Is(err, ErrSettings) {
		t.Errorf("install over broken JSON: %v", err)
	}
	if got, _ := os.ReadFile(fresh); string(got) != "{oops" {
		t.Error("broken file was changed")
	}
}

// FuzzInstall: over any JSON object, install writes valid JSON with our group in every event, a
// second install changes nothing, and uninstall removes every group of ours and keeps the rest.
func FuzzInstall(f *testing.F) {
	f.Add([]byte(userSettings))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"hooks":{"Stop":[]}}`))
	f.Add([]byte(` { "a" : [ 1 , { "b" : "}" } ] , "hooks" : { "X" : [ { } ] } } `))
	f.Add([]byte(`{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"agentmonitor hook"}]},{"x":"\"]"}]}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, _, err := InstallClaude(doc, cmd)
		if err != nil {
			if !errors.Is(err, ErrSettings) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON from\n%s\n---\n%s", doc, out)
		}
		checkOurGroups(t, out, 1)
		if again, changed, err := InstallClaude(out, cmd); err != nil || changed || !bytes.Equal(again, out) {
			t.Fatalf("install is not idempotent over\n%s", out)
		}
		back, _, err := UninstallClaude(out, cmd)
		if err != nil || !json.Valid(back) {
			t.Fatalf("uninstall: %v\n%s", err, back)
		}
		checkOurGroups(t, back, 0)
		checkUserPartsKept(t, out, back)
	})
}
