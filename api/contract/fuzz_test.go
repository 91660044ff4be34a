package contract

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Real-looking bodies: hook events, batch items, OTLP-built metadata, broken and odd encodings.
var seedBodies = []string{
	string(benchEvent),
	`{"session_id":"s1","agent_type":"claude_code","event_type":"tool_use","tokens_in":100,"tokens_out":50,"cost_usd":0.01}`,
	`{"session_id":"s2","agent_type":"codex","event_type":"llm_response","model":"o3","tokens_in":250000,"tokens_out":125000,"cost_usd":12.345}`,
	`{"session_id":"tx-sess","agent_type":"claude_code","event_type":"tool_use","tool_name":"Bash","status":"error","duration_ms":150,"metadata":{"command":"npm test"}}`,
	`{"session_id":"s","agent_type":"claude_code","event_type":"user_prompt","source":"hook","event_id":"hook-1","metadata":{"message":"fix the \u003cdiv\u003e","prompt_id":"p-1"}}`,
	`{"session_id":"s","agent_type":"a","event_type":"error","metadata":{"error":{"message":"Rate limit exceeded"}},"client_timestamp":"2026-02-18T10:00:00-05:00"}`,
	`{"session_id":" s ","agent_type":"a","event_type":" tool_use ","tool_name":"  ","status":"ok","tokens_in":-1,"tokens_out":"5"}`,
	`{"session_id":"s","agent_type":"a","event_type":"tool_use","source":"import","client_timestamp":"2020-01-02T03:04:05.000Z","metadata":"just text"}`,
	`{"session_id":"s","session_id":"t","agent_type":"a","event_type":"tool_use","metadata":{"a":1,"a":2.50,"b":[1e3,-0]}}`,
	`{"session_id":"s","agent_type":"a","event_type":"llm_request","metadata":{"request_id":"req_1","cache":{"read":800}}}`,
	`{"session_id":"s"}`,
	`{}`,
	`[]`,
	`"just a string"`,
	`""just a string""`,
	`"{\"session_id\":\"s\",\"agent_type\":\"a\",\"event_type\":\"tool_use\"}"`,
	`"\"{\\\"session_id\\\":\\\"s\\\"}\""`,
	`"{"session_id":"s","agent_type":"a","event_type":"tool_use"}"`,
	"\ufeff {\"session_id\":\"s\",\"agent_type\":\"a\",\"event_type\":\"tool_use\"}\n",
	`null`, `12345`, `not-a-date`, ``, `  `, `{"a":`, "{\"s\":\"\xff\xe2\x82\"}", `{"\u0073ession_id":"\ud800"}`,
}

func FuzzLenient(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := Lenient(body)
		if got == nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("Lenient(%q) = %q, not JSON", body, got)
		}
		if got[0] == '"' {
			text := trimJS(stringText(got[1 : len(got)-1]))
			if len(text) > 0 && (text[0] == '{' || text[0] == '[') {
				t.Fatalf("Lenient(%q) stopped at a double-encoded value %q", body, got)
			}
		}
		if trimmed := trimJS(body); json.Valid(trimmed) && trimmed[0] != '"' && !bytes.Equal(got, trimmed) {
			t.Fatalf("Lenient(%q) = %q, want the body itself", body, got)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s), uint16(1024))
	}
	f.Add([]byte(`{"command":"pnpm test","blob":"`+strings.Repeat("😀", 300)+`"}`), uint16(100))
	f.Add([]byte(`{"command":"x","type":"y","z":"0123456789"}`), uint16(40))
	f.Add([]byte(`[1.0,1e21,1e-7,0.000001,-0,1e400,"\u2028\ud800\u003c"]`), uint16(10))
	f.Add([]byte(`{"a":1}`), uint16(1))
	f.Fuzz(func(t *testing.T, raw []byte, m uint16) {
		maxBytes := int(m)
		out, err := CompactJSON(raw)
		if (err == nil) != json.Valid(raw) {
			t.Fatalf("CompactJSON(%q) error %v, json.Valid %v", raw, err, json.Valid(raw))
		}
		if err == nil {
			if !json.Valid(out) {
				t.Fatalf("CompactJSON(%q) = %q, not JSON", raw, out)
			}
			if again, err := CompactJSON(out); err != nil || !bytes.Equal(again, out) {
				t.Fatalf("CompactJSON not idempotent on %q: %q", out, again)
			}
			var a, b any
			if utf8.Valid(raw) && json.Unmarshal(raw, &a) == nil {
				if err := json.Unmarshal(out, &b); err != nil || !reflect.DeepEqual(a, b) {
					t.Fatalf("CompactJSON(%q) = %q changed the value", raw, out)
				}
			}
		}

		text, truncated := Metadata(raw, maxBytes)
		if !json.Valid([]byte(text)) {
			t.Fatalf("Metadata(%q, %d) = %q, not JSON", raw, maxBytes, text)
		}
		switch {
		case maxBytes < 2:
			if text != "{}" || !truncated {
				t.Fatalf("M=%d: got (%q, %v)", maxBytes, text, truncated)
			}
		case len(text) > maxBytes:
			t.Fatalf("Metadata(%q, %d) = %q is %d bytes", raw, maxBytes, text, len(text))
		case truncated:
			prefix := `{"_truncated":true,"_original_bytes":` + strconv.Itoa(len(out))
			if err != nil || text != "{}" && !strings.HasPrefix(text, prefix) {
				t.Fatalf("Metadata(%q, %d) = %q, want prefix %s", raw, maxBytes, text, prefix)
			}
		case err == nil && string(bytes.TrimSpace(raw)) != "null":
			if text != string(out) {
				t.Fatalf("Metadata(%q, %d) = %q, want %q", raw, maxBytes, text, out)
			}
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s), uint16(10240))
	}
	f.Add(benchEvent, uint16(64))
	f.Fuzz(func(t *testing.T, raw []byte, m uint16) {
		maxBytes := int(m)
		in, errs := ParseEvent(raw, maxBytes)
		trimmed := bytes.TrimLeft(raw, " \t\r\n")
		isObject := json.Valid(raw) && len(trimmed) > 0 && trimmed[0] == '{'
		if !isObject {
			if len(errs) != 1 || errs[0] != (FieldError{"body", msgObject}) {
				t.Fatalf("ParseEvent(%q) = %v, want the body error", raw, errs)
			}
			return
		}
		if want := referenceErrors(t, raw); !reflect.DeepEqual(errs, want) {
			t.Fatalf("ParseEvent(%q)\n errors %v\n reference %v", raw, errs, want)
		}
		if errs != nil {
			return
		}
		for _, s := range []string{in.SessionID, in.AgentType, in.Source} {
			if s == "" || string(trimJS([]byte(s))) != s {
				t.Fatalf("untrimmed or empty field %q in %+v", s, in)
			}
		}
		if !isEventType(in.EventType) || in.Status != StatusSuccess && in.Status != StatusError && in.Status != StatusTimeout {
			t.Fatalf("bad event type or status in %+v", in)
		}
		if in.TokensIn < 0 || in.TokensOut < 0 || in.CacheReadTokens < 0 || in.CacheWriteTokens < 0 || in.DurationMS < 0 {
			t.Fatalf("negative count in %+v", in)
		}
		if (in.CostUSD == nil) != (in.CostSource == "") || in.CostUSD != nil && !(*in.CostUSD >= 0 && !math.IsInf(*in.CostUSD, 0)) {
			t.Fatalf("bad cost in %+v", in)
		}
		if !in.ClientTime.IsZero() && (in.ClientTime.Location() != time.UTC || in.ClientTime.Nanosecond()%1e6 != 0) {
			t.Fatalf("bad client time %v", in.ClientTime)
		}
		if !json.Valid([]byte(in.Metadata)) || maxBytes >= 2 && len(in.Metadata) > maxBytes {
			t.Fatalf("bad metadata %q for M=%d", in.Metadata, maxBytes)
		}
	})
}

// referenceErrors re-derives the field errors of CONTRACT 4.2 with encoding/json, as a check on
// ParseEvent's own scanner (member spans, repeated keys, escaped keys).
func referenceErrors(t *testing.T, raw []byte) []FieldError {
	var obj map[string]json.RawMessage // repeated keys: the last wins, as in JavaScript
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("reference decode of %q: %v", raw, err)
	}
	var errs []FieldError
	add := func(f, m string) { errs = append(errs, FieldError{f, m}) }
	str := func(k string) (string, bool) {
		var s string
		v, ok := obj[k]
		if !ok || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	}
	isNull := func(k string) bool { v, ok := obj[k]; return !ok || string(v) == "null" }
	num := func(k string) (float64, bool) {
		v := obj[k]
		if c := v[0]; c != '-' && (c < '0' || c > '9') {
			return 0, false
		}
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	}
	var eventType string
	for _, k := range []string{"session_id", "agent_type", "event_type"} {
		s, ok := str(k)
		s = string(trimJS([]byte(s)))
		switch {
		case !ok:
			add(k, msgString)
		case s == "":
			add(k, msgNonEmpty)
		}
		if k == "event_type" {
			eventType = s
		}
	}
	if !slices.Contains(EventTypes, eventType) {
		add("event_type", msgEventType)
	}
	if !isNull("status") {
		if s, ok := str("status"); !ok {
			add("status", msgOptString)
		} else if s != "success" && s != "error" && s != "timeout" {
			add("status", msgStatus)
		}
	}
	for _, k := range []string{"event_id", "tool_name", "branch", "project", "model"} {
		if _, ok := str(k); !ok && !isNull(k) {
			add(k, msgOptString)
		}
	}
	for _, k := range []string{"duration_ms", "tokens_in", "tokens_out", "cache_read_tokens", "cache_write_tokens"} {
		if isNull(k) {
			continue
		}
		if f, ok := num(k); !ok || f < 0 || f != math.Trunc(f) || f >= 1<<63 {
			add(k, msgInteger)
		}
	}
	if !isNull("cost_usd") {
		if f, ok := num("cost_usd"); !ok || f < 0 || math.IsInf(f, 0) {
			add("cost_usd", msgNumber)
		}
	}
	if !isNull("client_timestamp") {
		if s, ok := str("client_timestamp"); !ok {
			add("client_timestamp", msgTimeType)
		} else if _, ok := ParseTime(s); !ok {
			add("client_timestamp", msgTimeInvalid)
		}
	}
	if _, ok := str("source"); !ok && !isNull("source") {
		add("source", msgOptString)
	}
	return errs
}
