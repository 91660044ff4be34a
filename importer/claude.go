package importer

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// claudeState is what a Claude Code transcript's parser carries from one run to the next.
type claudeState struct {
	Project string            `json:"project,omitempty"` // base name of the first non-empty cwd
	Branch  string            `json:"branch,omitempty"`  // the latest non-empty gitBranch
	Group   *claudeGroup      `json:"group,omitempty"`   // the response being read
	Last    string            `json:"last,omitempty"`    // key of the last response emitted
	Tools   map[string]*event `json:"tools,omitempty"`   // tool calls waiting for their result
}

// claudeGroup is one API response being assembled from its lines (IMPORT.md 1.5, 4.2).
type claudeGroup struct {
	Key       string `json:"key"`
	Ev        event  `json:"ev"`
	Preview   string `json:"preview,omitempty"`
	Stop      string `json:"stop,omitempty"` // stop_reason of the last line
	RequestID string `json:"req,omitempty"`
	MessageID string `json:"msg,omitempty"`
	Sidechain bool   `json:"side,omitempty"`
	AgentID   string `json:"agent,omitempty"`
}

// previewRunes is the length of an llm_response's content_preview (IMPORT.md 4.3b).
const previewRunes = 2000

// claudeParser maps the lines of one Claude Code transcript to events (IMPORT.md 4.2).
type claudeParser struct {
	st      claudeState
	stem    string // file name without .jsonl: the session of lines without sessionId
	emit    func(*event)
	metaMax int
}

// claudeLine holds the envelope fields of one line, as raw JSON values.
type claudeLine struct {
	typ, uuid, session, ts, cwd, branch, requestID, promptID, agentID, msg []byte
	sidechain, meta, compact, apiError                                     bool
	apiStatus, errText                                                     []byte
	lineNo                                                                 int64
}

// line handles one line; it reports false when the line is not a JSON object.
func (p *claudeParser) line(b []byte, lineNo int64) bool {
	var l claudeLine
	l.lineNo = lineNo
	ok := wholeObject(b, func(k, v []byte) {
		switch string(k) {
		case "type":
			l.typ = v
		case "uuid":
			l.uuid = v
		case "sessionId":
			l.session = v
		case "timestamp":
			l.ts = v
		case "cwd":
			l.cwd = v
		case "gitBranch":
			l.branch = v
		case "requestId":
			l.requestID = v
		case "promptId":
			l.promptID = v
		case "agentId":
			l.agentID = v
		case "message":
			l.msg = v
		case "isSidechain":
			l.sidechain = jtrue(v)
		case "isMeta":
			l.meta = jtrue(v)
		case "isCompactSummary":
			l.compact = jtrue(v)
		case "isApiErrorMessage":
			l.apiError = jtrue(v)
		case "apiErrorStatus":
			l.apiStatus = v
		case "error":
			l.errText = v
		}
	})
	if !ok {
		return validValue(b) // JSON that is not an object is skipped, not malformed
	}
	isUser, isAssistant := jstrIs(l.typ, "user"), jstrIs(l.typ, "assistant")
	if !isUser && !isAssistant {
		return true // every other record type carries no event (IMPORT.md 4.2)
	}
	if p.st.Project == "" {
		if cwd := jstr(l.cwd); cwd != "" {
			p.st.Project = baseName(cwd)
		}
	}
	if br := jstr(l.branch); br != "" {
		p.st.Branch = br
	}
	if isUser {
		p.user(&l)
	} else {
		p.assistant(&l)
	}
	return true
}

func (p *claudeParser) session(l *claudeLine) string {
	if s := jstr(l.session); s != "" {
		return s
	}
	return p.stem
}

// lineKey is the id key of an event that is a whole line: global, so a line copied into a resumed
// session is the same event.
func (p *claudeParser) lineKey(l *claudeLine) string {
	if u := jstr(l.uuid); u != "" {
		return "claude-code:line:" + u
	}
	return "claude-code:line:" + p.session(l) + ":" + string(l.ts)
}

func (p *claudeParser) base(l *claudeLine, typ string) event {
	t := unixMilli(l.ts)
	return event{Session: p.session(l), Type: typ, Status: "success", Project: p.st.Project,
		Branch: p.st.Branch, Time: t, Scope: t}
}

func (p *claudeParser) user(l *claudeLine) {
	p.closeGroup()
	var text strings.Builder
	hasText, hasResult := false, false
	content := field(l.msg, "content")
	if len(content) > 0 && content[0] == '"' {
		s := jstr(content)
		text.WriteString(s)
		hasText = strings.TrimSpace(s) != ""
	} else {
		ts := unixMilli(l.ts)
		elements(content, func(blk []byte) {
			var typ, txt, id, isErr []byte
			members(blk, func(k, v []byte) bool {
				switch string(k) {
				case "type":
					typ = v
				case "text":
					txt = v
				case "tool_use_id":
					id = v
				case "is_error":
					isErr = v
				}
				return true
			})
			switch {
			case jstrIs(typ, "text"):
				s := jstr(txt)
				if strings.TrimSpace(s) != "" {
					hasText = true
				}
				if text.Len() > 0 {
					text.WriteByte('\n')
				}
				text.WriteString(s)
			case jstrIs(typ, "tool_result"):
				hasResult = true
				p.resolve(jstr(id), jtrue(isErr), ts)
			}
		})
	}
	if !hasText || hasResult || l.meta || l.sidechain || l.compact {
		return
	}
	ev := p.base(l, "user_prompt")
	ev.ID = eventID("import-cc-", p.lineKey(l))
	ev.Corr = jstr(l.promptID)
	m := metaBuilder{max: p.metaMax}
	m.str("message", text.String())
	m.str("prompt_id", ev.Corr)
	ev.Meta = m.done()
	p.emit(&ev)
}

// resolve emits the waiting tool call id with the outcome of its result.
func (p *claudeParser) resolve(id string, isErr bool, ts int64) {
	ev := p.st.Tools[id]
	if ev == nil {
		return
	}
	delete(p.st.Tools, id)
	if isErr {
		ev.Status = "error"
	}
	if ts > 0 && ev.Time > 0 && ts >= ev.Time {
		ev.DurationMS = ts - ev.Time
	}
	p.emit(ev)
}

// assistantMsg is the part of an assistant line's message the importer reads.
type assistantMsg struct {
	id, model, stop                string
	in, out, cacheRead, cacheWrite int64
	content                        []byte
}

func readAssistant(msg []byte) assistantMsg {
	var a assistantMsg
	members(msg, func(k, v []byte) bool {
		switch string(k) {
		case "id":
			a.id = jstr(v)
		case "model":
			a.model = jstr(v)
		case "stop_reason":
			a.stop = jstr(v)
		case "content":
			a.content = v
		case "usage":
			members(v, func(k, v []byte) bool {
				switch string(k) {
				case "input_tokens":
					a.in = jcount(v)
				case "output_tokens":
					a.out = jcount(v)
				case "cache_read_input_tokens":
					a.cacheRead = jcount(v)
				case "cache_creation_input_tokens":
					a.cacheWrite = jcount(v)
				}
				return true
			})
		}
		return true
	})
	return a
}

func (p *claudeParser) assistant(l *claudeLine) {
	a := readAssistant(l.msg)
	if l.apiError || a.model == "<synthetic>" {
		p.closeGroup()
		p.apiError(l, &a)
		return
	}
	reqID := jstr(l.requestID)
	key := "uuid:" + jstr(l.uuid)
	if a.id != "" {
		scope := reqID
		if scope == "" {
			scope = p.session(l)
		}
		key = a.id + ":" + scope
	}
	g := p.st.Group
	switch {
	case g != nil && g.Key == key:
	case key == p.st.Last:
		g = nil // a late line of a response already emitted: only its tool calls are new
	default:
		p.closeGroup()
		g = &claudeGroup{Key: key, Ev: p.base(l, "llm_response"), RequestID: reqID, MessageID: a.id,
			Sidechain: l.sidechain, AgentID: jstr(l.agentID)}
		g.Ev.ID = eventID("import-cc-", "claude-code:resp:"+key)
		g.Ev.Corr = reqID
		p.st.Group = g
	}
	if g != nil {
		if a.model != "" {
			g.Ev.Model = a.model
		}
		g.Ev.In, g.Ev.Out, g.Ev.CacheRead, g.Ev.CacheWrite = a.in, a.out, a.cacheRead, a.cacheWrite
		g.Stop = a.stop
		g.Ev.Branch = p.st.Branch
	}
	elements(a.content, func(blk []byte) {
		var typ, txt, id, name, input []byte
		members(blk, func(k, v []byte) bool {
			switch string(k) {
			case "type":
				typ = v
			case "text":
				txt = v
			case "id":
				id = v
			case "name":
				name = v
			case "input":
				input = v
			}
			return true
		})
		switch {
		case jstrIs(typ, "text"):
			if g != nil && utf8.RuneCountInString(g.Preview) < previewRunes {
				if g.Preview != "" {
					g.Preview += "\n"
				}
				g.Preview = cutRunes(g.Preview+jstr(txt), previewRunes)
			}
		case jstrIs(typ, "tool_use"):
			p.toolUse(l, jstr(id), jstr(name), input)
		}
	})
}

func (p *claudeParser) apiError(l *claudeLine, a *assistantMsg) {
	var text strings.Builder
	elements(a.content, func(blk []byte) {
		if jstrIs(field(blk, "type"), "text") {
			text.WriteString(jstr(field(blk, "text")))
		}
	})
	ev := p.base(l, "error")
	ev.ID = eventID("import-cc-", p.lineKey(l))
	ev.Status = "error"
	m := metaBuilder{max: p.metaMax}
	msg := text.String()
	if msg == "" {
		msg = jstr(l.errText)
	}
	m.str("error", msg)
	if kind := jstr(l.errText); kind != "" && kind != msg {
		m.str("error_type", kind)
	}
	if s := jint(l.apiStatus); s != 0 {
		m.num("status_code", s)
	}
	m.str("request_id", jstr(l.requestID))
	m.flag("is_sidechain", l.sidechain)
	m.str("agent_id", jstr(l.agentID))
	ev.Meta = m.done()
	p.emit(&ev)
}

func (p *claudeParser) toolUse(l *claudeLine, id, name string, input []byte) {
	if id == "" {
		return
	}
	if _, waiting := p.st.Tools[id]; waiting {
		return
	}
	ev := p.base(l, "tool_use")
	ev.ID = eventID("import-cc-", "claude-code:tool:"+id)
	ev.Tool = name
	ev.Corr = id
	m := metaBuilder{max: p.metaMax}
	m.str("tool_use_id", id)
	var command, filePath, pattern, query, url, path, oldS, newS, content string
	var added, removed int64
	edits := false
	members(input, func(k, v []byte) bool {
		switch string(k) {
		case "command":
			command = jstr(v)
		case "file_path", "notebook_path":
			filePath = jstr(v)
		case "pattern":
			pattern = jstr(v)
		case "query":
			query = jstr(v)
		case "url":
			url = jstr(v)
		case "path":
			path = jstr(v)
		case "old_string":
			oldS = jstr(v)
		case "new_string":
			newS = jstr(v)
		case "content":
			content = jstr(v)
		case "edits":
			edits = true
			elements(v, func(e []byte) {
				removed += lineCount(jstr(field(e, "old_string")))
				added += lineCount(jstr(field(e, "new_string")))
			})
		}
		return true
	})
	switch name {
	case "Edit":
		added, removed = lineCount(newS), lineCount(oldS)
	case "Write":
		added = lineCount(content)
	}
	m.str("command", command)
	m.str("file_path", filePath)
	m.str("pattern", pattern)
	m.str("query", query)
	m.str("url", url)
	m.str("path", path)
	if name == "Edit" || name == "Write" || name == "MultiEdit" || edits {
		m.num("lines_added", added)
		m.num("lines_removed", removed)
	}
	m.flag("is_sidechain", l.sidechain)
	m.str("agent_id", jstr(l.agentID))
	ev.Meta = m.done()
	if p.st.Tools == nil {
		p.st.Tools = map[string]*event{}
	}
	p.st.Tools[id] = &ev
}

func (p *claudeParser) closeGroup() {
	g := p.st.Group
	if g == nil {
		return
	}
	p.st.Group = nil
	p.st.Last = g.Key
	m := metaBuilder{max: p.metaMax}
	m.str("content_preview", g.Preview)
	m.str("request_id", g.RequestID)
	m.str("message_id", g.MessageID)
	m.str("stop_reason", g.Stop)
	m.flag("is_sidechain", g.Sidechain)
	m.str("agent_id", g.AgentID)
	g.Ev.Meta = m.done()
	p.emit(&g.Ev)
}

// finish ends a run over the file: a response whose last line has a stop_reason is complete; when
// the file is idle, everything still waiting is emitted as it is.
func (p *claudeParser) finish(idle bool) {
	if g := p.st.Group; g != nil && (idle || g.Stop != "") {
		p.closeGroup()
	}
	if !idle || len(p.st.Tools) == 0 {
		return
	}
	evs := make([]*event, 0, len(p.st.Tools))
	for _, ev := range p.st.Tools {
		evs = append(evs, ev)
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].Time != evs[j].Time {
			return evs[i].Time < evs[j].Time
		}
		return evs[i].ID < evs[j].ID
	})
	p.st.Tools = nil
	for _, ev := range evs {
		p.emit(ev)
	}
}

// pending reports whether something waits for more lines (or for the file to go idle).
func (p *claudeParser) pending() bool { return p.st.Group != nil || len(p.st.Tools) > 0 }
