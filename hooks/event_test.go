package hooks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

var (
	now      = time.Date(2026, 2, 18, 15, 4, 5, 123e6, time.UTC)
	eventIDs = regexp.MustCompile(`^hook-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

const fixtureSession = "8e5f1c3a-d7b2-4e96-a041-6c9b2f7e3d18"

// TestMapFixtures checks each recorded hook input against the expected stored event of
// testdata/claude (copied from the project's fixtures/hooks/README.md), and that the body passes the
// contract's validation with the right correlation key.
func TestMapFixtures(t *testing.T) {
	cases := []struct {
		file, eventType, status, toolName string
		metadata                          map[string]any
		correlation                       string
		duration                          int64
	}{
		{"01-SessionStart.json", "session_start", "success", "",
			map[string]any{"hook_event": "SessionStart", "source": "startup"}, "", 0},
		{"02-UserPromptSubmit.json", "user_prompt", "success", "",
			map[string]any{"message": "Run the linter and fix whatever it reports in src/server.ts",
				"prompt_id": "f3a9c7e1-2b4d-4c58-9e06-7d1b5a3f8c42"}, "f3a9c7e1-2b4d-4c58-9e06-7d1b5a3f8c42", 0},
		{"03-PreToolUse.json", "response", "success", "",
			map[string]any{"hook_event": "PreToolUse", "tool_name": "Bash", "command": "npm run lint",
				"tool_use_id": "toolu_01K7nRw4Tq9sV2xB8mZc3LdF"}, "", 0},
		{"04-PermissionRequest.json", "response", "success", "",
			map[string]any{"hook_event": "PermissionRequest", "command": "npm run lint", "tool_name": "Bash"}, "", 0},
		{"05-Notification.json", "response", "success", "",
			map[string]any{"hook_event": "Notification", "notification_type": "permission_prompt",
				"message": "Claude needs your permission to use Bash"}, "", 0},
		{"06-PostToolUse.json", "tool_use", "success", "Bash",
			map[string]any{"command": "npm run lint", "tool_use_id": "toolu_01K7nRw4Tq9sV2xB8mZc3LdF"},
			"toolu_01K7nRw4Tq9sV2xB8mZc3LdF", 3184},
		{"07-PostToolUseFailure.json", "tool_use", "error", "Read",
			map[string]any{"file_path": "/home/dev/src/app/src/server.config.ts",
				"error":       "File does not exist. Current working directory: /home/dev/src/app",
				"tool_use_id": "toolu_01Pz6hJ3kY8tN1wC5vQr9GsM"}, "toolu_01Pz6hJ3kY8tN1wC5vQr9GsM", 12},
		{"08-SubagentStart.json", "response", "success", "",
			map[string]any{"hook_event": "SubagentStart", "agent_id": "a7c2e9f14b3d6058", "agent_type": "Explore"}, "", 0},
		{"09-SubagentStop.json", "response", "success", "",
			map[string]any{"hook_event": "SubagentStop", "agent_id": "a7c2e9f14b3d6058", "agent_type": "Explore",
				"content_preview": "The server configuration lives in src/config/server.ts; there is no src/server.config.ts."}, "", 0},
		{"10-Stop.json", "response", "success", "", map[string]any{"hook_event": "Stop"}, "", 0},
		{"11-PreCompact.json", "response", "success", "",
			map[string]any{"hook_event": "PreCompact", "trigger": "manual"}, "", 0},
		{"12-SessionEnd.json", "session_end", "success", "", map[string]any{"reason": "prompt_input_exit"}, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := Map(fixture(t, tc.file), "", now)
			if err != nil {
				t.Fatal(err)
			}
			if ev.EventType != tc.eventType || ev.Status != tc.status || ev.ToolName != tc.toolName {
				t.Errorf("event_type/status/tool_name = %q/%q/%q, want %q/%q/%q",
					ev.EventType, ev.Status, ev.ToolName, tc.eventType, tc.status, tc.toolName)
			}
			if ev.SessionID != fixtureSession || ev.AgentType != "claude_code" || ev.Source != "hook" || ev.Project != "app" {
				t.Errorf("session/agent/source/project = %q/%q/%q/%q", ev.SessionID, ev.AgentType, ev.Source, ev.Project)
			}
			if !eventIDs.MatchString(ev.EventID) {
				t.Errorf("event_id %q is not hook-<uuid v4>", ev.EventID)
			}
			if ev.DurationMS != tc.duration {
				t.Errorf("duration_ms = %d, want %d", ev.DurationMS, tc.duration)
			}
			if ev.ClientTimestamp != "2026-02-18T15:04:05.123Z" || ev.Dir != "/home/dev/src/app" {
				t.Errorf("client_timestamp %q, dir %q", ev.ClientTimestamp, ev.Dir)
			}
			for k, want := range tc.metadata {
				if got := ev.Metadata[k]; got != want {
					t.Errorf("metadata %s = %v, want %v", k, got, want)
				}
			}
			body, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			in, errs := contract.ParseEvent(body, 10*1024)
			if len(errs) > 0 {
				t.Fatalf("the contract rejects %s: %v", body, errs)
			}
			if in.Correlation != tc.correlation {
				t.Errorf("correlation key %q, want %q", in.Correlation, tc.correlation)
			}
			if in.EventID != ev.EventID || in.Source != "hook" {
				t.Errorf("parsed event_id %q source %q", in.EventID, in.Source)
			}
		})
	}
}

func TestMapEachEventIDIsNew(t *testing.T) {
	in := fixture(t, "10-Stop.json")
	a, _ := Map(in, "", now)
	b, _ := Map(in, "", now)
	if a.EventID == b.EventID {
		t.Fatalf("two hook runs share event_id %s", a.EventID)
	}
}

func TestMapEdges(t *testing.T) {
	f := func(name, input, override string, check func(t *testing.T, ev Event, err error)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			ev, err := Map([]byte(input), override, now)
			check(t, ev, err)
		})
	}
	wantErr := func(want error) func(*testing.T, Event, error) {
		return func(t *testing.T, _ Event, err error) {
			if !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
		}
	}
	f("not an object", `[1,2]`, "", wantErr(ErrNotObject))
	f("not JSON", `hello`, "", wantErr(ErrNotObject))
	f("empty", ``, "", wantErr(ErrNotObject))
	f("no session", `{"hook_event_name":"Stop"}`, "", wantErr(ErrNoSession))
	f("no event name", `{"session_id":"s"}`, "", wantErr(ErrNoEventName))
	f("argument names the event", `{"session_id":"s","prompt":"hi"}`, "UserPromptSubmit",
		func(t *testing.T, ev Event, err error) {
			if err != nil || ev.EventType != "user_prompt" || ev.Metadata["message"] != "hi" {
				t.Fatalf("%+v %v", ev, err)
			}
		})
	f("argument wins over the input", `{"session_id":"s","hook_event_name":"Stop"}`, "SessionEnd",
		func(t *testing.T, ev Event, err error) {
			if err != nil || ev.EventType != "session_end" || ev.Metadata["hook_event"] != "SessionEnd" {
				t.Fatalf("%+v %v", ev, err)
			}
		})
	f("unknown event kept generically",
		`{"session_id":"s","hook_event_name":"TeammateIdle","cwd":"/x/y","teammate":"bob","count":3,"ok":true,"nested":{"a":1}}`, "",
		func(t *testing.T, ev Event, err error) {
			md := ev.Metadata
			if err != nil || ev.EventType != "response" || md["hook_event"] != "TeammateIdle" || md["teammate"] != "bob" ||
				md["count"] != json.Number("3") || md["ok"] != true || md["nested"] != nil || md["cwd"] != nil {
				t.Fatalf("%+v %v", ev, err)
			}
			if ev.Project != "y" {
				t.Errorf("project %q", ev.Project)
			}
		})
	f("no cwd, no project", `{"session_id":"s","hook_event_name":"Stop"}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.Project != "" || ev.Dir != "" {
				t.Fatalf("project %q dir %q", ev.Project, ev.Dir)
			}
		})
	f("windows cwd", `{"session_id":"s","hook_event_name":"Stop","cwd":"C:\\Users\\dev\\app\\"}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.Project != "app" {
				t.Fatalf("project %q", ev.Project)
			}
		})
	f("fractional and negative durations", `{"session_id":"s","hook_event_name":"PostToolUse","duration_ms":12.6}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.DurationMS != 13 {
				t.Fatalf("duration %d", ev.DurationMS)
			}
		})
	f("negative duration dropped", `{"session_id":"s","hook_event_name":"PostToolUse","duration_ms":-4}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.DurationMS != 0 {
				t.Fatalf("duration %d", ev.DurationMS)
			}
		})
	f("edit line counts", `{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Edit",
		"tool_input":{"file_path":"a.go","old_string":"x\ny\n","new_string":"x\ny\nz"}}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.Metadata["lines_added"] != 3 || ev.Metadata["lines_removed"] != 2 || ev.Metadata["file_path"] != "a.go" {
				t.Fatalf("%+v", ev.Metadata)
			}
		})
	f("multi-edit and write line counts", `{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"MultiEdit",
		"tool_input":{"edits":[{"old_string":"a","new_string":"b\nc"},{"old_string":"","new_string":"d"}]}}`, "",
		func(t *testing.T, ev Event, err error) {
			if ev.Metadata["lines_added"] != 3 || ev.Metadata["lines_removed"] != 1 {
				t.Fatalf("%+v", ev.Metadata)
			}
		})
	f("long prompt clipped at a rune boundary", `{"session_id":"s","hook_event_name":"UserPromptSubmit","prompt":"`+
		strings.Repeat("é", maxString)+`"}`, "",
		func(t *testing.T, ev Event, err error) {
			m := ev.Metadata["message"].(string)
			if len(m) > maxString || len(m)%2 != 0 {
				t.Fatalf("message of %d bytes", len(m))
			}
		})
}

func TestCommandQuoting(t *testing.T) {
	f := func(exe, want string) {
		t.Helper()
		got := Command(exe)
		if got != want {
			t.Errorf("Command(%q) = %q, want %q", exe, got, want)
		}
		if !isOurCommand(got, "") {
			t.Errorf("%q is not recognized as ours", got)
		}
	}
	f("/usr/local/bin/agentmonitor", "/usr/local/bin/agentmonitor hook")
	f("/home/a b/agentmonitor", "'/home/a b/agentmonitor' hook")
	f("/home/it's/agentmonitor", `'/home/it'\''s/agentmonitor' hook`)
	f(`C:\Users\dev\agentmonitor.exe`, `'C:\Users\dev\agentmonitor.exe' hook`)
}

func TestIsOurCommand(t *testing.T) {
	for cmd, want := range map[string]bool{
		"agentmonitor hook":                      true,
		"/opt/x/agentmonitor hook Stop":          true,
		`"/opt/my dir/agentmonitor" hook`:        true,
		"agentmonitor hook; rm -rf /":            false,
		"agentmonitor hook >/dev/null":           false,
		"agentmonitor hook && echo hi":           false,
		"agentmonitor serve":                     false,
		"/usr/bin/agentmonitor-helper hook":      false,
		"jq . >> ~/.claude/log.txt":              false,
		"'unterminated hook":                     false,
		"/opt/custom/wrapper.sh hook":            false,
		"/opt/custom/wrapper.sh hook --the-same": false,
	} {
		if got := isOurCommand(cmd, "/opt/custom/wrapper.sh hook --the-same-is-not-this"); got != want {
			t.Errorf("isOurCommand(%q) = %v, want %v", cmd, got, want)
		}
	}
	if !isOurCommand("/opt/custom/wrapper.sh hook", "/opt/custom/wrapper.sh hook") {
		t.Error("the exact configured command is not ours")
	}
}

func TestCodexSnippet(t *testing.T) {
	got := CodexSnippet("http://127.0.0.1:3141/", "")
	for _, want := range []string{"[otel]\n", "[otel.exporter.\"otlp-http\"]\n",
		"endpoint = \"http://127.0.0.1:3141/v1/logs\"\n", "protocol = \"binary\"\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("snippet lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "headers") {
		t.Errorf("headers without a token:\n%s", got)
	}
	if got := CodexSnippet("http://h:1", `t"k`); !strings.Contains(got, `Authorization = "Bearer t\"k"`) {
		t.Errorf("token header:\n%s", got)
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "claude", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzMap: any input maps to an event the contract accepts, or to one of Map's errors.
func FuzzMap(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "claude"))
	for _, e := range entries {
		f.Add(fixture(f, e.Name()), "")
	}
	f.Add([]byte(`{"session_id":"s","tool_input":{"edits":[1,{"old_string":2}]}}`), "PostToolUse")
	f.Add([]byte(`{"session_id":" ","hook_event_name":"x"}`), "")
	f.Fuzz(func(t *testing.T, input []byte, name string) {
		ev, err := Map(input, name, now)
		if err != nil {
			if !errors.Is(err, ErrNotObject) && !errors.Is(err, ErrNoSession) && !errors.Is(err, ErrNoEventName) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		body, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := contract.ParseEvent(body, 10*1024); len(errs) > 0 {
			t.Fatalf("contract rejects %s: %v", body, errs)
		}
	})
}
