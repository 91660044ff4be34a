package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// ClaudeEvents are the Claude Code hook events AgentMonitor installs itself for, in the order their
// entries are added to settings.json.
var ClaudeEvents = []string{
	"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure",
	"Notification", "Stop", "SubagentStop", "PreCompact", "SessionEnd",
}

// toolEvents take a matcher on the tool's name; ours matches every tool.
var toolEvents = map[string]bool{"PreToolUse": true, "PostToolUse": true, "PostToolUseFailure": true}

// hookTimeout is the time in seconds Claude Code gives the command. The command stops itself well
// within a second; this only bounds a hook that hangs for a reason of its own (a frozen disk).
const hookTimeout = 5

// BackupSuffix is added to a settings file's name for the copy written before each change.
const BackupSuffix = ".agentmonitor.bak"

// Installation states of one event's entry (ClaudeStatus).
const (
	StateInstalled = "installed" // our group is there, running this command
	StateOutdated  = "outdated"  // our group is there, running agentmonitor from another path
	StateMissing   = "missing"
)

// EventState is the installation state of one hook event.
type EventState struct {
	Event string
	State string
}

type claudeHook struct {
	Type    string `json:"type"`
	Command string `json:"command"`
	Timeout int    `json:"timeout,omitempty"`
}

type claudeGroup struct {
	Matcher string       `json:"matcher,omitempty"`
	Hooks   []claudeHook `json:"hooks"`
}

func ourGroup(event, command string) claudeGroup {
	g := claudeGroup{Hooks: []claudeHook{{Type: "command", Command: command, Timeout: hookTimeout}}}
	if toolEvents[event] {
		g.Matcher = "*"
	}
	return g
}

// Command returns the hook command that runs the executable at exe: exe, quoted for a POSIX shell
// when it holds anything but plain path characters, followed by " hook".
func Command(exe string) string {
	plain := exe != "" && strings.IndexFunc(exe, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.,/:@%+=", r))
	}) < 0
	if !plain {
		exe = "'" + strings.ReplaceAll(exe, "'", `'\''`) + "'"
	}
	return exe + " hook"
}

// isOurCommand reports whether a hook command is want, or runs `agentmonitor hook [EVENT]` from any
// path (an install made by a binary since moved).
func isOurCommand(cmd, want string) bool {
	if cmd == want {
		return true
	}
	w, ok := shellWords(cmd)
	if !ok || len(w) < 2 || len(w) > 3 || w[1] != "hook" {
		return false
	}
	if len(w) == 3 && strings.IndexFunc(w[2], func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) >= 0 {
		return false
	}
	base := w[0][strings.LastIndexAny(w[0], `/\`)+1:]
	return base == "agentmonitor" || base == "agentmonitor.exe"
}

// shellWords splits a command line the way a POSIX shell splits plain words and quotes. It reports
// false for an unterminated quote.
func shellWords(s string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	in := false // inside a word
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			in = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			in = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, true
}

// isOurGroup reports whether a matcher group is one AgentMonitor wrote: nothing but a matcher and
// hooks, every hook a command running agentmonitor hook. A group of the user's that also runs
// agentmonitor is theirs, and never touched.
func isOurGroup(raw []byte, command string) bool {
	var g map[string]json.RawMessage
	if json.Unmarshal(raw, &g) != nil {
		return false
	}
	for k := range g {
		if k != "matcher" && k != "hooks" {
			return false
		}
	}
	var hooks []map[string]any
	if json.Unmarshal(g["hooks"], &hooks) != nil || len(hooks) == 0 {
		return false
	}
	for _, h := range hooks {
		cmd, _ := h["command"].(string)
		if h["type"] != "command" || !isOurCommand(cmd, command) {
			return false
		}
	}
	return true
}

// sameValue reports whether raw JSON and v encode the same value, whatever the formatting.
func sameValue(raw []byte, v any) bool {
	want, _ := json.Marshal(v)
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal(want, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// parse checks settings text and returns its root object's span and members.
func parse(b []byte) (span, []member, error) {
	if !json.Valid(b) {
		return span{}, nil, fmt.Errorf("%w: not valid JSON (comments are not allowed)", ErrSettings)
	}
	root := rootSpan(b)
	if b[root.start] != '{' {
		return span{}, nil, fmt.Errorf("%w: not a JSON object", ErrSettings)
	}
	return root, members(b, root), nil
}

// last returns the index of the last member named key (JSON.parse keeps the last), or -1.
func last(ms []member, key string) int {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].key == key {
			return i
		}
	}
	return -1
}

func spans(ms []member) []span {
	out := make([]span, len(ms))
	for i, m := range ms {
		out[i] = span{m.start, m.val.end}
	}
	return out
}

// hooksObject returns the span and members of the "hooks" object, ok false when there is none.
func hooksObject(b []byte, top []member) (span, []member, bool, error) {
	i := last(top, "hooks")
	if i < 0 {
		return span{}, nil, false, nil
	}
	v := top[i].val
	if b[v.start] != '{' {
		return span{}, nil, false, fmt.Errorf("%w: \"hooks\" is not an object", ErrSettings)
	}
	return v, members(b, v), true, nil
}

// InstallClaude returns Claude Code settings text with AgentMonitor's matcher group, running
// command, in the entry of each of ClaudeEvents. It adds a group where there is none of ours,
// brings ours up to date where it runs another command, and changes nothing else: the user's
// groups, other events, other settings and the formatting stay byte for byte. changed is false
// when the text already had every group as wanted (out is then settings itself). It fails with
// ErrSettings for text that is not a JSON object or whose hooks have an unexpected shape.
func InstallClaude(settings []byte, command string) (out []byte, changed bool, err error) {
	b := settings
	root, top, err := parse(b)
	if err != nil {
		return nil, false, err
	}
	l := layoutOf(b)
	hooksVal, hm, ok, err := hooksObject(b, top)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		text := `"hooks"` + l.colon + l.object(ClaudeEvents, command, 1)
		return apply(b, []edit{l.appendItems(root, spans(top), []string{text}, 1)}), true, nil
	}
	var edits []edit
	var added []string
	for _, event := range ClaudeEvents {
		g := ourGroup(event, command)
		i := last(hm, event)
		if i < 0 {
			added = append(added, l.memberText(event, []claudeGroup{g}, 2))
			continue
		}
		arr := hm[i].val
		if b[arr.start] != '[' {
			return nil, false, fmt.Errorf("%w: hooks.%s is not an array", ErrSettings, event)
		}
		els := elements(b, arr)
		var mine []int
		for j, e := range els {
			if isOurGroup(b[e.start:e.end], command) {
				mine = append(mine, j)
			}
		}
		if len(mine) == 0 {
			edits = append(edits, l.appendItems(arr, els, []string{l.render(g, 3)}, 3))
			continue
		}
		// Keep the first of ours, made current, and drop any further copies.
		if first := els[mine[0]]; !sameValue(b[first.start:first.end], g) {
			edits = append(edits, edit{at: first, text: l.render(g, 3)})
		}
		if len(mine) > 1 {
			drop := make([]bool, len(els))
			for _, j := range mine[1:] {
				drop[j] = true
			}
			rm, _ := removals(els, drop) // the first of ours stays, so never all
			edits = append(edits, rm...)
		}
	}
	if len(added) > 0 {
		edits = append(edits, l.appendItems(hooksVal, spans(hm), added, 2))
	}
	if len(edits) == 0 {
		return settings, false, nil
	}
	return apply(b, edits), true, nil
}

// UninstallClaude returns Claude Code settings text without AgentMonitor's matcher groups, in any
// event. An event entry left empty is removed, and so is a "hooks" object left empty; everything
// else stays byte for byte, so uninstalling after InstallClaude gives back the text installed over.
// changed is false when there was nothing of ours.
func UninstallClaude(settings []byte, command string) (out []byte, changed bool, err error) {
	b := settings
	root, top, err := parse(b)
	if err != nil {
		return nil, false, err
	}
	_, hm, ok, err := hooksObject(b, top)
	if err != nil || !ok {
		return settings, false, err
	}
	var edits []edit
	dropMember := make([]bool, len(hm))
	removed := false
	for i, m := range hm {
		if b[m.val.start] != '[' {
			continue
		}
		els := elements(b, m.val)
		drop := make([]bool, len(els))
		found := false
		for j, e := range els {
			if isOurGroup(b[e.start:e.end], command) {
				drop[j], found = true, true
			}
		}
		if !found {
			continue
		}
		removed = true
		rm, all := removals(els, drop)
		if all {
			dropMember[i] = true
			continue
		}
		edits = append(edits, rm...)
	}
	if !removed {
		return settings, false, nil
	}
	rm, all := removals(spans(hm), dropMember)
	if !all {
		return apply(b, append(edits, rm...)), true, nil
	}
	// Nothing is left in "hooks": remove it from the root.
	dropTop := make([]bool, len(top))
	dropTop[last(top, "hooks")] = true
	rm, all = removals(spans(top), dropTop)
	if all {
		rm = []edit{{at: span{root.start + 1, root.end - 1}}}
	}
	return apply(b, rm), true, nil
}

// ClaudeStatus reports, for each of ClaudeEvents, whether settings hold AgentMonitor's group.
func ClaudeStatus(settings []byte, command string) ([]EventState, error) {
	b := settings
	_, top, err := parse(b)
	if err != nil {
		return nil, err
	}
	_, hm, _, err := hooksObject(b, top)
	if err != nil {
		return nil, err
	}
	out := make([]EventState, 0, len(ClaudeEvents))
	for _, event := range ClaudeEvents {
		st := EventState{Event: event, State: StateMissing}
		if i := last(hm, event); i >= 0 && b[hm[i].val.start] == '[' {
			for _, e := range elements(b, hm[i].val) {
				raw := b[e.start:e.end]
				if !isOurGroup(raw, command) {
					continue
				}
				if sameValue(raw, ourGroup(event, command)) {
					st.State = StateInstalled
					break
				}
				st.State = StateOutdated
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// ClaudeSnippet returns the settings.json text holding only AgentMonitor's hooks, for a user who
// merges it by hand.
func ClaudeSnippet(command string) []byte {
	l := layout{unit: "  ", newline: "\n", colon: ": "}
	return []byte("{" + l.indent(1) + `"hooks"` + l.colon + l.object(ClaudeEvents, command, 1) + l.indent(0) + "}\n")
}

// object renders the hooks object with our group for each event, at depth.
func (l layout) object(events []string, command string, depth int) string {
	var s strings.Builder
	s.WriteString("{")
	for i, event := range events {
		if i > 0 {
			s.WriteString(",")
		}
		s.WriteString(l.indent(depth + 1))
		s.WriteString(l.memberText(event, []claudeGroup{ourGroup(event, command)}, depth+1))
	}
	s.WriteString(l.indent(depth))
	s.WriteString("}")
	return s.String()
}

// InstallClaudeFile runs InstallClaude on the settings file at path (a missing or empty file counts
// as {}), creating it and its directory when needed. See editFile for how it writes.
func InstallClaudeFile(path, command string) (changed bool, err error) {
	return editFile(path, func(b []byte) ([]byte, bool, error) { return InstallClaude(b, command) })
}

// UninstallClaudeFile runs UninstallClaude on the settings file at path; a missing file is left missing.
func UninstallClaudeFile(path, command string) (changed bool, err error) {
	return editFile(path, func(b []byte) ([]byte, bool, error) { return UninstallClaude(b, command) })
}

// ClaudeStatusFile runs ClaudeStatus on the settings file at path; a missing file has nothing installed.
func ClaudeStatusFile(path, command string) ([]EventState, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hooks: read %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	st, err := ClaudeStatus(b, command)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// editFile applies change to the file at path and, when it changed something, first writes the
// file's current text to path+BackupSuffix, then replaces the file atomically (a temporary file in
// the same directory, synced, renamed over it) keeping its permissions. A symbolic link is
// followed, so a settings file kept in a dotfiles repository stays where it is.
func editFile(path string, change func([]byte) ([]byte, bool, error)) (bool, error) {
	target := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real
	}
	perm := fs.FileMode(0o644)
	orig, err := os.ReadFile(target)
	exists := err == nil
	switch {
	case exists:
		if fi, err := os.Stat(target); err == nil {
			perm = fi.Mode().Perm()
		}
	case !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("hooks: read %s: %w", path, err)
	}
	in := orig
	if len(bytes.TrimSpace(in)) == 0 {
		in = []byte("{}\n")
	}
	out, changed, err := change(in)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if !changed {
		return false, nil
	}
	if exists {
		if err := writeAtomic(target+BackupSuffix, orig, perm); err != nil {
			return false, err
		}
	} else if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return false, fmt.Errorf("hooks: create %s: %w", filepath.Dir(target), err)
	}
	if err := writeAtomic(target, out, perm); err != nil {
		return false, err
	}
	return true, nil
}

// writeAtomic replaces the file at path with data: a reader sees the old file or the new one, never
// a mix, and a crash leaves one of the two.
func writeAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("hooks: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hooks: write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a crash; best effort where directories cannot sync
		d.Close()
	}
	return nil
}
