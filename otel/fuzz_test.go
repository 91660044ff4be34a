package otel

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// fuzzMax is the metadata bound of the fuzz targets: small, so truncation is exercised too.
const fuzzMax = 512

// JSON seeds besides the fixtures: odd encodings, wrong types, the contract's edge cases.
var jsonSeeds = []string{
	`{}`, `[]`, `null`, `"x"`, ``, `{"resourceLogs":[]}`, `{"resourceMetrics":[]}`, `{"resourceSpans":[]}`,
	`"{\"resourceLogs\":[]}"`,
	`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"codex_cli_rs"}}]},"scopeLogs":[{"logRecords":[
	  {"observedTimeUnixNano":1789485018304000000,"body":{"stringValue":"{\"payload\":{\"type\":\"user_message\",\"message\":\"hi\"}}"},
	   "attributes":[{"key":"conversation.id","value":{"intValue":12}},{"key":"event.name","value":{"stringValue":"codex.response"}}]},
	  {"body":{"kvlistValue":{"values":[{"key":"input","value":{"stringValue":"*** Update File: a.go\n+x\n-y"}}]}},
	   "attributes":[{"key":"conversation.id","value":{"stringValue":"c"}},{"key":"event.name","value":{"stringValue":"codex.tool_result"}},
	   {"key":"tool_name","value":{"stringValue":"apply_patch"}},{"key":"success","value":{"boolValue":false}}]},
	  {"severityText":"ERROR","attributes":[{"key":"session.id","value":{"doubleValue":"NaN"}}]}
	]}]}]}`,
	`{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},"scopeMetrics":[{"metrics":[
	  {"name":"claude_code.token.usage","sum":{"aggregationTemporality":2,"dataPoints":[{"startTimeUnixNano":"1","asDouble":1000,
	   "attributes":[{"key":"session.id","value":{"stringValue":"A"}},{"key":"type","value":{"stringValue":"cacheRead"}}]}]}},
	  {"name":"claude_code.cost.usage","gauge":{"dataPoints":[{"asInt":"3"}]}}]}]}]}`,
}

func addJSONSeeds(f *testing.F, fixtures ...string) {
	for _, name := range fixtures {
		f.Add(fixture(f, name))
	}
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
}

// checkInputs asserts what every mapped event must satisfy to be stored.
func checkInputs(t *testing.T, ins []contract.Input) {
	t.Helper()
	for i, in := range ins {
		switch {
		case strings.TrimSpace(in.SessionID) == "" || in.AgentType == "":
			t.Fatalf("event %d: no session or agent: %+v", i, in)
		case !slices.Contains(contract.EventTypes, in.EventType):
			t.Fatalf("event %d: event type %q", i, in.EventType)
		case in.Status != contract.StatusSuccess && in.Status != contract.StatusError:
			t.Fatalf("event %d: status %q", i, in.Status)
		case in.Source != contract.SourceOTel:
			t.Fatalf("event %d: source %q", i, in.Source)
		case in.TokensIn < 0 || in.TokensOut < 0 || in.CacheReadTokens < 0 || in.CacheWriteTokens < 0 || in.DurationMS < 0:
			t.Fatalf("event %d: negative count: %+v", i, in)
		case in.CostUSD != nil && !(*in.CostUSD >= 0):
			t.Fatalf("event %d: cost %v", i, *in.CostUSD)
		case !json.Valid([]byte(in.Metadata)):
			t.Fatalf("event %d: metadata is not JSON: %q", i, in.Metadata)
		case in.PayloadTruncated && len(in.Metadata) > fuzzMax:
			t.Fatalf("event %d: truncated metadata of %d bytes", i, len(in.Metadata))
		case in.Series != "" && (in.SeriesField == "" || in.TokensIn+in.TokensOut+in.CacheReadTokens+in.CacheWriteTokens != 0 || in.CostUSD != nil):
			t.Fatalf("event %d: series point with usage: %+v", i, in)
		case !in.ClientTime.IsZero() && in.ClientTime.UnixMilli() <= 0:
			t.Fatalf("event %d: client time %v", i, in.ClientTime)
		}
	}
}

// sameAsProto checks that a decoded message maps alike after a trip through the other encoding.
func sameAsProto(t *testing.T, sig Signal, msg proto.Message, want []contract.Input) {
	t.Helper()
	b, err := proto.Marshal(msg)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	got, err := Decode(sig, Protobuf, b, fuzzMax)
	if err != nil {
		t.Fatalf("protobuf of a decoded message: %v", err)
	}
	if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
		t.Fatalf("protobuf round trip maps differently:\n%+v\n%+v", got, want)
	}
}

func sameAsJSON(t *testing.T, sig Signal, msg proto.Message, want []contract.Input) {
	t.Helper()
	b, err := protojson.Marshal(msg)
	if err != nil {
		t.Fatalf("protojson: %v", err)
	}
	got, err := Decode(sig, JSON, b, fuzzMax)
	if err != nil {
		t.Fatalf("JSON of a decoded message: %v: %s", err, b)
	}
	if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON round trip maps differently:\n%s\n%+v\n%+v", b, got, want)
	}
}

func FuzzLogsJSON(f *testing.F) {
	addJSONSeeds(f, "claude-session-logs.json", "codex-session-logs.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeLogsJSON(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("error %v does not wrap ErrInvalidJSON", err)
			}
			return
		}
		ins := MapLogs(req, fuzzMax)
		checkInputs(t, ins)
		sameAsProto(t, Logs, req, ins)
	})
}

func FuzzMetricsJSON(f *testing.F) {
	addJSONSeeds(f, "claude-session-metrics.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeMetricsJSON(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("error %v does not wrap ErrInvalidJSON", err)
			}
			return
		}
		ins := MapMetrics(req, fuzzMax)
		checkInputs(t, ins)
		sameAsProto(t, Metrics, req, ins)
	})
}

func addProtoSeeds(f *testing.F, fixtures ...string) {
	for _, name := range fixtures {
		f.Add(fixture(f, name))
	}
	for _, s := range [][]byte{nil, {0x0a, 0x00}, {0xff, 0xff}, {0x0a, 0x02, 0x12, 0x00}} {
		f.Add(s)
	}
}

func FuzzLogsProto(f *testing.F) {
	addProtoSeeds(f, "claude-session-logs.pb", "codex-session-logs.pb")
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeLogsProto(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidProtobuf) {
				t.Fatalf("error %v does not wrap ErrInvalidProtobuf", err)
			}
			return
		}
		ins := MapLogs(req, fuzzMax)
		checkInputs(t, ins)
		sameAsJSON(t, Logs, req, ins)
	})
}

func FuzzMetricsProto(f *testing.F) {
	addProtoSeeds(f, "claude-session-metrics.pb")
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeMetricsProto(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidProtobuf) {
				t.Fatalf("error %v does not wrap ErrInvalidProtobuf", err)
			}
			return
		}
		ins := MapMetrics(req, fuzzMax)
		checkInputs(t, ins)
		sameAsJSON(t, Metrics, req, ins)
	})
}

func FuzzTracesProto(f *testing.F) {
	addProtoSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := Decode(Traces, Protobuf, body, fuzzMax)
		if len(ins) != 0 || err != nil && !errors.Is(err, ErrInvalidProtobuf) {
			t.Fatalf("%d events, err %v", len(ins), err)
		}
	})
}
