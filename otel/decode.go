package otel

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	logsv1 "go.opentelemetry.io/proto/otlp/logs/v1"
	metricsv1 "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcev1 "go.opentelemetry.io/proto/otlp/resource/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// note: the protobuf bodies are read into LogsData, MetricsData and TracesData, not into the
// collector's Export…ServiceRequest types. Both are `repeated Resource… = 1`, so the bytes are the
// same (the OTLP spec says so of these *Data messages), and the collector packages would link gRPC
// and grpc-gateway into the binary for nothing.

// DecodeLogsProto decodes an OTLP protobuf ExportLogsServiceRequest.
func DecodeLogsProto(body []byte) (*logsv1.LogsData, error) {
	req := new(logsv1.LogsData)
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProtobuf, err)
	}
	return req, nil
}

// DecodeMetricsProto decodes an OTLP protobuf ExportMetricsServiceRequest.
func DecodeMetricsProto(body []byte) (*metricsv1.MetricsData, error) {
	req := new(metricsv1.MetricsData)
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProtobuf, err)
	}
	return req, nil
}

// DecodeTracesProto decodes an OTLP protobuf ExportTraceServiceRequest.
func DecodeTracesProto(body []byte) (*tracev1.TracesData, error) {
	req := new(tracev1.TracesData)
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProtobuf, err)
	}
	return req, nil
}

// DecodeLogsJSON decodes an OTLP/JSON logs export after the lenient decoding of CONTRACT 2.4. A
// JSON array is accepted and holds nothing; anything else but an object returns ErrInvalidJSON.
// Members of the wrong type are skipped, never an error (see readJSON).
func DecodeLogsJSON(body []byte) (*logsv1.LogsData, error) {
	var j jLogsData
	if err := readJSON(body, &j); err != nil {
		return nil, err
	}
	req := &logsv1.LogsData{ResourceLogs: make([]*logsv1.ResourceLogs, 0, len(j.ResourceLogs))}
	for _, rl := range j.ResourceLogs {
		out := &logsv1.ResourceLogs{Resource: rl.Resource.proto(), ScopeLogs: make([]*logsv1.ScopeLogs, 0, len(rl.ScopeLogs))}
		for _, sl := range rl.ScopeLogs {
			recs := make([]*logsv1.LogRecord, len(sl.LogRecords))
			for i := range sl.LogRecords {
				r := &sl.LogRecords[i]
				recs[i] = &logsv1.LogRecord{
					TimeUnixNano:         jsonUint64(r.TimeUnixNano),
					ObservedTimeUnixNano: jsonUint64(r.ObservedTimeUnixNano),
					SeverityText:         r.SeverityText,
					Body:                 r.Body.proto(),
					Attributes:           keyValues(r.Attributes),
				}
			}
			out.ScopeLogs = append(out.ScopeLogs, &logsv1.ScopeLogs{LogRecords: recs})
		}
		req.ResourceLogs = append(req.ResourceLogs, out)
	}
	return req, nil
}

// DecodeMetricsJSON decodes an OTLP/JSON metrics export like DecodeLogsJSON. Only sums and gauges
// are read: the contract maps no other kind of metric.
func DecodeMetricsJSON(body []byte) (*metricsv1.MetricsData, error) {
	var j jMetricsData
	if err := readJSON(body, &j); err != nil {
		return nil, err
	}
	req := &metricsv1.MetricsData{ResourceMetrics: make([]*metricsv1.ResourceMetrics, 0, len(j.ResourceMetrics))}
	for _, rm := range j.ResourceMetrics {
		out := &metricsv1.ResourceMetrics{Resource: rm.Resource.proto(), ScopeMetrics: make([]*metricsv1.ScopeMetrics, 0, len(rm.ScopeMetrics))}
		for _, sm := range rm.ScopeMetrics {
			ms := make([]*metricsv1.Metric, len(sm.Metrics))
			for i := range sm.Metrics {
				ms[i] = sm.Metrics[i].proto()
			}
			out.ScopeMetrics = append(out.ScopeMetrics, &metricsv1.ScopeMetrics{Metrics: ms})
		}
		req.ResourceMetrics = append(req.ResourceMetrics, out)
	}
	return req, nil
}

// CheckTracesJSON validates an OTLP/JSON traces export: after lenient decoding it must be a JSON
// object or array (CONTRACT 11.1, 11.4). Its content is ignored.
func CheckTracesJSON(body []byte) error {
	return readJSON(body, nil)
}

// readJSON applies CONTRACT 2.4 and 11.1 step 2 to body and, for an object, decodes it into v
// (when v is not nil). encoding/json skips a member whose JSON type does not fit its Go field and
// goes on with the rest; that error is dropped, so a stray type costs one field, not the request.
func readJSON(body []byte, v any) error {
	raw := contract.Lenient(body)
	if len(raw) == 0 || raw[0] != '{' && raw[0] != '[' {
		return ErrInvalidJSON
	}
	if raw[0] == '[' || v == nil {
		return nil
	}
	err := json.Unmarshal(raw, v)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		// Lenient validated the text, so this is not expected; refuse rather than half-read it.
		return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	return nil
}

// The j* types mirror the OTLP/JSON messages, for the fields the mapping reads. Scalars that OTLP
// lets a sender write in more than one way are kept raw and read by the json* helpers.

type jLogsData struct {
	ResourceLogs []jResourceLogs `json:"resourceLogs"`
}

type jResourceLogs struct {
	Resource  jResource    `json:"resource"`
	ScopeLogs []jScopeLogs `json:"scopeLogs"`
}

type jResource struct {
	Attributes []jKeyValue `json:"attributes"`
}

func (r *jResource) proto() *resourcev1.Resource {
	return &resourcev1.Resource{Attributes: keyValues(r.Attributes)}
}

type jScopeLogs struct {
	LogRecords []jLogRecord `json:"logRecords"`
}

type jLogRecord struct {
	TimeUnixNano         json.RawMessage `json:"timeUnixNano"`
	ObservedTimeUnixNano json.RawMessage `json:"observedTimeUnixNano"`
	SeverityText         string          `json:"severityText"`
	Body                 *jAnyValue      `json:"body"`
	Attributes           []jKeyValue     `json:"attributes"`
}

type jMetricsData struct {
	ResourceMetrics []jResourceMetrics `json:"resourceMetrics"`
}

type jResourceMetrics struct {
	Resource     jResource       `json:"resource"`
	ScopeMetrics []jScopeMetrics `json:"scopeMetrics"`
}

type jScopeMetrics struct {
	Metrics []jMetric `json:"metrics"`
}

type jMetric struct {
	Name  string  `json:"name"`
	Sum   *jSum   `json:"sum"`
	Gauge *jGauge `json:"gauge"`
}

type jSum struct {
	DataPoints             []jNumberDataPoint `json:"dataPoints"`
	AggregationTemporality json.RawMessage    `json:"aggregationTemporality"`
	IsMonotonic            bool               `json:"isMonotonic"`
}

type jGauge struct {
	DataPoints []jNumberDataPoint `json:"dataPoints"`
}

type jNumberDataPoint struct {
	Attributes        []jKeyValue     `json:"attributes"`
	StartTimeUnixNano json.RawMessage `json:"startTimeUnixNano"`
	TimeUnixNano      json.RawMessage `json:"timeUnixNano"`
	AsDouble          json.RawMessage `json:"asDouble"`
	AsInt             json.RawMessage `json:"asInt"`
}

// proto converts a metric; CONTRACT 11.3 takes sum.dataPoints, else gauge.dataPoints.
func (m *jMetric) proto() *metricsv1.Metric {
	out := &metricsv1.Metric{Name: m.Name}
	switch {
	case m.Sum != nil && (m.Sum.DataPoints != nil || m.Gauge == nil):
		out.Data = &metricsv1.Metric_Sum{Sum: &metricsv1.Sum{
			DataPoints:             points(m.Sum.DataPoints),
			AggregationTemporality: jsonTemporality(m.Sum.AggregationTemporality),
			IsMonotonic:            m.Sum.IsMonotonic,
		}}
	case m.Gauge != nil:
		out.Data = &metricsv1.Metric_Gauge{Gauge: &metricsv1.Gauge{DataPoints: points(m.Gauge.DataPoints)}}
	}
	return out
}

func points(in []jNumberDataPoint) []*metricsv1.NumberDataPoint {
	out := make([]*metricsv1.NumberDataPoint, len(in))
	for i := range in {
		p := &in[i]
		o := &metricsv1.NumberDataPoint{
			Attributes:        keyValues(p.Attributes),
			StartTimeUnixNano: jsonUint64(p.StartTimeUnixNano),
			TimeUnixNano:      jsonUint64(p.TimeUnixNano),
		}
		// CONTRACT 11.3: asDouble, else asInt (a number or a decimal string), else 0.
		if f, ok := jsonDouble(p.AsDouble); ok {
			o.Value = &metricsv1.NumberDataPoint_AsDouble{AsDouble: f}
		} else if v := jsonInt(p.AsInt); v != nil {
			v.setValue(o)
		}
		out[i] = o
	}
	return out
}

type jKeyValue struct {
	Key   string    `json:"key"`
	Value jAnyValue `json:"value"`
}

type jAnyValue struct {
	StringValue json.RawMessage `json:"stringValue"`
	IntValue    json.RawMessage `json:"intValue"`
	DoubleValue json.RawMessage `json:"doubleValue"`
	BoolValue   json.RawMessage `json:"boolValue"`
	ArrayValue  *struct {
		Values []jAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []jKeyValue `json:"values"`
	} `json:"kvlistValue"`
	BytesValue json.RawMessage `json:"bytesValue"`
}

func keyValues(in []jKeyValue) []*commonv1.KeyValue {
	if len(in) == 0 {
		return nil
	}
	out := make([]*commonv1.KeyValue, len(in))
	for i := range in {
		out[i] = &commonv1.KeyValue{Key: in[i].Key, Value: in[i].Value.proto()}
	}
	return out
}

// proto converts a value. When a sender set several members, the first of stringValue, intValue,
// doubleValue, boolValue, arrayValue, kvlistValue, bytesValue that reads wins, the order in which
// CONTRACT 11.1 reads a value as a string. An empty or unreadable value has no member set.
func (v *jAnyValue) proto() *commonv1.AnyValue {
	if v == nil {
		return nil
	}
	out := new(commonv1.AnyValue)
	if s, ok := jsonString(v.StringValue); ok {
		out.Value = &commonv1.AnyValue_StringValue{StringValue: s}
	} else if n := jsonInt(v.IntValue); n != nil {
		out = n.anyValue()
	} else if f, ok := jsonDouble(v.DoubleValue); ok {
		out.Value = &commonv1.AnyValue_DoubleValue{DoubleValue: f}
	} else if b, ok := jsonBool(v.BoolValue); ok {
		out.Value = &commonv1.AnyValue_BoolValue{BoolValue: b}
	} else if v.ArrayValue != nil {
		arr := &commonv1.ArrayValue{Values: make([]*commonv1.AnyValue, len(v.ArrayValue.Values))}
		for i := range v.ArrayValue.Values {
			arr.Values[i] = v.ArrayValue.Values[i].proto()
		}
		out.Value = &commonv1.AnyValue_ArrayValue{ArrayValue: arr}
	} else if v.KvlistValue != nil {
		out.Value = &commonv1.AnyValue_KvlistValue{KvlistValue: &commonv1.KeyValueList{Values: keyValues(v.KvlistValue.Values)}}
	} else if s, ok := jsonString(v.BytesValue); ok {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			out.Value = &commonv1.AnyValue_BytesValue{BytesValue: b}
		} else if b, err := base64.URLEncoding.DecodeString(s); err == nil {
			out.Value = &commonv1.AnyValue_BytesValue{BytesValue: b}
		}
	}
	return out
}

// jNumber is an intValue or asInt as read: an int64, or a float64 when the sender wrote a number
// that is not a 64-bit integer, or the text of a string that is not a decimal integer.
type jNumber struct {
	i    int64
	f    float64
	s    string
	kind byte // 'i', 'f' or 's'
}

// anyValue keeps what CONTRACT 11.1 can read of the value: an integer as an integer, another number
// as a double, other text as a string (so it still reads as that text, and as a number when
// numeric).
func (n *jNumber) anyValue() *commonv1.AnyValue {
	switch n.kind {
	case 'i':
		return &commonv1.AnyValue{Value: &commonv1.AnyValue_IntValue{IntValue: n.i}}
	case 'f':
		return &commonv1.AnyValue{Value: &commonv1.AnyValue_DoubleValue{DoubleValue: n.f}}
	}
	return &commonv1.AnyValue{Value: &commonv1.AnyValue_StringValue{StringValue: n.s}}
}

// setValue makes n, an asInt, the point's value; text that is no number gives none.
func (n *jNumber) setValue(p *metricsv1.NumberDataPoint) {
	switch n.kind {
	case 'i':
		p.Value = &metricsv1.NumberDataPoint_AsInt{AsInt: n.i}
	case 'f':
		p.Value = &metricsv1.NumberDataPoint_AsDouble{AsDouble: n.f}
	default:
		if f, ok := numericText(n.s); ok {
			p.Value = &metricsv1.NumberDataPoint_AsDouble{AsDouble: f}
		}
	}
}

// jsonInt reads an OTLP/JSON 64-bit integer: a JSON number or a string holding one. Nil when raw
// is absent, null or of another JSON type.
func jsonInt(raw json.RawMessage) *jNumber {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch c := raw[0]; {
	case c == '"':
		s, ok := jsonString(raw)
		if !ok {
			return nil
		}
		t := strings.TrimSpace(s)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return &jNumber{i: i, kind: 'i'}
		}
		return &jNumber{s: s, kind: 's'}
	case c == '-' || c >= '0' && c <= '9':
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return &jNumber{i: i, kind: 'i'}
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil
		}
		if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
			return &jNumber{i: int64(f), kind: 'i'}
		}
		return &jNumber{f: f, kind: 'f'}
	}
	return nil
}

// jsonString reads a JSON string; false when raw is absent or another JSON type.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; raw[len(raw)-1] == '"' && plainText(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonBool reads a JSON boolean.
func jsonBool(raw json.RawMessage) (bool, bool) {
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// jsonDouble reads an OTLP/JSON double: a JSON number, or a string holding a number, "NaN",
// "Infinity" or "-Infinity" (as protojson writes them).
func jsonDouble(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	if raw[0] == '"' {
		s, ok := jsonString(raw)
		if !ok {
			return 0, false
		}
		switch strings.TrimSpace(s) {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		return numericText(s)
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// jsonUint64 reads an OTLP/JSON fixed64 (a time in nanoseconds): a JSON number or a decimal
// string. Anything else, or a negative value, reads as 0 (absent).
func jsonUint64(raw json.RawMessage) uint64 {
	t := string(raw)
	if s, ok := jsonString(raw); ok {
		t = strings.TrimSpace(s)
	}
	if u, err := strconv.ParseUint(t, 10, 64); err == nil {
		return u
	}
	if f, ok := numericText(t); ok && f >= 1 && f < 1<<64 {
		return uint64(f) // a number written with a fraction or an exponent
	}
	return 0
}

// jsonTemporality reads aggregationTemporality: its number, or its enum name.
func jsonTemporality(raw json.RawMessage) metricsv1.AggregationTemporality {
	if n := jsonInt(raw); n != nil && n.kind == 'i' && n.i >= 0 && n.i <= math.MaxInt32 {
		return metricsv1.AggregationTemporality(n.i)
	}
	if s, ok := jsonString(raw); ok {
		if v, found := metricsv1.AggregationTemporality_value[strings.TrimSpace(s)]; found {
			return metricsv1.AggregationTemporality(v)
		}
	}
	return metricsv1.AggregationTemporality_AGGREGATION_TEMPORALITY_UNSPECIFIED
}

// plainText reports whether a JSON string's inner text needs no unescaping: valid UTF-8 with no
// quote, backslash or control character.
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}
