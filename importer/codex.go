package importer

import (
	"bytes"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// usage is one set of Codex cumulative token totals (IMPORT.md 2.7).
type usage struct {
	Input      int64 `json:"in,omitempty"`
	Cached     int64 `json:"cached,omitempty"`
	Output     int64 `json:"out,omitempty"`
	Reasoning  int64 `json:"reasoning,omitempty"`
	Total      int64 `json:"total,omitempty"`
	CacheWrite int64 `json:"cw,omitempty"`
}

// codexState is what a Codex rollout's parser carries from one run to the next.
type codexState struct {
	Session string            `json:"session,omitempty"`
	Project string            `json:"project,omitempty"`
	Branch  string            `json:"branch,omitempty"`
	Model   string            `json:"model,omitempty"`   // the latest turn_context model
	Start   int64             `json:"start,omitempty"`   // session start, unix ms (date filter)
	Lines   int64             `json:"lines,omitempty"`   // complete records seen
	Last    int64             `json:"last,omitempty"`    // time of the last complete record
	Totals  usage             `json:"totals"`            // the latest cumulative totals
	Tokens  int               `json:"tokens,omitempty"`  // llm_response events so far
	Prompts int               `json:"prompts,omitempty"` // user_prompt events so far
	Preview string            `json:"preview,omitempty"` // assistant text since the last response
	Calls   map[string]*event `json:"calls,omitempty"`   // tool calls waiting for their output
	Ended   bool              `json:"ended,omitempty"`   // session_end emitted
	Forked  string            `json:"forked,omitempty"`  // forked_from_id
	InFork  bool              `json:"in_fork,omitempty"` // still in the history copied from the parent
}

// codexParser maps the records of one Codex rollout to events (IMPORT.md 4.3).
type codexParser struct {
	st           codexState
	path         string
	defaultModel string // model of config.toml, for records before any turn_context
	emit         func(*event)
	metaMax      int
	quietBefore  int64 // Unix ms: a rollout whose last record is no later is over
	// parentTotals returns the cumulative totals a forked-from session went through, nil when
	// that session was never imported.
	parentTotals func(session string) map[usage]bool
	inherited    map[usage]bool
}

// line handles one line; it reports false when the line is not a JSON object.
func (p *codexParser) line(b []byte, lineNo int64) bool {
	var ts, typ, payload []byte
	ok := wholeObject(b, func(k, v []byte) {
		switch string(k) {
		case "timestamp":
			ts = v
		case "type":
			typ = v
		case "payload":
			payload = v
		}
	})
	if !ok {
		return validValue(b) // JSON that is not an object is skipped, not malformed
	}
	if len(typ) == 0 || typ[0] != '"' {
		return true
	}
	t := unixMilli(ts)
	first := p.st.Lines == 0
	p.st.Lines++
	if t != 0 {
		p.st.Last = t
	}
	switch jstr(typ) {
	case "session_meta":
		p.sessionMeta(payload, t, first)
	case "turn_context":
		if m := jstr(field(payload, "model")); m != "" {
			p.st.Model = m
		}
		if p.st.Project == "" {
			if cwd := jstr(field(payload, "cwd")); cwd != "" {
				p.st.Project = baseName(cwd)
			}
		}
	case "event_msg":
		p.eventMsg(payload, t, lineNo)
	case "response_item":
		p.responseItem(payload, t, lineNo)
	}
	if first && p.st.Start == 0 {
		p.st.Start = t
	}
	return true
}

// session returns the session id, fixing it from the file name if no session_meta gave one.
func (p *codexParser) session() string {
	if p.st.Session == "" {
		p.st.Session = sessionFromName(p.path)
	}
	return p.st.Session
}

// sessionFromName is the UUID at the end of a rollout's file name, else the file stem.
func sessionFromName(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	if len(stem) >= 36 {
		if u := stem[len(stem)-36:]; isUUID(u) {
			return u
		}
	}
	return stem
}

func isUUID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return len(s) == 36
}

func (p *codexParser) base(typ string, t int64) event {
	return event{Session: p.session(), Type: typ, Status: "success", Project: p.st.Project,
		Branch: p.st.Branch, Time: t, Scope: p.st.Start}
}

func (p *codexParser) id(key string) string {
	return eventID("import-cdx-", "codex:"+p.session()+":"+key)
}

func (p *codexParser) sessionMeta(pl []byte, t int64, first bool) {
	var id, start, cwd, originator, version, source, provider, branch, forked string
	members(pl, func(k, v []byte) bool {
		switch string(k) {
		case "id":
			id = jstr(v)
		case "timestamp":
			start = jstr(v)
		case "cwd":
			cwd = jstr(v)
		case "originator":
			originator = jstr(v)
		case "cli_version":
			version = jstr(v)
		case "source":
			source = jstr(v)
			if source == "" && len(v) > 0 && v[0] == '{' && field(v, "subagent") != nil {
				source = "subagent"
			}
		case "model_provider":
			provider = jstr(v)
		case "git":
			branch = jstr(field(v, "branch"))
		case "forked_from_id":
			forked = jstr(v)
		}
		return true
	})
	if !first {
		return // only the first record opens the session (a resumed rollout may repeat it)
	}
	if p.st.Session == "" && id != "" {
		p.st.Session = id
	}
	if cwd != "" {
		p.st.Project = baseName(cwd)
	}
	p.st.Branch = branch
	if s := parseMilli(start); s != 0 {
		p.st.Start = s
	} else {
		p.st.Start = t
	}
	if forked != "" {
		p.st.Forked = forked
		p.st.InFork = true
	}
	ev := p.base("session_start", t)
	ev.ID = p.id("meta")
	m := metaBuilder{max: p.metaMax}
	m.str("cwd", cwd)
	m.str("originator", originator)
	m.str("cli_version", version)
	m.str("source", source)
	m.str("model_provider", provider)
	m.str("forked_from_id", forked)
	ev.Meta = m.done()
	p.emit(&ev)
}

func (p *codexParser) model() string {
	if p.st.Model != "" {
		return p.st.Model
	}
	return p.defaultModel
}

func (p *codexParser) eventMsg(pl []byte, t, lineNo int64) {
	var typ, msg, info []byte
	members(pl, func(k, v []byte) bool {
		switch string(k) {
		case "type":
			typ = v
		case "message":
			msg = v
		case "info":
			info = v
		}
		return true
	})
	switch {
	case jstrIs(typ, "user_message"):
		ev := p.base("user_prompt", t)
		ev.ID = p.id("prompt:" + strconv.Itoa(p.st.Prompts))
		p.st.Prompts++
		m := metaBuilder{max: p.metaMax}
		m.str("message", jstr(msg))
		ev.Meta = m.done()
		p.emit(&ev)
	case jstrIs(typ, "token_count"):
		p.tokenCount(info, t)
	}
}

func readUsage(v []byte) usage {
	var u usage
	members(v, func(k, v []byte) bool {
		switch string(k) {
		case "input_tokens":
			u.Input = jcount(v)
		case "cached_input_tokens":
			u.Cached = jcount(v)
		case "output_tokens":
			u.Output = jcount(v)
		case "reasoning_output_tokens":
			u.Reasoning = jcount(v)
		case "total_tokens":
			u.Total = jcount(v)
		case "cache_write_input_tokens":
			u.CacheWrite = jcount(v)
		}
		return true
	})
	return u
}

func (p *codexParser) tokenCount(info []byte, t int64) {
	if jnull(info) {
		return
	}
	total := field(info, "total_token_usage")
	if jnull(total) {
		return
	}
	u := readUsage(total)
	prev := p.st.Totals
	p.st.Totals = u
	if p.st.InFork {
		// note: a fork copies its parent's history, token counts included (IMPORT.md 2.7, 4.3):
		// totals the parent already went through are not new spend.
		if p.inherited == nil && p.parentTotals != nil {
			p.inherited = p.parentTotals(p.st.Forked)
		}
		if p.inherited[u] {
			return
		}
		p.st.InFork = false
	}
	if u.Input <= prev.Input && u.Output <= prev.Output {
		return // a repeat, or totals that went backwards: no new request
	}
	d := func(a, b int64) int64 { return max(0, a-b) }
	ev := p.base("llm_response", t)
	ev.ID = p.id("token:" + strconv.Itoa(p.st.Tokens))
	p.st.Tokens++
	ev.Model = p.model()
	ev.CacheRead = d(u.Cached, prev.Cached)
	ev.In = max(0, d(u.Input, prev.Input)-ev.CacheRead)
	ev.Out = d(u.Output, prev.Output)
	ev.CacheWrite = d(u.CacheWrite, prev.CacheWrite)
	m := metaBuilder{max: p.metaMax}
	m.str("content_preview", p.st.Preview)
	if r := d(u.Reasoning, prev.Reasoning); r > 0 {
		m.num("reasoning_tokens", r)
	}
	ev.Meta = m.done()
	p.st.Preview = ""
	p.emit(&ev)
}

func (p *codexParser) responseItem(pl []byte, t, lineNo int64) {
	var typ, name, args, input, callID, output, action, role, content []byte
	members(pl, func(k, v []byte) bool {
		switch string(k) {
		case "type":
			typ = v
		case "name":
			name = v
		case "arguments":
			args = v
		case "input":
			input = v
		case "call_id":
			callID = v
		case "output":
			output = v
		case "action":
			action = v
		case "role":
			role = v
		case "content":
			content = v
		}
		return true
	})
	switch jstr(typ) {
	case "message":
		if jstrIs(role, "assistant") {
			elements(content, func(blk []byte) {
				if s := jstr(field(blk, "text")); s != "" && len(p.st.Preview) < 4*previewRunes {
					if p.st.Preview != "" {
						p.st.Preview += "\n"
					}
					p.st.Preview = cutRunes(p.st.Preview+s, previewRunes)
				}
			})
		}
	case "function_call":
		p.call(jstr(name), jstr(callID), t, lineNo, func(m *metaBuilder) {
			a := []byte(jstr(args))
			cmd := field(a, "command")
			if jnull(cmd) {
				cmd = field(a, "cmd")
			}
			p.commandMeta(m, cmd)
		})
	case "custom_tool_call":
		p.call(jstr(name), jstr(callID), t, lineNo, func(m *metaBuilder) {
			if patch := jstr(input); strings.Contains(patch, "*** Begin Patch") {
				patchMeta(m, patch)
			}
		})
	case "local_shell_call":
		p.call("local_shell", jstr(callID), t, lineNo, func(m *metaBuilder) {
			p.commandMeta(m, field(action, "command"))
		})
	case "web_search_call":
		p.call("web_search", "", t, lineNo, func(m *metaBuilder) {
			m.str("query", jstr(field(action, "query")))
		})
	case "function_call_output", "custom_tool_call_output":
		p.output(jstr(callID), output, t)
	}
}

// commandMeta adds a shell command (a string or an argv array) and, for a patch applied through
// the shell, its file and line counts.
func (p *codexParser) commandMeta(m *metaBuilder, cmd []byte) {
	var c string
	if len(cmd) > 0 && cmd[0] == '[' {
		var argv []string
		elements(cmd, func(v []byte) { argv = append(argv, jstr(v)) })
		if len(argv) == 2 && argv[0] == "apply_patch" {
			patchMeta(m, argv[1])
			return
		}
		c = strings.Join(argv, " ")
	} else {
		c = jstr(cmd)
	}
	m.str("command", c)
	if strings.HasPrefix(strings.TrimSpace(c), "apply_patch") && strings.Contains(c, "*** Begin Patch") {
		patchMeta(m, c)
	}
}

// patchMeta adds the first file of an apply_patch text and its added and removed lines.
func patchMeta(m *metaBuilder, patch string) {
	var file string
	var added, removed int64
	for line := range strings.Lines(patch) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "*** "):
			for _, h := range []string{"*** Update File: ", "*** Add File: ", "*** Delete File: "} {
				if f, ok := strings.CutPrefix(line, h); ok && file == "" {
					file = f
				}
			}
		case strings.HasPrefix(line, "+"):
			added++
		case strings.HasPrefix(line, "-"):
			removed++
		}
	}
	m.str("file_path", file)
	m.num("lines_added", added)
	m.num("lines_removed", removed)
}

func (p *codexParser) call(name, callID string, t, lineNo int64, meta func(*metaBuilder)) {
	ev := p.base("tool_use", t)
	ev.Tool = name
	m := metaBuilder{max: p.metaMax}
	if callID != "" {
		ev.ID = p.id("call:" + callID)
		ev.Corr = callID
		m.str("call_id", callID)
		m.str("tool_use_id", callID)
	} else {
		ev.ID = p.id("line:" + strconv.FormatInt(lineNo, 10))
	}
	meta(&m)
	ev.Meta = m.done()
	if callID == "" {
		p.emit(&ev)
		return
	}
	if p.st.Calls == nil {
		p.st.Calls = map[string]*event{}
	}
	if _, dup := p.st.Calls[callID]; !dup {
		p.st.Calls[callID] = &ev
	}
}

func (p *codexParser) output(callID string, out []byte, t int64) {
	ev := p.st.Calls[callID]
	if ev == nil {
		return
	}
	delete(p.st.Calls, callID)
	if code, ok := exitCode(out); ok && code != 0 {
		ev.Status = "error"
	}
	if t > 0 && ev.Time > 0 && t >= ev.Time {
		ev.DurationMS = t - ev.Time
	}
	p.emit(ev)
}

// exitCode finds the exit code a tool output reports (IMPORT.md 2.5): JSON metadata.exit_code, a
// line "Exit code: N", or a line "Process exited with code N".
func exitCode(out []byte) (int64, bool) {
	if len(out) > 0 && out[0] == '{' {
		if md := field(out, "metadata"); md != nil {
			if c := field(md, "exit_code"); c != nil {
				return jint(c), true
			}
		}
		if c := field(out, "exit_code"); c != nil {
			return jint(c), true
		}
		out = field(out, "output")
	}
	text := []byte(jstr(out))
	if t := bytes.TrimSpace(text); len(t) > 0 && t[0] == '{' {
		if md := field(t, "metadata"); md != nil {
			if c := field(md, "exit_code"); c != nil {
				return jint(c), true
			}
		}
	}
	// Only the head of the output holds the header lines.
	head := text[:min(len(text), 4096)]
	for line := range bytes.Lines(head) {
		line = bytes.TrimSpace(line)
		for _, pre := range []string{"Exit code: ", "Process exited with code "} {
			if rest, ok := bytes.CutPrefix(line, []byte(pre)); ok {
				if n, err := strconv.ParseInt(string(rest), 10, 64); err == nil {
					return n, true
				}
			}
		}
		if bytes.Equal(line, []byte("Output:")) {
			break
		}
	}
	return 0, false
}

// finish ends a run over the file; when the file is idle, waiting tool calls are emitted as they
// are and the session ends at its last record (IMPORT.md 4.3). A file whose last record is older
// than the idle time is idle whatever its mtime says (a copy, a restored backup): its session is
// over. A live session ends only once Codex stops writing, so its session_end has its final totals.
func (p *codexParser) finish(idle bool) {
	if !idle && (p.st.Last == 0 || p.st.Last > p.quietBefore) {
		return
	}
	if len(p.st.Calls) > 0 {
		evs := make([]*event, 0, len(p.st.Calls))
		for _, ev := range p.st.Calls {
			evs = append(evs, ev)
		}
		sort.Slice(evs, func(i, j int) bool {
			if evs[i].Time != evs[j].Time {
				return evs[i].Time < evs[j].Time
			}
			return evs[i].ID < evs[j].ID
		})
		p.st.Calls = nil
		for _, ev := range evs {
			p.emit(ev)
		}
	}
	if p.st.Ended || p.st.Lines == 0 {
		return
	}
	p.st.Ended = true
	ev := p.base("session_end", p.st.Last)
	ev.ID = p.id("end")
	u := p.st.Totals
	m := metaBuilder{}
	m.num("input_tokens", u.Input)
	m.num("cached_input_tokens", u.Cached)
	m.num("output_tokens", u.Output)
	m.num("reasoning_output_tokens", u.Reasoning)
	m.num("total_tokens", u.Total)
	ev.Meta = m.done()
	p.emit(&ev)
}

// pending reports whether something waits for the file to go idle.
func (p *codexParser) pending() bool { return len(p.st.Calls) > 0 || !p.st.Ended && p.st.Lines > 0 }
