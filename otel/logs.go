package otel

import (
	"regexp"
	"strings"
	"time"

	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	logsv1 "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Agent types the mapping knows by name.
const (
	agentClaude = "claude_code"
	agentCodex  = "codex"
)

// claudeNames is the Claude map of CONTRACT 11.2 step 5a (used for every agent type but codex),
// with the names CONTRACT 18.4 adds.
var claudeNames = map[string]string{
	"claude_code.tool_result":        "tool_use",
	"claude_code.tool_use":           "tool_use",
	"claude_code.api_request":        "llm_request",
	"claude_code.api_response":       "llm_response",
	"claude_code.session_start":      "session_start",
	"claude_code.session_end":        "session_end",
	"claude_code.file_change":        "file_change",
	"claude_code.git_commit":         "git_commit",
	"claude_code.plan_step":          "plan_step",
	"claude_code.error":              "error",
	"claude_code.user_prompt":        "user_prompt",
	"claude_code.user_prompt_submit": "user_prompt",
	// CONTRACT 18.4
	"claude_code.api_error":          "error",
	"claude_code.assistant_response": "response",
	"claude_code.compaction":         "response",
	"claude_code.tool_decision":      "response",
}

// codexNames is the Codex map of CONTRACT 11.2 step 5a, as CONTRACT 18.4 amends it.
var codexNames = map[string]string{
	"codex.tool_result":   "tool_use",
	"codex.tool_use":      "tool_use",
	"codex.api_request":   "llm_request",
	"codex.api_response":  "llm_response",
	"codex.session_start": "session_start",
	"codex.session_end":   "session_end",
	"codex.file_change":   "file_change",
	"codex.error":         "error",
	"codex.user_prompt":   "user_prompt",
	"codex.user_message":  "user_prompt",
	// CONTRACT 18.4: only the result is the tool call; a decision is a response.
	"codex.tool_decision":       "response",
	"codex.conversation_starts": "session_start",
	"codex.sse_event":           "llm_response", // only response.completed gets this far
}

// suffixes is the generic suffix map of CONTRACT 11.2 step 5c.
var suffixes = map[string]string{
	"tool_result":        "tool_use",
	"tool_use":           "tool_use",
	"api_request":        "llm_request",
	"api_response":       "llm_response",
	"session_start":      "session_start",
	"session_end":        "session_end",
	"file_change":        "file_change",
	"git_commit":         "git_commit",
	"plan_step":          "plan_step",
	"error":              "error",
	"user_prompt":        "user_prompt",
	"user_prompt_submit": "user_prompt",
	"user_message":       "user_prompt",
}

// where a field's value may come from: the record's attributes, the resource's, or the body object.
type where uint8

const (
	inRecord where = iota
	inResource
	inBody
)

type source struct {
	where where
	key   string
	slot  int // for a record attribute, its slot in logMapper.vals
}

func rec(key string) source      { return source{inRecord, key, slot(key)} }
func resource(key string) source { return source{where: inResource, key: key} }
func body(key string) source     { return source{where: inBody, key: key} }

// known maps the record attributes the mapping reads to their slot: a record's attributes are
// indexed in one pass, and each field then costs one array read, not a scan of the list.
var known = map[string]attrInfo{}

type attrInfo struct {
	slot     int
	promoted bool // read into a field, so left out of metadata (CONTRACT 18.4)
}

func slot(key string) int {
	if a, ok := known[key]; ok {
		return a.slot
	}
	known[key] = attrInfo{slot: len(known)}
	return len(known) - 1
}

// Where each field is read from, first present wins (CONTRACT 11.2 steps 4 and 6).
var (
	sessionFrom = []source{rec("gen_ai.session.id"), rec("conversation.id"), rec("session.id"),
		resource("session.id"), resource("gen_ai.session.id"), resource("conversation.id"), body("session_id")}
	toolFrom       = []source{rec("gen_ai.tool.name"), rec("tool_name"), rec("tool.name"), body("tool_name")}
	modelFrom      = []source{rec("gen_ai.request.model"), rec("model"), body("model")}
	tokensInFrom   = []source{rec("gen_ai.usage.input_tokens"), body("input_tokens"), rec("input_tokens")}
	tokensOutFrom  = []source{rec("gen_ai.usage.output_tokens"), body("output_tokens"), rec("output_tokens")}
	cacheReadFrom  = []source{rec("gen_ai.usage.cache_read_input_tokens"), body("cache_read_tokens"), rec("cache_read_tokens")}
	cacheWriteFrom = []source{rec("gen_ai.usage.cache_creation_input_tokens"), body("cache_write_tokens"), rec("cache_creation_tokens")}
	costFrom       = []source{rec("gen_ai.usage.cost"), body("cost_usd"), rec("cost_usd")}
	durationFrom   = []source{rec("gen_ai.latency"), rec("duration_ms"), body("duration_ms")}
	projectFrom    = []source{rec("project"), resource("project"), body("project")}
	branchFrom     = []source{rec("branch"), resource("branch"), body("branch")}

	// codex.sse_event response.completed counts (CONTRACT 18.4, 18.12: attributes, body as fallback).
	sseInputFrom  = []source{rec("input_token_count"), body("input_token_count")}
	sseOutputFrom = []source{rec("output_token_count"), body("output_token_count")}
	sseCachedFrom = []source{rec("cached_token_count"), body("cached_token_count")}

	// promptFrom are the attributes CONTRACT 11.2 step 8 takes a prompt from, after the body's.
	promptFrom = []source{rec("gen_ai.prompt"), rec("message"), rec("prompt"), rec("codex.prompt"), rec("gen_ai.content.prompt")}

	eventNameAttr = rec("event.name")
	nameAttr      = rec("name")
	eventKindAttr = rec("event.kind")
	successAttr   = rec("success")
	timestampAttr = rec("event.timestamp")
)

// Record attributes read into fields; metadata leaves them out (CONTRACT 18.4). success is read
// into status.
func init() {
	for _, list := range [][]source{sessionFrom, toolFrom, modelFrom, tokensInFrom, tokensOutFrom, cacheReadFrom,
		cacheWriteFrom, costFrom, durationFrom, projectFrom, branchFrom, {successAttr}} {
		for _, s := range list {
			if s.where == inRecord {
				known[s.key] = attrInfo{slot: s.slot, promoted: true}
			}
		}
	}
}

// sseAttrs are promoted too on a codex.sse_event.
var sseAttrs = map[string]bool{"input_token_count": true, "output_token_count": true, "cached_token_count": true}

// promotedBody are the body keys metadata leaves out (CONTRACT 11.2 step 7).
var promotedBody = map[string]bool{
	"session_id": true, "tool_name": true, "model": true, "input_tokens": true, "output_tokens": true,
	"cache_read_tokens": true, "cache_write_tokens": true, "cost_usd": true, "duration_ms": true,
	"project": true, "branch": true,
}

// patchHeader finds the first file of an apply_patch input (CONTRACT 11.2 step 9).
var patchHeader = regexp.MustCompile(`\*\*\*\s+(?:Update|Add|Delete)\s+File:(.+)`)

// MapLogs maps the records of a logs export to events (CONTRACT 11.2 as amended by 18.1 and 18.4).
// A record without a session id, with a skipped or unknown event name, maps to nothing. Metadata is
// truncated to maxPayloadBytes (CONTRACT 6). The result is in record order.
func MapLogs(req *logsv1.LogsData, maxPayloadBytes int) []contract.Input {
	n := 0
	for _, rl := range req.GetResourceLogs() {
		for _, sl := range rl.GetScopeLogs() {
			n += len(sl.GetLogRecords())
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]contract.Input, 0, n)
	m := new(logMapper)
	m.max = maxPayloadBytes
	for _, rl := range req.GetResourceLogs() {
		res := attrs(rl.GetResource().GetAttributes())
		agent := agentType(res)
		for _, sl := range rl.GetScopeLogs() {
			for _, rec := range sl.GetLogRecords() {
				if m.record(agent, res, rec) {
					out = append(out, m.in)
				}
			}
		}
	}
	return out
}

// agentType is CONTRACT 11.2 step 3: from service.name and telemetry.sdk.name of the resource.
func agentType(res attrs) string {
	service, _ := res.str("service.name")
	sdk, _ := res.str("telemetry.sdk.name")
	both := strings.ToLower(service + " " + sdk)
	switch {
	case strings.Contains(both, "codex"):
		return agentCodex
	case strings.Contains(both, "claude"):
		return agentClaude
	case service != "":
		return service
	}
	return "unknown"
}

// logMapper maps one record at a time, reusing its buffers.
type logMapper struct {
	max        int
	in         contract.Input
	rec        attrs
	res        attrs
	body       *object // the body object, or nil
	bodyObj    object
	payloadObj object
	meta       object
	text       []byte
	vals       []*commonv1.AnyValue // the record's attribute values by slot (see known)
	keys       map[string]string    // metadata keys of attribute keys (metaKey)
}

// load indexes the record's attributes: the first value of each known key goes to its slot.
func (m *logMapper) load(a attrs) {
	if m.vals == nil {
		m.vals = make([]*commonv1.AnyValue, len(known))
	}
	clear(m.vals)
	for _, kv := range a {
		if info, ok := known[kv.GetKey()]; ok && m.vals[info.slot] == nil {
			v := kv.GetValue()
			if v == nil {
				v = emptyValue
			}
			m.vals[info.slot] = v
		}
	}
}

// metaKey is the metadata key of an attribute: dots become underscores (CONTRACT 18.4), and Codex's
// call_id is the tool_use_id (CONTRACT 18.1). Keys repeat from record to record, so they are kept.
func (m *logMapper) metaKey(k string) string {
	if mk, ok := m.keys[k]; ok {
		return mk
	}
	mk := strings.ReplaceAll(k, ".", "_")
	if k == "call_id" {
		mk = contract.KeyToolUse
	}
	if m.keys == nil {
		m.keys = make(map[string]string)
	}
	if len(m.keys) < 4096 {
		m.keys[k] = mk
	}
	return mk
}

// attr returns the record attribute of a source, or nil.
func (m *logMapper) attr(s source) *commonv1.AnyValue { return m.vals[s.slot] }

// attrStr reads a record attribute as a string, like attrs.str.
func (m *logMapper) attrStr(s source) (string, bool) {
	v := m.vals[s.slot]
	if v == nil {
		return "", false
	}
	t, ok := valueText(v)
	t = strings.TrimSpace(t)
	return t, ok && t != ""
}

// record maps rec into m.in; false when it maps to nothing.
func (m *logMapper) record(agent string, res attrs, rec *logsv1.LogRecord) bool {
	a := attrs(rec.GetAttributes())
	m.rec, m.res = a, res
	m.load(a)

	// Event name (11.2 step 5; 18.4: a name without a dot is in the agent's namespace).
	name, nameKey := "", ""
	if s, ok := m.attrStr(eventNameAttr); ok {
		name, nameKey = s, eventNameAttr.key
	} else if s, ok := m.attrStr(nameAttr); ok {
		name, nameKey = s, nameAttr.key
	}
	rawName := name
	if name != "" && !strings.Contains(name, ".") {
		switch agent {
		case agentClaude:
			name = "claude_code." + name
		case agentCodex:
			name = "codex." + name
		}
	}

	// Skip list (11.2 step 1, 18.4).
	sse := false
	switch name {
	case "codex.websocket.event", "claude_code.response":
		return false
	case "codex.sse_event":
		if kind, _ := m.attrStr(eventKindAttr); kind != "response.completed" {
			return false
		}
		sse = true
	}

	// Body object (step 2).
	m.body = nil
	m.bodyObj.reset()
	bodyText := ""
	switch v := rec.GetBody().GetValue().(type) {
	case *commonv1.AnyValue_StringValue:
		bodyText = v.StringValue
		if t := strings.TrimSpace(bodyText); strings.HasPrefix(t, "{") {
			if parseObject(&m.bodyObj, []byte(t)) {
				m.body = &m.bodyObj
			} else {
				m.bodyObj.reset()
			}
		}
	case *commonv1.AnyValue_KvlistValue:
		for _, kv := range v.KvlistValue.GetValues() {
			start := len(m.bodyObj.buf)
			m.bodyObj.buf = appendValue(m.bodyObj.buf, kv.GetValue())
			m.bodyObj.set(kv.GetKey(), start)
		}
		m.body = &m.bodyObj
	}

	session := m.str(sessionFrom)
	if session == "" {
		return false
	}
	eventType := m.eventType(agent, name, rec.GetSeverityText())
	if eventType == "" {
		return false
	}
	sse = sse && eventType == "llm_response"

	in := &m.in
	*in = contract.Input{
		SessionID: session,
		AgentType: agent,
		EventType: eventType,
		ToolName:  m.str(toolFrom),
		Model:     m.str(modelFrom),
		Project:   m.str(projectFrom),
		Branch:    m.str(branchFrom),
		Source:    contract.SourceOTel,
		Status:    contract.StatusSuccess,
	}
	if sse {
		input, cached := m.count(sseInputFrom), m.count(sseCachedFrom)
		in.TokensIn, in.CacheReadTokens, in.TokensOut = max(input-cached, 0), cached, m.count(sseOutputFrom)
	} else {
		in.TokensIn, in.TokensOut = m.count(tokensInFrom), m.count(tokensOutFrom)
		in.CacheReadTokens, in.CacheWriteTokens = m.count(cacheReadFrom), m.count(cacheWriteFrom)
	}
	if f, ok := m.num(costFrom); ok && f >= 0 {
		in.CostUSD, in.CostSource = &f, contract.CostClient
	}
	in.DurationMS = m.count(durationFrom)
	in.ClientTime = m.clientTime(rec)
	if eventType == "error" || failed(m.attr(successAttr)) {
		in.Status = contract.StatusError
	}
	in.LogUsage = name == "claude_code.api_request" &&
		(in.TokensIn|in.TokensOut|in.CacheReadTokens|in.CacheWriteTokens != 0 || in.CostUSD != nil && *in.CostUSD != 0)

	m.metadata(name, rawName, nameKey, bodyText, sse)
	return true
}

// eventType is CONTRACT 11.2 step 5 (rules a–f); "" skips the record.
func (m *logMapper) eventType(agent, name, severity string) string {
	names := claudeNames
	if agent == agentCodex {
		names = codexNames
	}
	if t, ok := names[name]; ok {
		return t
	}
	if agent == agentCodex && (name == "codex.response" || name == "codex.event_msg") {
		msgType, ok := m.payload().str("type")
		if !ok {
			msgType, _ = m.body.str("type")
		}
		if msgType == "user_message" || msgType == "user_prompt" {
			return "user_prompt"
		}
	}
	if i := strings.LastIndexByte(name, '.'); name != "" {
		if t, ok := suffixes[name[i+1:]]; ok {
			return t
		}
	}
	if agent == agentCodex {
		if t, _ := m.body.str("type"); t == "user_message" {
			return "user_prompt"
		}
		if t, _ := m.payload().str("type"); t == "user_message" {
			return "user_prompt"
		}
	}
	if severity == "ERROR" {
		return "error"
	}
	return ""
}

// payload returns the body's payload object (empty when there is none).
func (m *logMapper) payload() *object {
	m.payloadObj.reset()
	if raw := m.body.value("payload"); len(raw) > 0 && raw[0] == '{' && !parseObject(&m.payloadObj, raw) {
		m.payloadObj.reset()
	}
	return &m.payloadObj
}

// metadata builds the record's metadata (CONTRACT 11.2 steps 7–9, 18.4) into m.in.
func (m *logMapper) metadata(name, rawName, nameKey, bodyText string, sse bool) {
	in, md, a := &m.in, &m.meta, m.rec
	md.reset()
	switch {
	case m.body != nil:
		for i, k := range m.body.keys {
			if !promotedBody[k] {
				md.setRaw(k, m.body.buf[m.body.vals[i][0]:m.body.vals[i][1]])
			}
		}
	case bodyText != "" && bodyText != name && bodyText != rawName:
		md.setString("message", bodyText)
	}
	for _, kv := range a {
		k := kv.GetKey()
		if k == nameKey || k == "session.id" || strings.HasPrefix(k, "event.") || strings.HasPrefix(k, "user.") ||
			known[k].promoted || sse && sseAttrs[k] {
			continue
		}
		mk := m.metaKey(k)
		if md.index(mk) >= 0 {
			continue // the body's own member, or an earlier attribute, wins
		}
		start := len(md.buf)
		md.buf = appendValue(md.buf, kv.GetValue())
		md.set(mk, start)
	}

	// Prompt text (step 8). A prompt taken from an attribute is not kept twice.
	if in.EventType == "user_prompt" && !truthy(md.value("message")) {
		msg, from := "", ""
		if s, ok := m.body.str("message"); ok && s != "" {
			msg = s
		} else if s, ok := m.payload().str("message"); ok && s != "" {
			msg = s
		} else {
			for _, src := range promptFrom {
				if v := m.attr(src); v != nil {
					if s, ok := valueText(v); ok && s != "" {
						msg, from = s, strings.ReplaceAll(src.key, ".", "_")
						break
					}
				}
			}
		}
		if msg != "" {
			if from != "" && from != "message" && m.body.value(from) == nil {
				md.remove(from)
			}
			md.setString("message", msg)
		}
	}

	// Patch stats (step 9).
	if in.ToolName == "apply_patch" {
		patch, ok := md.str("input")
		if !ok {
			patch, ok = m.body.str("input")
		}
		if ok {
			if path, added, removed, found := patchStats(patch); found {
				md.setString("file_path", path)
				md.setInt("lines_added", added)
				md.setInt("lines_removed", removed)
			}
		}
	}

	if kind := contract.CorrelationKind(in.EventType); kind != "" {
		if s, ok := md.str(kind); ok && s != "" {
			in.Correlation = s
		}
	}
	m.text = md.appendTo(m.text[:0])
	in.Metadata, in.PayloadTruncated = contract.Metadata(m.text, m.max)
}

// patchStats reads the first file path of an apply_patch text and counts its added and removed lines.
func patchStats(patch string) (path string, added, removed int64, ok bool) {
	sub := patchHeader.FindStringSubmatch(patch)
	if sub == nil {
		return "", 0, 0, false
	}
	path = strings.TrimSpace(sub[1])
	for line := range strings.SplitSeq(patch, "\n") {
		switch {
		case strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++"):
			added++
		case strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---"):
			removed++
		}
	}
	return path, added, removed, true
}

// str returns the first present, non-empty string among from (trimmed), or "".
func (m *logMapper) str(from []source) string {
	for _, f := range from {
		var s string
		var ok bool
		switch f.where {
		case inRecord:
			s, ok = m.attrStr(f)
		case inResource:
			s, ok = m.res.str(f.key)
		case inBody:
			s, ok = m.body.str(f.key)
			s = strings.TrimSpace(s)
			ok = ok && s != ""
		}
		if ok {
			return s
		}
	}
	return ""
}

// num returns the first present number among from: attributes read as numbers (CONTRACT 11.1),
// body members only when they are JSON numbers.
func (m *logMapper) num(from []source) (float64, bool) {
	for _, f := range from {
		var v float64
		var ok bool
		switch f.where {
		case inRecord:
			if a := m.attr(f); a != nil {
				v, ok = valueNumber(a)
			}
		case inResource:
			v, ok = m.res.num(f.key)
		case inBody:
			v, ok = m.body.num(f.key)
		}
		if ok {
			return v, true
		}
	}
	return 0, false
}

// count is num as a count: truncated to an integer; absent or negative is 0.
func (m *logMapper) count(from []source) int64 {
	v, ok := m.num(from)
	if !ok {
		return 0
	}
	return toCount(v)
}

// toCount truncates v to a non-negative int64.
func toCount(v float64) int64 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1<<63:
		return 1<<63 - 1
	}
	return int64(v)
}

// clientTime is the record's time (CONTRACT 11.2 step 6, 18.4): timeUnixNano, else
// observedTimeUnixNano, else the event.timestamp attribute, cut to milliseconds; zero when none
// is after the epoch.
func (m *logMapper) clientTime(rec *logsv1.LogRecord) time.Time {
	for _, ns := range [...]uint64{rec.GetTimeUnixNano(), rec.GetObservedTimeUnixNano()} {
		if ms := int64(ns / 1e6); ms > 0 {
			return time.UnixMilli(ms).UTC()
		}
	}
	if s, ok := m.attrStr(timestampAttr); ok {
		if t, ok := contract.ParseTime(s); ok && t.UnixMilli() > 0 {
			return t.Truncate(time.Millisecond).UTC()
		}
	}
	return time.Time{}
}

// failed reports whether a success attribute says false: the boolean false or the string "false"
// (CONTRACT 18.4, 18.12).
func failed(v *commonv1.AnyValue) bool {
	switch x := v.GetValue().(type) {
	case *commonv1.AnyValue_BoolValue:
		return !x.BoolValue
	case *commonv1.AnyValue_StringValue:
		return strings.TrimSpace(x.StringValue) == "false"
	}
	return false
}
