package hooks

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// AgentType is the agent_type of every hook event.
const AgentType = "claude_code"

// Bounds on what one event carries, so a hook body stays far below the server's 1 MiB ingest limit
// whatever the agent sends. The server truncates metadata further (CONTRACT 6).
const (
	maxString  = 64 << 10 // bytes of one metadata string
	maxPreview = 1000     // runes of content_preview (an assistant's last message)
)

// Event is the contract event body (CONTRACT 4.1) a hook posts to /api/events and appends to the spool.
type Event struct {
	EventID         string         `json:"event_id"`
	SessionID       string         `json:"session_id"`
	AgentType       string         `json:"agent_type"`
	EventType       string         `json:"event_type"`
	Status          string         `json:"status"`
	ToolName        string         `json:"tool_name,omitempty"`
	Project         string         `json:"project,omitempty"`
	Branch          string         `json:"branch,omitempty"`
	DurationMS      int64          `json:"duration_ms,omitempty"`
	ClientTimestamp string         `json:"client_timestamp,omitempty"`
	Source          string         `json:"source"`
	Metadata        map[string]any `json:"metadata"`

	// Dir is the hook's working directory (its cwd), where the caller looks up the git branch.
	Dir string `json:"-"`
}

// Map returns the event for one hook input: the JSON Claude Code writes to a hook's stdin (or posts
// to an http hook). name, when not empty, overrides the input's hook_event_name. now is the event's
// client_timestamp. Branch is left for the caller (see GitBranch).
//
// The mapping (issue 7, CONTRACT 18.9): SessionStart → session_start; UserPromptSubmit →
// user_prompt with the prompt as metadata message; PostToolUse → tool_use; PostToolUseFailure →
// tool_use with status error; SessionEnd → session_end; every other event, known or not, → response
// with metadata hook_event. Map fails with ErrNotObject, ErrNoSession or ErrNoEventName.
func Map(input []byte, name string, now time.Time) (Event, error) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil || in == nil {
		return Event{}, ErrNotObject
	}
	sessionID := strings.TrimSpace(str(in, "session_id"))
	if sessionID == "" {
		return Event{}, ErrNoSession
	}
	if name == "" {
		name = strings.TrimSpace(str(in, "hook_event_name"))
	}
	if name == "" {
		return Event{}, ErrNoEventName
	}
	ev := Event{
		EventID:         NewEventID(),
		SessionID:       sessionID,
		AgentType:       AgentType,
		EventType:       "response",
		Status:          contract.StatusSuccess,
		ClientTimestamp: contract.FormatClientTime(now),
		Source:          contract.SourceHook,
		Dir:             str(in, "cwd"),
		Metadata:        map[string]any{"hook_event": name},
	}
	ev.Project = project(ev.Dir)
	if d, ok := duration(in["duration_ms"]); ok {
		ev.DurationMS = d
	}
	md := ev.Metadata
	// Context every event may carry: the turn (prompt_id) and the sub-agent it ran in.
	copyStrings(md, in, "prompt_id", "agent_id", "agent_type", "permission_mode")

	switch name {
	case "SessionStart":
		ev.EventType = "session_start"
		copyStrings(md, in, "source", "model")
	case "UserPromptSubmit":
		ev.EventType = "user_prompt"
		if p, ok := in["prompt"].(string); ok {
			md["message"] = clip(p)
		}
	case "PostToolUse", "PostToolUseFailure":
		ev.EventType = "tool_use"
		ev.ToolName = strings.TrimSpace(str(in, "tool_name"))
		toolFields(md, in)
		if name == "PostToolUseFailure" {
			ev.Status = contract.StatusError
			copyStrings(md, in, "error")
			if b, _ := in["is_interrupt"].(bool); b {
				md["is_interrupt"] = true
			}
		}
	case "PreToolUse", "PermissionRequest":
		// Not a second tool_use: the call is counted when it ends. The tool's name stays out of
		// the tool_name field, which tool statistics count.
		copyStrings(md, in, "tool_name")
		toolFields(md, in)
	case "Notification":
		copyStrings(md, in, "message", "notification_type", "title")
	case "Stop", "SubagentStop":
		if b, ok := in["stop_hook_active"].(bool); ok {
			md["stop_hook_active"] = b
		}
		if m, ok := in["last_assistant_message"].(string); ok && m != "" {
			md["content_preview"] = preview(m)
		}
	case "SubagentStart":
	case "PreCompact":
		copyStrings(md, in, "trigger")
		if s, _ := in["custom_instructions"].(string); s != "" {
			md["custom_instructions"] = clip(s)
		}
	case "SessionEnd":
		ev.EventType = "session_end"
		copyStrings(md, in, "reason")
	default:
		// An event this version does not know: keep its plain fields.
		for k, v := range in {
			if _, done := md[k]; done || genericSkip[k] {
				continue
			}
			switch v := v.(type) {
			case string:
				md[k] = clip(v)
			case json.Number, bool:
				md[k] = v
			}
		}
	}
	return ev, nil
}

// genericSkip are input fields an unknown event does not copy: they are fields of the event itself
// or paths of no use on a dashboard.
var genericSkip = map[string]bool{
	"session_id": true, "hook_event_name": true, "cwd": true, "transcript_path": true, "duration_ms": true,
}

// toolFields copies the call's id and the telling parts of its input: what ran, on which file,
// what was searched or fetched, and how many lines an edit added and removed.
func toolFields(md, in map[string]any) {
	copyStrings(md, in, contract.KeyToolUse)
	ti, _ := in["tool_input"].(map[string]any)
	if ti == nil {
		return
	}
	copyStrings(md, ti, "command", "description", "file_path", "notebook_path", "path", "pattern",
		"glob", "url", "query", "subagent_type", "prompt")
	added, removed, ok := lineCounts(ti)
	if ok {
		md["lines_added"], md["lines_removed"] = added, removed
	}
}

// lineCounts counts the lines an Edit, MultiEdit or Write puts in and takes out.
func lineCounts(ti map[string]any) (added, removed int, ok bool) {
	if s, isStr := ti["content"].(string); isStr { // Write
		return lines(s), 0, true
	}
	edit := func(e map[string]any) {
		o, okO := e["old_string"].(string)
		n, okN := e["new_string"].(string)
		if okO || okN {
			ok = true
			added += lines(n)
			removed += lines(o)
		}
	}
	edit(ti)
	if edits, isList := ti["edits"].([]any); isList { // MultiEdit
		for _, e := range edits {
			if m, isObj := e.(map[string]any); isObj {
				edit(m)
			}
		}
	}
	return added, removed, ok
}

func lines(s string) int {
	if s == "" {
		return 0
	}
	n := strings.Count(s, "\n")
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// NewEventID returns "hook-" and a random UUID (version 4), the event_id of every hook event.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("hook-%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// project is the base name of the hook's working directory, "" when there is none.
func project(dir string) string {
	dir = strings.TrimRight(dir, `/\`)
	if i := strings.LastIndexAny(dir, `/\`); i >= 0 {
		dir = dir[i+1:]
	}
	if dir == "." || dir == ".." || strings.HasSuffix(dir, ":") { // "C:" is a drive, not a project
		return ""
	}
	return dir
}

// duration reads a hook's duration_ms: a non-negative number, rounded to whole milliseconds.
func duration(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, i >= 0
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > math.MaxInt64/2 || math.IsNaN(f) {
		return 0, false
	}
	return int64(math.Round(f)), true
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// copyStrings copies each named non-empty string of src into md.
func copyStrings(md, src map[string]any, keys ...string) {
	for _, k := range keys {
		if s, ok := src[k].(string); ok && s != "" {
			md[k] = clip(s)
		}
	}
}

// clip cuts s to maxString bytes at a rune boundary.
func clip(s string) string {
	if len(s) <= maxString {
		return s
	}
	cut := maxString
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// preview is the first maxPreview runes of s, with "…" when cut.
func preview(s string) string {
	n := 0
	for i := range s {
		if n == maxPreview {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
