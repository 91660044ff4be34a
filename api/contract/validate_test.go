package contract

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func fe(field, msg string) FieldError { return FieldError{Field: field, Message: msg} }

// base is a minimal valid event; with adds members to it.
const base = `"session_id":"s1","agent_type":"claude_code","event_type":"tool_use"`

func with(members string) json.RawMessage {
	if members == "" {
		return json.RawMessage("{" + base + "}")
	}
	return json.RawMessage("{" + base + "," + members + "}")
}

func TestParseEventErrors(t *testing.T) {
	body := []FieldError{fe("body", msgObject)}
	tests := []struct {
		name string
		raw  string
		want []FieldError
	}{
		{"nil", "", body},
		{"string", `"just a string"`, body},
		{"number", `12`, body},
		{"array", `[{"session_id":"s"}]`, body},
		{"empty array", `[]`, body},
		{"null", `null`, body},
		{"bool", `true`, body},
		{"invalid json", `{"session_id":"s"`, body},
		{"trailing garbage", `{"session_id":"s"} x`, body},
		{"two values", `{} {}`, body},
		{"missing everything", `{}`, []FieldError{
			fe("session_id", msgString), fe("agent_type", msgString),
			fe("event_type", msgString), fe("event_type", msgEventType),
		}},
		{"only session_id (16.1 #5)", `{"session_id":"S"}`, []FieldError{
			fe("agent_type", msgString), fe("event_type", msgString), fe("event_type", msgEventType),
		}},
		{"blank required", `{"session_id":"  ","agent_type":"","event_type":"\t"}`, []FieldError{
			fe("session_id", msgNonEmpty), fe("agent_type", msgNonEmpty),
			fe("event_type", msgNonEmpty), fe("event_type", msgEventType),
		}},
		{"null required", `{"session_id":null,"agent_type":1,"event_type":["tool_use"]}`, []FieldError{
			fe("session_id", msgString), fe("agent_type", msgString),
			fe("event_type", msgString), fe("event_type", msgEventType),
		}},
		{"unknown event type (#40)", `{"session_id":"s","agent_type":"a","event_type":"unknown_type"}`, []FieldError{
			fe("event_type", msgEventType),
		}},
		{"event type case matters", `{"session_id":"s","agent_type":"a","event_type":"Tool_Use"}`, []FieldError{
			fe("event_type", msgEventType),
		}},
		{"every field wrong, in contract order", `{"source":1,"client_timestamp":1,"cost_usd":"1",
			"cache_write_tokens":-1,"cache_read_tokens":1.5,"tokens_out":"5","tokens_in":-1,"duration_ms":true,
			"model":1,"project":{},"branch":[],"tool_name":123,"event_id":false,"status":1,
			"event_type":2,"agent_type":3,"session_id":4}`, []FieldError{
			fe("session_id", msgString), fe("agent_type", msgString), fe("event_type", msgString),
			fe("event_type", msgEventType), fe("status", msgOptString), fe("event_id", msgOptString),
			fe("tool_name", msgOptString), fe("branch", msgOptString), fe("project", msgOptString),
			fe("model", msgOptString), fe("duration_ms", msgInteger), fe("tokens_in", msgInteger),
			fe("tokens_out", msgInteger), fe("cache_read_tokens", msgInteger),
			fe("cache_write_tokens", msgInteger), fe("cost_usd", msgNumber),
			fe("client_timestamp", msgTimeType), fe("source", msgOptString),
		}},
		{"bad status and session (#46)", `{"session_id":"","agent_type":"a","event_type":"tool_use","status":"bad"}`, []FieldError{
			fe("session_id", msgNonEmpty), fe("status", msgStatus),
		}},
		{"#51 status tokens", string(with(`"status":"ok","tokens_in":-1,"tokens_out":"5"`)), []FieldError{
			fe("status", msgStatus), fe("tokens_in", msgInteger), fe("tokens_out", msgInteger),
		}},
		{"#51 cost", string(with(`"cost_usd":-1`)), []FieldError{fe("cost_usd", msgNumber)}},
		{"#51 tool_name", string(with(`"tool_name":123`)), []FieldError{fe("tool_name", msgOptString)}},
		{"#50 not-a-date", string(with(`"client_timestamp":"not-a-date"`)), []FieldError{fe("client_timestamp", msgTimeInvalid)}},
		{"#50 number timestamp", string(with(`"client_timestamp":12345`)), []FieldError{fe("client_timestamp", msgTimeType)}},
		{"#50 numeric string timestamp", string(with(`"client_timestamp":"12345"`)), []FieldError{fe("client_timestamp", msgTimeInvalid)}},
		{"empty timestamp", string(with(`"client_timestamp":""`)), []FieldError{fe("client_timestamp", msgTimeInvalid)}},
		{"status is not trimmed", string(with(`"status":" success"`)), []FieldError{fe("status", msgStatus)}},
		{"status case matters", string(with(`"status":"Success"`)), []FieldError{fe("status", msgStatus)}},
		{"fractional integer", string(with(`"tokens_in":5.5`)), []FieldError{fe("tokens_in", msgInteger)}},
		{"string integer", string(with(`"duration_ms":"5"`)), []FieldError{fe("duration_ms", msgInteger)}},
		{"huge integer", string(with(`"tokens_in":1e400`)), []FieldError{fe("tokens_in", msgInteger)}},
		{"integer beyond int64", string(with(`"tokens_in":1e19`)), []FieldError{fe("tokens_in", msgInteger)}},
		{"infinite cost", string(with(`"cost_usd":1e400`)), []FieldError{fe("cost_usd", msgNumber)}},
		{"string cost", string(with(`"cost_usd":"0.1"`)), []FieldError{fe("cost_usd", msgNumber)}},
		{"bool cost", string(with(`"cost_usd":true`)), []FieldError{fe("cost_usd", msgNumber)}},
		{"object source", string(with(`"source":{"a":1}`)), []FieldError{fe("source", msgOptString)}},
		{"last duplicate wins (bad)", string(with(`"tokens_in":1,"tokens_in":-1`)), []FieldError{fe("tokens_in", msgInteger)}},
		{"escaped key", `{"session\u005fid":"s","agent_type":"a","event_type":"bogus"}`, []FieldError{fe("event_type", msgEventType)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var raw json.RawMessage
			if tc.raw != "" {
				raw = json.RawMessage(tc.raw)
			}
			in, errs := ParseEvent(raw, 10240)
			if !reflect.DeepEqual(errs, tc.want) {
				t.Fatalf("errors\n got  %v\n want %v", errs, tc.want)
			}
			if !reflect.DeepEqual(in, Input{}) {
				t.Errorf("rejected event returned a non-zero Input: %+v", in)
			}
		})
	}
}

func TestParseEventNormalizes(t *testing.T) {
	ptr := func(f float64) *float64 { return &f }
	tests := []struct {
		name string
		raw  json.RawMessage
		want Input // Metadata "{}" and Source "api" unless set
	}{
		{"minimal", with(""), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"#52 error defaults to error", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"error"}`),
			Input{SessionID: "s", AgentType: "a", EventType: "error", Status: "error"}},
		{"#52 error keeps timeout", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"error","status":"timeout"}`),
			Input{SessionID: "s", AgentType: "a", EventType: "error", Status: "timeout"}},
		{"null status defaults", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":" error ","status":null}`),
			Input{SessionID: "s", AgentType: "a", EventType: "error", Status: "error"}},
		{"explicit error status", with(`"status":"error"`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "error"}},
		{"#53 trimmed", json.RawMessage(`{"session_id":"  s1 ","agent_type":"\tclaude_code\n","event_type":" tool_use ","tool_name":"  Bash  "}`),
			Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", ToolName: "Bash", Status: "success"}},
		{"#53 blank tool_name is absent", with(`"tool_name":"   "`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"unicode spaces trimmed", json.RawMessage(`{"session_id":"\u00a0s1\u3000","agent_type":"\ufeffa","event_type":"tool_use"}`),
			Input{SessionID: "s1", AgentType: "a", EventType: "tool_use", Status: "success"}},
		{"#54 source hook", with(`"source":" hook "`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", Source: "hook"}},
		{"blank source is api", with(`"source":" "`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"free source", with(`"source":"my-tool"`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", Source: "my-tool"}},
		{"optional strings", with(`"event_id":" e1 ","branch":"main","project":"app","model":" o3","tool_name":null`),
			Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", EventID: "e1", Branch: "main", Project: "app", Model: "o3"}},
		{"integers", with(`"tokens_in":5,"tokens_out":5.0,"cache_read_tokens":1e3,"cache_write_tokens":-0,"duration_ms":840`),
			Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", TokensIn: 5, TokensOut: 5, CacheReadTokens: 1000, DurationMS: 840}},
		{"null integers", with(`"tokens_in":null,"duration_ms":null`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"duration zero", with(`"duration_ms":0`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"big integer", with(`"tokens_in":9007199254740993`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", TokensIn: 9007199254740992}},
		{"cost", with(`"cost_usd":0.01`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", CostUSD: ptr(0.01), CostSource: CostClient}},
		{"zero cost", with(`"cost_usd":0`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success", CostUSD: ptr(0), CostSource: CostClient}},
		{"null cost", with(`"cost_usd":null`), Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"duplicate key, last wins", json.RawMessage(`{"session_id":1,"session_id":"s2","agent_type":"a","event_type":"bogus","event_type":"response"}`),
			Input{SessionID: "s2", AgentType: "a", EventType: "response", Status: "success"}},
		{"unknown fields ignored", with(`"extra":{"deep":[1,{"x":null}]},"schema_version":99,"id":"x"`),
			Input{SessionID: "s1", AgentType: "claude_code", EventType: "tool_use", Status: "success"}},
		{"escaped strings", json.RawMessage(`{"session_id":"s\u00e9\ud83d\ude00","agent_type":"a\"b","event_type":"tool_use"}`),
			Input{SessionID: "sé😀", AgentType: `a"b`, EventType: "tool_use", Status: "success"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, errs := ParseEvent(tc.raw, 10240)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			want := tc.want
			if want.Metadata == "" {
				want.Metadata = "{}"
			}
			if want.Source == "" {
				want.Source = SourceAPI
			}
			if !reflect.DeepEqual(in, want) {
				t.Errorf("got  %+v\nwant %+v", in, want)
			}
		})
	}
}

func TestParseEventClientTimestamp(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-01-02T03:04:05.000Z", "2020-01-02T03:04:05.000Z"},  // #48
		{"2026-02-18T10:00:00-05:00", "2026-02-18T15:00:00.000Z"}, // #49
		{"2026-02-18", "2026-02-18T00:00:00.000Z"},
		{"2026-02-18T10:00:00.123999Z", "2026-02-18T10:00:00.123Z"},
		{"2026-02-18 10:00:00", "2026-02-18T10:00:00.000Z"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			in, errs := ParseEvent(with(`"client_timestamp":"`+tc.in+`"`), 10240)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if got := FormatClientTime(in.ClientTime); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if in.ClientTime.Location().String() != "UTC" || in.ClientTime.Nanosecond()%1e6 != 0 {
				t.Errorf("ClientTime %v is not UTC at millisecond precision", in.ClientTime)
			}
		})
	}
	in, _ := ParseEvent(with(`"client_timestamp":null`), 10240)
	if !in.ClientTime.IsZero() {
		t.Errorf("null client_timestamp gave %v", in.ClientTime)
	}
}

// #56: every event type of the enum is accepted.
func TestParseEventEveryType(t *testing.T) {
	for _, et := range EventTypes {
		t.Run(et, func(t *testing.T) {
			in, errs := ParseEvent(json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"`+et+`"}`), 10240)
			if errs != nil || in.EventType != et {
				t.Fatalf("got %q, %v", in.EventType, errs)
			}
		})
	}
	if want := "must be one of: " + strings.Join(EventTypes, ", "); msgEventType != want {
		t.Errorf("enum message %q does not list EventTypes", msgEventType)
	}
}

func TestParseEventMetadata(t *testing.T) {
	blob := strings.Repeat("😀", 1200)
	tests := []struct {
		name      string
		raw       json.RawMessage
		max       int
		meta      string
		truncated bool
		corr      string
	}{
		{"absent", with(""), 10240, "{}", false, ""},
		{"null", with(`"metadata":null`), 10240, "{}", false, ""},
		{"object", with(`"metadata":{ "command" : "ls", "n" : 1.0 }`), 10240, `{"command":"ls","n":1}`, false, ""},
		{"string", with(`"metadata":"hello"`), 10240, `"hello"`, false, ""},
		{"#55 truncated", with(`"metadata":{"command":"pnpm test","blob":"` + blob + `"}`), 1024,
			`{"_truncated":true,"_original_bytes":4833,"command":"pnpm test"}`, true, ""},
		{"tool_use_id", with(`"metadata":{"tool_use_id":"toolu_1","prompt_id":"p"}`), 10240,
			`{"tool_use_id":"toolu_1","prompt_id":"p"}`, false, "toolu_1"},
		{"tool_use_id read before truncation", with(`"metadata":{"blob":"` + blob + `","tool_use_id":"toolu_2"}`), 1024,
			`{"_truncated":true,"_original_bytes":4835}`, true, "toolu_2"},
		{"tool_use_id with M < 2", with(`"metadata":{"tool_use_id":"toolu_3"}`), 1, "{}", true, "toolu_3"},
		{"tool_use_id last duplicate", with(`"metadata":{"tool_use_id":"a","x":1,"tool_use_id":"b"}`), 10240,
			`{"tool_use_id":"b","x":1}`, false, "b"},
		{"tool_use_id not a string", with(`"metadata":{"tool_use_id":7}`), 10240, `{"tool_use_id":7}`, false, ""},
		{"tool_use_id empty", with(`"metadata":{"tool_use_id":""}`), 10240, `{"tool_use_id":""}`, false, ""},
		{"tool_use_id nested only", with(`"metadata":{"x":{"tool_use_id":"n"}}`), 10240, `{"x":{"tool_use_id":"n"}}`, false, ""},
		{"prompt_id on a tool call is no key", with(`"metadata":{"prompt_id":"p"}`), 10240, `{"prompt_id":"p"}`, false, ""},
		{"prompt_id", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"user_prompt","metadata":{"prompt_id":"p\u00e9"}}`), 10240,
			`{"prompt_id":"pé"}`, false, "pé"},
		{"request_id", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"llm_response","metadata":{"request_id":"req_1"}}`), 10240,
			`{"request_id":"req_1"}`, false, "req_1"},
		{"no key kind", json.RawMessage(`{"session_id":"s","agent_type":"a","event_type":"response","metadata":{"request_id":"req_1"}}`), 10240,
			`{"request_id":"req_1"}`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, errs := ParseEvent(tc.raw, tc.max)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if in.Metadata != tc.meta || in.PayloadTruncated != tc.truncated || in.Correlation != tc.corr {
				t.Errorf("got (%s, %v, %q), want (%s, %v, %q)", in.Metadata, in.PayloadTruncated, in.Correlation,
					tc.meta, tc.truncated, tc.corr)
			}
		})
	}
}

func TestErrorStrings(t *testing.T) {
	e := fe("status", msgStatus)
	if got := e.String(); got != "status: must be one of: success, error, timeout" {
		t.Errorf("String() = %q", got)
	}
	var err error = &ValidationError{Details: []FieldError{e}}
	if err.Error() != "Invalid event payload" {
		t.Errorf("Error() = %q", err.Error())
	}
	b, _ := json.Marshal(e)
	if string(b) != `{"field":"status","message":"must be one of: success, error, timeout"}` {
		t.Errorf("JSON = %s", b)
	}
}

// A hook-like tool_use event, the most common ingest.
var benchEvent = []byte(`{"session_id":"3f6b2c1e-8d4a-4f0b-9c2e-5a7d1e3b9f40","agent_type":"claude_code",` +
	`"event_type":"tool_use","tool_name":"Bash","status":"success","event_id":"hook-6c1f0b9e-2a44-4f6e-9a51-0d7c3b2e8f11",` +
	`"project":"inkwell","branch":"main","duration_ms":840,"tokens_in":0,"tokens_out":0,` +
	`"client_timestamp":"2026-02-18T18:06:41.231Z","source":"hook",` +
	`"metadata":{"tool_use_id":"toolu_01AbCdEfGhIjKlMnOpQrStUv","command":"pnpm test --filter web",` +
	`"description":"Run the web tests","cwd":"/home/dev/src/inkwell","exit_code":0}}`)

func BenchmarkParseEvent(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		in, errs := ParseEvent(Lenient(benchEvent), 10240)
		if errs != nil || in.Correlation == "" {
			b.Fatal(errs)
		}
	}
}
