package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

func TestBaseName(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := baseName(in); got != want {
			t.Errorf("baseName(%q) = %q, want %q", in, got, want)
		}
	}
	f("/home/dev/src/inkwell", "inkwell")
	f("/home/dev/src/inkwell/", "inkwell")
	f(`C:\Users\dev\code\weather-cli`, "weather-cli")
	f("/app", "app")
	f("relative", "relative")
	f("/", "") // the root names no project
}

func TestSessionFromName(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := sessionFromName(in); got != want {
			t.Errorf("sessionFromName(%q) = %q, want %q", in, got, want)
		}
	}
	f("/x/rollout-2026-03-20T17-40-51-019d0dd6-7307-7077-a123-d57ab425a779.jsonl", "019d0dd6-7307-7077-a123-d57ab425a779")
	f("/x/rollout-short.jsonl", "rollout-short")
	f("/x/rollout-2026-03-20T17-40-51-019d0dd6-7307-7077-a123-d57ab425a7zz.jsonl", "rollout-2026-03-20T17-40-51-019d0dd6-7307-7077-a123-d57ab425a7zz")
}

func TestExitCode(t *testing.T) {
	f := func(out string, code int64, ok bool) {
		t.Helper()
		got, gotOK := exitCode([]byte(out))
		if got != code || gotOK != ok {
			t.Errorf("exitCode(%s) = %d %v, want %d %v", out, got, gotOK, code, ok)
		}
	}
	f(`"Exit code: 1\nWall time: 2.3 seconds\nOutput:\nFAIL"`, 1, true)
	f(`"Exit code: 0\nWall time: 0.1 seconds\nOutput:\nExit code: 3"`, 0, true)
	f(`"Command: /bin/bash -lc 'make'\nChunk ID: a1\nWall time: 1 seconds\nProcess exited with code 2\nOutput:\n"`, 2, true)
	f(`"{\"output\":\"Success.\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.0}}"`, 0, true)
	f(`"{\"output\":\"boom\",\"metadata\":{\"exit_code\":127}}"`, 127, true)
	f(`{"output":"x","metadata":{"exit_code":5}}`, 5, true)
	f(`"no header here"`, 0, false)
	f(`null`, 0, false)
}

func TestPatchMeta(t *testing.T) {
	m := metaBuilder{}
	patchMeta(&m, "*** Begin Patch\n*** Update File: cmd/a.go\n@@\n-old\n+new\n+more\n context\n*** Add File: b.go\n+x\n*** End Patch\n")
	if got := string(m.done()); got != `{"file_path":"cmd/a.go","lines_added":3,"lines_removed":1}` {
		t.Errorf("patch meta = %s", got)
	}
}

func TestConfigModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte("model_reasoning_effort = \"high\"\nmodel = \"gpt-5.3-codex\" # default\n[profiles.x]\nmodel = \"o3\"\n"), 0o644)
	if got := configModel(path); got != "gpt-5.3-codex" {
		t.Errorf("configModel = %q", got)
	}
	os.WriteFile(path, []byte("[profiles.x]\nmodel = \"o3\"\n"), 0o644)
	if got := configModel(path); got != "" {
		t.Errorf("configModel of a table-only file = %q", got)
	}
	if got := configModel(filepath.Join(dir, "missing.toml")); got != "" {
		t.Errorf("configModel of a missing file = %q", got)
	}
}

func TestJSONString(t *testing.T) {
	for _, s := range []string{"plain", "a\"b\\c\nd\te\r\x01", "<>&", "naïve ☃", "bad \xff utf8"} {
		b := contract.AppendString(nil, s)
		if !validValue(b) {
			t.Errorf("%q encoded as invalid JSON %s", s, b)
		}
		if got := jstr(b); !strings.Contains(s, "\xff") && got != s {
			t.Errorf("round trip %q -> %s -> %q", s, b, got)
		}
	}
	if got := jstr([]byte(`"\ud83d\ude00 \u00e9 \/"`)); got != "😀 é /" {
		t.Errorf("unescape = %q", got)
	}
}
