package otel

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// CONTRACT 11.2 step 5 and 18.4: which event type a name maps to, per agent; "" means skipped.
func TestEventTypes(t *testing.T) {
	f := func(resource []any, name string, want string, extra ...any) {
		t.Helper()
		a := append(attrList("session.id", "s"), attrList(extra...)...)
		if name != "" {
			a = append(a, attrList("event.name", name)...)
		}
		ins := decode(t, Logs, logsJSON(t, resource, logRec(a)))
		got := ""
		if len(ins) == 1 {
			got = ins[0].EventType
		}
		if len(ins) > 1 || got != want {
			t.Errorf("%v %q: %q, want %q", resource[0], name, got, want)
		}
	}
	claude, codex := claudeResource, codexResource
	other := attrList("service.name", "aider")

	f(claude, "claude_code.tool_result", "tool_use")
	f(claude, "tool_result", "tool_use") // 18.4: no dot → claude_code. prefix
	f(claude, "claude_code.tool_use", "tool_use")
	f(claude, "claude_code.api_request", "llm_request")
	f(claude, "api_request", "llm_request")
	f(claude, "claude_code.api_response", "llm_response")
	f(claude, "claude_code.session_start", "session_start")
	f(claude, "claude_code.session_end", "session_end")
	f(claude, "claude_code.file_change", "file_change")
	f(claude, "claude_code.git_commit", "git_commit")
	f(claude, "claude_code.plan_step", "plan_step")
	f(claude, "claude_code.error", "error")
	f(claude, "claude_code.user_prompt", "user_prompt")
	f(claude, "claude_code.user_prompt_submit", "user_prompt")
	f(claude, "api_error", "error")
	f(claude, "assistant_response", "response")
	f(claude, "compaction", "response")
	f(claude, "tool_decision", "response")
	f(claude, "claude_code.response", "") // skip list
	f(claude, "response", "")
	f(claude, "claude_code.mcp_server_connection", "") // unknown: skipped, never an error
	f(claude, "", "")                                  // no name: only severityText ERROR maps (TestSeverityError)

	f(codex, "codex.tool_result", "tool_use")
	f(codex, "codex.tool_use", "tool_use")
	f(codex, "codex.tool_decision", "response") // 18.4 overrides the codex map
	f(codex, "codex.api_request", "llm_request")
	f(codex, "codex.api_response", "llm_response")
	f(codex, "codex.session_start", "session_start")
	f(codex, "codex.session_end", "session_end")
	f(codex, "codex.file_change", "file_change")
	f(codex, "codex.error", "error")
	f(codex, "codex.user_prompt", "user_prompt")
	f(codex, "codex.user_message", "user_prompt")
	f(codex, "user_message", "user_prompt")
	f(codex, "codex.conversation_starts", "session_start")
	f(codex, "codex.git_commit", "git_commit") // not in the codex map: suffix rule
	f(codex, "codex.sse_event", "")
	f(codex, "codex.sse_event", "", "event.kind", "response.created")
	f(codex, "codex.sse_event", "llm_response", "event.kind", "response.completed")
	f(codex, "codex.websocket.event", "")
	f(codex, "codex.response", "")
	f(codex, "codex.compaction", "")

	f(other, "my.tool_result", "tool_use") // suffix rule
	f(other, "tool_result", "tool_use")    // no namespace for other agents; suffix rule
	f(other, "x.user_message", "user_prompt")
	f(other, "claude_code.compaction", "response") // the Claude map serves every other agent
	f(other, "whatever", "")
}

func TestSeverityError(t *testing.T) {
	// Item 95: no name, severityText ERROR.
	in := one(t, logsJSON(t, claudeResource, logRec(attrList("session.id", "s"), "severityText", "ERROR")))
	if in.EventType != "error" || in.Status != "error" {
		t.Fatalf("%+v", in)
	}
	ins := decode(t, Logs, logsJSON(t, claudeResource, logRec(attrList("session.id", "s"), "severityText", "error")))
	if len(ins) != 0 {
		t.Fatalf("severityText error (lower case): %d events, want none", len(ins))
	}
}

// Codex rules b and d: user messages inside codex.response / codex.event_msg bodies.
func TestCodexUserMessages(t *testing.T) {
	f := func(name, body string, wantMsg string) {
		t.Helper()
		ins := decode(t, Logs, logsJSON(t, codexResource,
			logRec(attrList("conversation.id", "c", "event.name", name), "body", av(body))))
		if wantMsg == "" {
			if len(ins) != 0 {
				t.Errorf("%s %s: %+v, want nothing", name, body, ins)
			}
			return
		}
		if len(ins) != 1 || ins[0].EventType != "user_prompt" || meta(t, ins[0])["message"] != wantMsg {
			t.Errorf("%s %s: %+v, want user_prompt %q", name, body, ins, wantMsg)
		}
	}
	f("codex.response", `{"payload":{"type":"user_message","message":"hi"}}`, "hi")
	f("codex.event_msg", `{"payload":{"type":"user_prompt","message":"yo"}}`, "yo")
	f("codex.response", `{"type":"user_message","message":"top"}`, "top")
	f("codex.response", `{"payload":{"type":"agent_message","message":"no"}}`, "")
	f("codex.other", `{"type":"user_message","message":"d"}`, "d") // rule d
	f("codex.other", `{"payload":{"type":"user_message","message":"pd"}}`, "pd")
}

// CONTRACT 11.2 step 4: where the session id comes from; none → skipped.
func TestSessionID(t *testing.T) {
	f := func(resource, record []any, body string, want string) {
		t.Helper()
		r := logRec(append(record, attrList("event.name", "claude_code.tool_result")...))
		if body != "" {
			r["body"] = av(body)
		}
		ins := decode(t, Logs, logsJSON(t, append(attrList("service.name", "claude-code"), resource...), r))
		got := ""
		if len(ins) == 1 {
			got = ins[0].SessionID
		}
		if got != want {
			t.Errorf("session %q, want %q", got, want)
		}
	}
	f(nil, attrList("gen_ai.session.id", "g", "conversation.id", "c", "session.id", "s"), "", "g")
	f(nil, attrList("conversation.id", "c", "session.id", "s"), "", "c")
	f(attrList("session.id", "rs"), attrList("session.id", "s"), "", "s")
	f(attrList("gen_ai.session.id", "rg", "session.id", "rs"), nil, "", "rs")
	f(attrList("conversation.id", "rc", "gen_ai.session.id", "rg"), nil, "", "rg")
	f(attrList("conversation.id", "rc"), nil, `{"session_id":"b"}`, "rc")
	f(nil, nil, `{"session_id":"b"}`, "b")
	f(nil, attrList("session.id", "  "), `{"session_id":" b "}`, "b")
	f(nil, attrList("session.id", 42), "", "42") // an intValue reads as its decimal text
	f(nil, nil, "", "")                          // item 93: no session → nothing
	f(nil, attrList("session.id", true), "", "")
}

// CONTRACT 11.2 step 6 with 18.4 and 18.12: fields, their order of precedence, and their types.
func TestLogFields(t *testing.T) {
	rec := func(a []any, extra ...any) []byte {
		return logsJSON(t, claudeResource, logRec(append(attrList("session.id", "s", "event.name", "api_request"), a...), extra...))
	}
	in := one(t, rec(attrList(
		"gen_ai.request.model", "m1", "model", "m2",
		"gen_ai.usage.input_tokens", 5, "input_tokens", "7",
		"output_tokens", 3.9, "cache_read_tokens", "12", "cache_creation_tokens", json.RawMessage(`{"intValue":13}`),
		"gen_ai.latency", 250, "duration_ms", "999",
		"gen_ai.tool.name", "T1", "tool_name", "T2",
		"project", "p1", "branch", "b1", "cost_usd", "0.5"),
		"body", av(`{"model":"m3","input_tokens":8,"output_tokens":"9","cost_usd":0.25,"project":"p2"}`)))
	if in.Model != "m1" || in.TokensIn != 5 || in.TokensOut != 3 || in.CacheReadTokens != 12 || in.CacheWriteTokens != 13 ||
		in.DurationMS != 250 || in.ToolName != "T1" || in.Project != "p1" || in.Branch != "b1" ||
		in.CostUSD == nil || *in.CostUSD != 0.25 || in.CostSource != contract.CostClient {
		t.Errorf("%+v", in)
	}

	// Body values count when the attribute is absent; strings in the body are not numbers.
	in = one(t, rec(nil, "body", av(`{"model":"m3","input_tokens":8,"output_tokens":"9","duration_ms":40,"tool_name":"Read"}`)))
	if in.Model != "m3" || in.TokensIn != 8 || in.TokensOut != 0 || in.DurationMS != 40 || in.ToolName != "Read" || in.CostUSD != nil {
		t.Errorf("body fields: %+v", in)
	}

	// Resource project and branch.
	ins := decode(t, Logs, logsJSON(t, append(attrList("project", "rp", "branch", "rb"), claudeResource...),
		logRec(attrList("session.id", "s", "event.name", "tool_result"))))
	if len(ins) != 1 || ins[0].Project != "rp" || ins[0].Branch != "rb" {
		t.Errorf("resource project/branch: %+v", ins)
	}

	// Negative or unreadable numbers do not count.
	in = one(t, rec(attrList("input_tokens", "-5", "output_tokens", "abc", "cost_usd", "-1", "duration_ms", "0")))
	if in.TokensIn != 0 || in.TokensOut != 0 || in.CostUSD != nil || in.DurationMS != 0 {
		t.Errorf("bad numbers: %+v", in)
	}
}

// intValue may be a JSON number or a string; timeUnixNano too (CONTRACT 11.1, 11.2).
func TestNumberEncodings(t *testing.T) {
	body := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
	"scopeLogs":[{"logRecords":[
	 {"timeUnixNano":1789480923118000000,"attributes":[{"key":"session.id","value":{"stringValue":"s"}},{"key":"event.name","value":{"stringValue":"api_request"}},
	   {"key":"input_tokens","value":{"intValue":100}},{"key":"output_tokens","value":{"intValue":"20"}},{"key":"cache_read_tokens","value":{"doubleValue":3.0}},
	   {"key":"cache_creation_tokens","value":{"doubleValue":"4"}}]},
	 {"timeUnixNano":"1789480923119000000","attributes":[{"key":"session.id","value":{"intValue":"77"}},{"key":"event.name","value":{"stringValue":"tool_result"}},
	   {"key":"duration_ms","value":{"intValue":1.5e3}}]}
	]}]}]}`
	ins := decode(t, Logs, []byte(body))
	if len(ins) != 2 {
		t.Fatalf("%d events", len(ins))
	}
	if in := ins[0]; in.TokensIn != 100 || in.TokensOut != 20 || in.CacheReadTokens != 3 || in.CacheWriteTokens != 4 ||
		!in.ClientTime.Equal(time.UnixMilli(1789480923118)) {
		t.Errorf("%+v", in)
	}
	if in := ins[1]; in.SessionID != "77" || in.DurationMS != 1500 || !in.ClientTime.Equal(time.UnixMilli(1789480923119)) {
		t.Errorf("%+v", in)
	}
}

// CONTRACT 18.4: timeUnixNano, else observedTimeUnixNano, else event.timestamp; none → zero.
func TestClientTime(t *testing.T) {
	f := func(want time.Time, a []any, extra ...any) {
		t.Helper()
		in := one(t, logsJSON(t, codexResource, logRec(append(attrList("conversation.id", "c", "event.name", "codex.tool_result"), a...), extra...)))
		if !in.ClientTime.Equal(want) || in.ClientTime.Location() != time.UTC {
			t.Errorf("client time %v, want %v", in.ClientTime, want)
		}
	}
	at := time.Date(2026, 9, 15, 15, 10, 18, 304e6, time.UTC)
	f(at, nil, "timeUnixNano", "1789485018304999999", "observedTimeUnixNano", "1")
	f(at, nil, "timeUnixNano", "0", "observedTimeUnixNano", "1789485018304000000")
	f(at, attrList("event.timestamp", "2026-09-15T15:10:18.304Z"))
	f(at, attrList("event.timestamp", "2026-09-15T11:10:18.304-04:00"))
	f(time.Time{}, attrList("event.timestamp", "not a time"))
	f(time.Time{}, nil, "timeUnixNano", "999999") // under one millisecond after the epoch
	f(time.Time{}, nil, "timeUnixNano", "-5")
}

// CONTRACT 18.4, 18.12: success false (boolean or string) makes the status error.
func TestSuccessFalse(t *testing.T) {
	for _, v := range []any{false, "false"} {
		in := one(t, logsJSON(t, claudeResource, logRec(attrList("session.id", "s", "event.name", "tool_result", "success", v))))
		if in.Status != "error" {
			t.Errorf("success %#v: status %s", v, in.Status)
		}
		if _, ok := meta(t, in)["success"]; ok {
			t.Errorf("success %#v: kept in metadata", v)
		}
	}
	for _, v := range []any{true, "true", "no"} {
		if in := one(t, logsJSON(t, claudeResource, logRec(attrList("session.id", "s", "event.name", "tool_result", "success", v)))); in.Status != "success" {
			t.Errorf("success %#v: status %s", v, in.Status)
		}
	}
}

// CONTRACT 11.2 steps 7–8 and 18.4: what goes into metadata, in which order.
func TestLogMetadata(t *testing.T) {
	f := func(name string, a []any, body any, want string) {
		t.Helper()
		r := logRec(append(attrList("session.id", "s", "event.name", name), a...))
		if body != nil {
			r["body"] = body
		}
		in := one(t, logsJSON(t, codexResource, r))
		if in.Metadata != want {
			t.Errorf("%s: metadata\n %s, want\n %s", name, in.Metadata, want)
		}
	}
	// Item 96: body members stay, the promoted ones go.
	f("codex.tool_result", nil, av(`{"session_id":"s","tool_name":"Bash","command":"ls","exit_code":0,"output":"a\nb","model":"m","input_tokens":1}`),
		`{"command":"ls","exit_code":0,"output":"a\nb"}`)
	// A body string that is not an object becomes the message; one equal to the event name does not.
	f("codex.tool_result", nil, av("plain text"), `{"message":"plain text"}`)
	f("codex.tool_result", nil, av(`[1,2]`), `{"message":"[1,2]"}`)
	f("codex.tool_result", nil, av("codex.tool_result"), `{}`)
	f("tool_result", nil, av("tool_result"), `{}`)
	// A kvlist body is an object.
	f("codex.tool_result", nil, json.RawMessage(`{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}},{"key":"b","value":{"arrayValue":{"values":[{"boolValue":true},{"doubleValue":1.5}]}}},{"key":"tool_name","value":{"stringValue":"x"}}]}}`),
		`{"a":1,"b":[true,1.5]}`)
	// Attributes: dots become _, event.*, user.*, session.id and promoted keys stay out; call_id is
	// the tool_use_id; a body member wins over an attribute of the same name.
	f("codex.tool_result", attrList("event.kind", "k", "user.email", "e", "terminal.type", "tmux", "call_id", "call_1",
		"tool_name", "shell", "model", "m", "duration_ms", "5", "prompt.id", "p", "command", "attr", "nested", json.RawMessage(`{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}`)),
		av(`{"command":"body"}`),
		`{"command":"body","terminal_type":"tmux","tool_use_id":"call_1","prompt_id":"p","nested":{"k":"v"}}`)
	// Item 97: a prompt from an attribute, not kept twice; a body message is kept.
	f("codex.user_prompt", attrList("gen_ai.prompt", "hello"), av(`{}`), `{"message":"hello"}`)
	f("codex.user_prompt", attrList("prompt", "hello", "prompt_length", 5), nil, `{"prompt_length":5,"message":"hello"}`)
	f("codex.user_prompt", attrList("gen_ai.prompt", "from attr"), av(`{"message":"from body","x":1}`),
		`{"message":"from body","x":1,"gen_ai_prompt":"from attr"}`)
	f("codex.user_prompt", nil, av(`{"payload":{"message":"p"}}`), `{"payload":{"message":"p"},"message":"p"}`)
	f("codex.user_prompt", attrList("message", "m"), nil, `{"message":"m"}`)
}

// CONTRACT 11.2 step 9: apply_patch file path and line counts.
func TestPatchStats(t *testing.T) {
	patch := "*** Begin Patch\n*** Update File: src/app.go \n@@\n-old\n+new\n+more\n--- a\n+++ b\n*** Add File: other.go\n+x\n*** End Patch"
	in := one(t, logsJSON(t, codexResource, logRec(attrList("conversation.id", "c", "event.name", "codex.tool_result", "tool_name", "apply_patch"),
		"body", av(`{"input":`+string(mustJSON(t, patch))+`}`))))
	m := meta(t, in)
	if m["file_path"] != "src/app.go" || m["lines_added"] != 3.0 || m["lines_removed"] != 1.0 {
		t.Errorf("metadata %v", m)
	}
	// From an attribute, too; no header, no stats.
	in = one(t, logsJSON(t, codexResource, logRec(attrList("conversation.id", "c", "event.name", "codex.tool_result", "tool_name", "apply_patch", "input", "+a\n-b"))))
	if m := meta(t, in); m["file_path"] != nil || m["lines_added"] != nil {
		t.Errorf("no header: %v", m)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CONTRACT 6 applies to OTLP metadata; the correlation key is read before truncation.
func TestLogMetadataTruncated(t *testing.T) {
	long := strings.Repeat("x", 2000)
	body := logsJSON(t, claudeResource, logRec(attrList("session.id", "s", "event.name", "tool_result", "tool_use_id", "toolu_9", "error", "boom", "blob", long)))
	ins, err := Decode(Logs, JSON, body, 1024)
	if err != nil || len(ins) != 1 {
		t.Fatal(err, ins)
	}
	in := ins[0]
	if !in.PayloadTruncated || len(in.Metadata) > 1024 || !strings.HasPrefix(in.Metadata, `{"_truncated":true,"_original_bytes":`) ||
		!strings.Contains(in.Metadata, `"error":"boom"`) || in.Correlation != "toolu_9" {
		t.Errorf("%+v", in)
	}
}

// CONTRACT 18.12: LogUsage only for claude_code.api_request with a non-zero count or cost.
func TestLogUsage(t *testing.T) {
	f := func(resource []any, name string, want bool, a ...any) {
		t.Helper()
		in := one(t, logsJSON(t, resource, logRec(append(attrList("session.id", "s", "event.name", name), attrList(a...)...))))
		if in.LogUsage != want {
			t.Errorf("%s %v: LogUsage %v, want %v", name, a, in.LogUsage, want)
		}
	}
	f(claudeResource, "api_request", true, "input_tokens", "1")
	f(claudeResource, "api_request", true, "cache_read_tokens", "1")
	f(claudeResource, "api_request", true, "cost_usd", "0.01")
	f(claudeResource, "api_request", false, "input_tokens", "0", "cost_usd", "0")
	f(claudeResource, "api_request", false)
	f(claudeResource, "api_error", false, "input_tokens", "5")
	f(codexResource, "codex.api_request", false, "input_tokens", "5")
}

// CONTRACT 2.4 and 11.1 step 2: lenient decoding; an array is nothing; anything else is an error.
func TestDecodeJSONBodies(t *testing.T) {
	valid := logsJSON(t, claudeResource, logRec(attrList("session.id", "s", "event.name", "tool_result")))
	double := mustJSON(t, string(valid))
	for _, tc := range []struct {
		name string
		body string
		n    int
		err  bool
	}{
		{"plain", string(valid), 1, false},
		{"double encoded", string(double), 1, false},
		{"surrounding space", "\n " + string(valid) + " \n", 1, false},
		{"empty object", `{}`, 0, false},
		{"array", `[{"resourceLogs":[]}]`, 0, false},
		{"wrong member types", `{"resourceLogs":{"x":1}}`, 0, false},
		{"null resourceLogs", `{"resourceLogs":null}`, 0, false},
		{"empty", ``, 0, true},
		{"spaces", "  ", 0, true},
		{"null", `null`, 0, true},
		{"number", `42`, 0, true},
		{"string", `"just a string"`, 0, true},
		{"not JSON", `{"resourceLogs":`, 0, true},
		{"protobuf bytes", "\x0a\x00", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins, err := Decode(Logs, JSON, []byte(tc.body), 10240)
			if tc.err != (err != nil) || err != nil && !errors.Is(err, ErrInvalidJSON) || len(ins) != tc.n {
				t.Fatalf("%d events, err %v", len(ins), err)
			}
			if err := CheckTracesJSON([]byte(tc.body)); tc.err != (err != nil) {
				t.Fatalf("traces: err %v", err)
			}
		})
	}
}

// A member of the wrong type costs that member, not the request (the contract answers 200 to any
// JSON object): the other records still map.
func TestDecodeJSONTolerant(t *testing.T) {
	body := `{"resourceLogs":[
	  {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":7}}]},"scopeLogs":"nope"},
	  {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},"scopeLogs":[{"logRecords":[
	    {"timeUnixNano":"soon","severityText":5,"body":{"stringValue":{"x":1}},"attributes":[{"key":"session.id","value":{"stringValue":"s"}},
	      {"key":"event.name","value":{"stringValue":"tool_result"}},{"key":"tool_name","value":{"stringValue":["Bash"]}},
	      {"key":"duration_ms","value":{"intValue":"12abc"}},{"key":"odd","value":{"boolValue":"yes"}},{"key":7,"value":{}}]},
	    "not a record",
	    {"attributes":[{"key":"session.id","value":{"stringValue":"s2"}},{"key":"event.name","value":{"stringValue":"user_prompt"}}]}
	  ]}]}]}`
	ins := decode(t, Logs, []byte(body))
	if len(ins) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(ins), ins)
	}
	if in := ins[0]; in.SessionID != "s" || in.EventType != "tool_use" || in.ToolName != "" || in.DurationMS != 0 || !in.ClientTime.IsZero() {
		t.Errorf("%+v", in)
	}
	if ins[1].SessionID != "s2" || ins[1].EventType != "user_prompt" {
		t.Errorf("%+v", ins[1])
	}
}

func TestDecodeProtobufErrors(t *testing.T) {
	for _, sig := range []Signal{Logs, Metrics, Traces} {
		if ins, err := Decode(sig, Protobuf, []byte{0x0a, 0x00}, 10240); err != nil || len(ins) != 0 {
			t.Errorf("%v 0a 00: %v, %d events", sig, err, len(ins))
		}
		if _, err := Decode(sig, Protobuf, nil, 10240); err != nil {
			t.Errorf("%v empty body: %v (an empty message is valid)", sig, err)
		}
		for _, bad := range [][]byte{{0xff, 0xff, 0xff}, {0x0a, 0x05, 0x01}, []byte(`{"resourceLogs":[]}`)} {
			if _, err := Decode(sig, Protobuf, bad, 10240); !errors.Is(err, ErrInvalidProtobuf) {
				t.Errorf("%v % x: err %v, want ErrInvalidProtobuf", sig, bad, err)
			}
		}
	}
}

func TestJSNumber(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 1: "1", -2.5: "-2.5", 0.1: "0.1", 1e20: "100000000000000000000", 1e21: "1e+21",
		1.5e-7: "1.5e-7", 1e-7: "1e-7", 1e-6: "0.000001", 123456789.125: "123456789.125", 0.0247356: "0.0247356", -1e-10: "-1e-10",
	} {
		if got := jsNumber(f); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

// A double attribute reads as JavaScript prints it; a bool does not read as a string.
func TestAttributeText(t *testing.T) {
	in := one(t, logsJSON(t, claudeResource, logRec(attrList("session.id", 1.5e21, "event.name", "tool_result", "tool_name", true))))
	if in.SessionID != "1.5e+21" || in.ToolName != "" {
		t.Errorf("%+v", in)
	}
}

func TestMapLogsNil(t *testing.T) {
	if got := MapLogs(nil, 1024); got != nil {
		t.Errorf("MapLogs(nil) = %v", got)
	}
	if got := MapMetrics(nil, 1024); got != nil {
		t.Errorf("MapMetrics(nil) = %v", got)
	}
	if got := decode(t, Logs, []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`)); len(got) != 0 {
		t.Error("an empty record maps to something")
	}
}
