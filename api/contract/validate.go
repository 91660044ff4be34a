package contract

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Messages of CONTRACT 4.2, exact.
const (
	msgObject      = "must be a JSON object"
	msgString      = "must be a string"
	msgNonEmpty    = "must be a non-empty string"
	msgEventType   = "must be one of: tool_use, session_start, session_end, error, llm_request, llm_response, response, file_change, git_commit, plan_step, user_prompt"
	msgOptString   = "must be a string when provided"
	msgStatus      = "must be one of: success, error, timeout"
	msgInteger     = "must be a non-negative integer when provided"
	msgNumber      = "must be a non-negative number when provided"
	msgTimeType    = "must be an ISO timestamp string when provided"
	msgTimeInvalid = "must be a valid timestamp"
)

// The event fields ParseEvent reads, in the order their errors are listed (metadata has none).
const (
	fSessionID = iota
	fAgentType
	fEventType
	fStatus
	fEventID
	fToolName
	fBranch
	fProject
	fModel
	fDurationMS
	fTokensIn
	fTokensOut
	fCacheRead
	fCacheWrite
	fCostUSD
	fClientTimestamp
	fSource
	fMetadata
	numFields
)

var fieldNames = [numFields]string{
	"session_id", "agent_type", "event_type", "status", "event_id", "tool_name", "branch", "project",
	"model", "duration_ms", "tokens_in", "tokens_out", "cache_read_tokens", "cache_write_tokens",
	"cost_usd", "client_timestamp", "source", "metadata",
}

func fieldIndex(key []byte) int {
	switch string(key) {
	case "session_id":
		return fSessionID
	case "agent_type":
		return fAgentType
	case "event_type":
		return fEventType
	case "status":
		return fStatus
	case "event_id":
		return fEventID
	case "tool_name":
		return fToolName
	case "branch":
		return fBranch
	case "project":
		return fProject
	case "model":
		return fModel
	case "duration_ms":
		return fDurationMS
	case "tokens_in":
		return fTokensIn
	case "tokens_out":
		return fTokensOut
	case "cache_read_tokens":
		return fCacheRead
	case "cache_write_tokens":
		return fCacheWrite
	case "cost_usd":
		return fCostUSD
	case "client_timestamp":
		return fClientTimestamp
	case "source":
		return fSource
	case "metadata":
		return fMetadata
	}
	return -1
}

// ParseEvent validates and normalizes one event (CONTRACT section 4), raw being the JSON text of the
// decoded body (Lenient's result) or of one batch item; maxPayloadBytes is M of section 6.
//
// When raw is not a JSON object (nil, invalid JSON, a string, number, array, boolean or null) the only
// error is {body, "must be a JSON object"}. Otherwise every field error is returned, in the contract's
// order and with its exact message; unknown fields are ignored and a repeated key counts with its last
// value, as JavaScript's JSON.parse. On success (nil errors) the Input has trimmed strings ("" for
// absent or blank optional ones), the default status (error for an error event, else success),
// source "api" when none was given, CostSource "client" when cost_usd was given, ClientTime in UTC cut
// to milliseconds, the stored metadata text (section 6) and the Correlation key value read from the
// original metadata. Project and branch backfill, pricing and GitBranch are left to the caller.
func ParseEvent(raw json.RawMessage, maxPayloadBytes int) (Input, []FieldError) {
	var vals [numFields][]byte // raw JSON value of each field; nil when absent
	if !scanEvent(raw, &vals) {
		return Input{}, []FieldError{{Field: "body", Message: msgObject}}
	}
	var (
		in   Input
		errs []FieldError
	)
	fail := func(f int, msg string) { errs = append(errs, FieldError{Field: fieldNames[f], Message: msg}) }

	for _, f := range [...]int{fSessionID, fAgentType, fEventType} {
		s, ok := stringValue(vals[f])
		switch {
		case !ok:
			fail(f, msgString)
		case s == "":
			fail(f, msgNonEmpty)
		}
		switch f {
		case fSessionID:
			in.SessionID = s
		case fAgentType:
			in.AgentType = s
		case fEventType:
			in.EventType = s
			if !isEventType(s) {
				fail(f, msgEventType)
			}
		}
	}

	if v := vals[fStatus]; present(v) {
		if v[0] != '"' {
			fail(fStatus, msgOptString)
		} else {
			switch s := intern(stringText(v[1 : len(v)-1])); s { // not trimmed
			case StatusSuccess, StatusError, StatusTimeout:
				in.Status = s
			default:
				fail(fStatus, msgStatus)
			}
		}
	}

	for _, f := range [...]int{fEventID, fToolName, fBranch, fProject, fModel} {
		s, ok := optString(vals[f])
		if !ok {
			fail(f, msgOptString)
			continue
		}
		switch f {
		case fEventID:
			in.EventID = s
		case fToolName:
			in.ToolName = s
		case fBranch:
			in.Branch = s
		case fProject:
			in.Project = s
		case fModel:
			in.Model = s
		}
	}

	for _, f := range [...]int{fDurationMS, fTokensIn, fTokensOut, fCacheRead, fCacheWrite} {
		n, ok := intValue(vals[f])
		if !ok {
			fail(f, msgInteger)
			continue
		}
		switch f {
		case fDurationMS:
			in.DurationMS = n
		case fTokensIn:
			in.TokensIn = n
		case fTokensOut:
			in.TokensOut = n
		case fCacheRead:
			in.CacheReadTokens = n
		case fCacheWrite:
			in.CacheWriteTokens = n
		}
	}

	if v := vals[fCostUSD]; present(v) {
		f, ok := numberValue(v)
		if !ok || f < 0 || math.IsInf(f, 0) {
			fail(fCostUSD, msgNumber)
		} else {
			f += 0 // -0 → 0
			in.CostUSD, in.CostSource = &f, CostClient
		}
	}

	if v := vals[fClientTimestamp]; present(v) {
		if v[0] != '"' {
			fail(fClientTimestamp, msgTimeType)
		} else if t, ok := parseTime(stringText(v[1 : len(v)-1])); !ok {
			fail(fClientTimestamp, msgTimeInvalid)
		} else {
			in.ClientTime = t.Truncate(time.Millisecond)
		}
	}

	s, ok := optString(vals[fSource])
	if !ok {
		fail(fSource, msgOptString)
	}
	if s == "" {
		s = SourceAPI
	}
	in.Source = s

	if errs != nil {
		return Input{}, errs
	}
	if in.Status == "" {
		in.Status = StatusSuccess
		if in.EventType == "error" {
			in.Status = StatusError
		}
	}
	in.Metadata, in.PayloadTruncated, in.Correlation = metadata(vals[fMetadata], maxPayloadBytes, CorrelationKind(in.EventType))
	return in, nil
}

// scanEvent checks that raw is one JSON object and records the raw value of each known member
// (the last one when a key repeats).
func scanEvent(raw []byte, vals *[numFields][]byte) bool {
	s := scanner{b: raw}
	s.ws()
	if s.i >= len(raw) || raw[s.i] != '{' {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(raw) && raw[s.i] == '}' {
		s.i++
		return s.end()
	}
	for {
		if s.i >= len(raw) || raw[s.i] != '"' {
			return false
		}
		k0 := s.i + 1
		esc, ok := s.str()
		if !ok {
			return false
		}
		key := raw[k0 : s.i-1]
		if esc {
			key = appendUnescaped(nil, key)
		}
		s.ws()
		if s.i >= len(raw) || raw[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		v0 := s.i
		if !s.skip(1) {
			return false
		}
		if f := fieldIndex(key); f >= 0 {
			vals[f] = raw[v0:s.i]
		}
		s.ws()
		if s.i >= len(raw) {
			return false
		}
		if raw[s.i] == '}' {
			s.i++
			return s.end()
		}
		if raw[s.i] != ',' {
			return false
		}
		s.i++
		s.ws()
	}
}

func isEventType(s string) bool {
	switch s {
	case "tool_use", "session_start", "session_end", "error", "llm_request", "llm_response",
		"response", "file_change", "git_commit", "plan_step", "user_prompt":
		return true
	}
	return false
}

// present reports whether a field was given a value other than null.
func present(v []byte) bool { return v != nil && v[0] != 'n' }

// stringValue returns the trimmed text of a string value; false when v is absent or not a string.
func stringValue(v []byte) (string, bool) {
	if v == nil || v[0] != '"' {
		return "", false
	}
	return intern(trimJS(stringText(v[1 : len(v)-1]))), true
}

// intern returns b as a string, without allocating for the values most events carry.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "tool_use":
		return "tool_use"
	case "session_start":
		return "session_start"
	case "session_end":
		return "session_end"
	case "error":
		return "error"
	case "llm_request":
		return "llm_request"
	case "llm_response":
		return "llm_response"
	case "response":
		return "response"
	case "file_change":
		return "file_change"
	case "git_commit":
		return "git_commit"
	case "plan_step":
		return "plan_step"
	case "user_prompt":
		return "user_prompt"
	case "success":
		return "success"
	case "timeout":
		return "timeout"
	case "api":
		return "api"
	case "hook":
		return "hook"
	case "otel":
		return "otel"
	case "import":
		return "import"
	case "claude_code":
		return "claude_code"
	case "codex":
		return "codex"
	case "main":
		return "main"
	case "Bash":
		return "Bash"
	case "Read":
		return "Read"
	case "Edit":
		return "Edit"
	case "Write":
		return "Write"
	case "Grep":
		return "Grep"
	case "Glob":
		return "Glob"
	}
	return string(b)
}

// optString is stringValue for an optional field: absent and null are "", true.
func optString(v []byte) (string, bool) {
	if !present(v) {
		return "", true
	}
	return stringValue(v)
}

// numberValue returns the float64 JavaScript reads from a number value; false when v is not a number.
func numberValue(v []byte) (float64, bool) {
	if c := v[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	if len(v) <= 15 {
		n, plain := int64(0), true
		for _, c := range v {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// intValue reads an optional non-negative integer field: a JSON number whose value (as JavaScript
// reads it) is a whole number ≥ 0 and below 2^63. Absent and null are 0, true.
func intValue(v []byte) (int64, bool) {
	if !present(v) {
		return 0, true
	}
	f, ok := numberValue(v)
	if !ok || f < 0 || f != math.Trunc(f) || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}
