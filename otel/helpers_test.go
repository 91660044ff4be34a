package otel

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// The fixtures in testdata are copies of the project's shared OTLP fixtures (fixtures/otlp): one
// Claude Code session's logs and metrics and one Codex session's logs, each as OTLP/JSON and as
// the same message in protobuf.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// av is an OTLP/JSON attribute value: a string is a stringValue, an int an intValue (written as
// OTLP/JSON writes it, a string), a float64 a doubleValue, a bool a boolValue; a json.RawMessage is
// the value object as given.
func av(v any) any {
	switch x := v.(type) {
	case string:
		return map[string]any{"stringValue": x}
	case int:
		return map[string]any{"intValue": fmt.Sprint(x)}
	case int64:
		return map[string]any{"intValue": fmt.Sprint(x)}
	case float64:
		return map[string]any{"doubleValue": x}
	case bool:
		return map[string]any{"boolValue": x}
	case json.RawMessage:
		return x
	}
	panic(fmt.Sprintf("av: %T", v))
}

// attrList builds an attribute list from key, value pairs.
func attrList(pairs ...any) []any {
	out := []any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"key": pairs[i], "value": av(pairs[i+1])})
	}
	return out
}

// logRec builds a log record from its attributes and extra members (key, value pairs).
func logRec(attributes []any, extra ...any) map[string]any {
	r := map[string]any{"attributes": attributes}
	for i := 0; i+1 < len(extra); i += 2 {
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

// logsJSON builds an OTLP/JSON logs export of one resource holding records.
func logsJSON(t testing.TB, resource []any, records ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
		"resource":  map[string]any{"attributes": resource},
		"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": "test"}, "logRecords": records}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// point builds a number data point: attributes, then value (float64 → asDouble, int → asInt),
// then extra members.
func point(attributes []any, value any, extra ...any) map[string]any {
	p := map[string]any{"attributes": attributes, "timeUnixNano": "1789480978412000000"}
	switch v := value.(type) {
	case float64:
		p["asDouble"] = v
	case int:
		p["asInt"] = fmt.Sprint(v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

// sum builds a sum metric; temporality 1 is delta, 2 cumulative.
func sum(name string, temporality int, points ...map[string]any) map[string]any {
	return map[string]any{"name": name, "sum": map[string]any{
		"aggregationTemporality": temporality, "isMonotonic": true, "dataPoints": points}}
}

// metricsJSON builds an OTLP/JSON metrics export of one resource holding metrics.
func metricsJSON(t testing.TB, resource []any, metrics ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"resourceMetrics": []any{map[string]any{
		"resource":     map[string]any{"attributes": resource},
		"scopeMetrics": []any{map[string]any{"scope": map[string]any{"name": "test"}, "metrics": metrics}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var claudeResource = attrList("service.name", "claude-code", "telemetry.sdk.name", "opentelemetry")
var codexResource = attrList("service.name", "codex_cli_rs", "telemetry.sdk.name", "opentelemetry")

// decode maps a JSON body of sig, failing the test on an error.
func decode(t testing.TB, sig Signal, body []byte) []contract.Input {
	t.Helper()
	ins, err := Decode(sig, JSON, body, 10*1024)
	if err != nil {
		t.Fatalf("Decode(%v): %v", sig, err)
	}
	return ins
}

// one maps a JSON logs body that must yield exactly one event.
func one(t testing.TB, body []byte) contract.Input {
	t.Helper()
	ins := decode(t, Logs, body)
	if len(ins) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(ins), ins)
	}
	return ins[0]
}

// meta decodes an event's metadata text.
func meta(t testing.TB, in contract.Input) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(in.Metadata), &m); err != nil {
		t.Fatalf("metadata %q: %v", in.Metadata, err)
	}
	return m
}

// totals are the usage of a list of events.
type totals struct {
	in, out, cacheRead, cacheWrite int64
	cost                           float64
}

func usage(ins []contract.Input) totals {
	var u totals
	for _, in := range ins {
		u.in += in.TokensIn
		u.out += in.TokensOut
		u.cacheRead += in.CacheReadTokens
		u.cacheWrite += in.CacheWriteTokens
		if in.CostUSD != nil {
			u.cost += *in.CostUSD
		}
	}
	return u
}

func byType(ins []contract.Input) map[string]int {
	m := map[string]int{}
	for _, in := range ins {
		m[in.EventType]++
	}
	return m
}

// mustProtoJSON encodes msg as OTLP/JSON.
func mustProtoJSON(t testing.TB, msg proto.Message) []byte {
	t.Helper()
	b, err := protojson.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
