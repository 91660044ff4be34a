package otel

import (
	"fmt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Signal is what an OTLP export carries.
type Signal uint8

// The three OTLP signals (CONTRACT 11.2–11.4).
const (
	Logs Signal = iota + 1
	Metrics
	Traces
)

func (s Signal) String() string {
	switch s {
	case Logs:
		return "logs"
	case Metrics:
		return "metrics"
	case Traces:
		return "traces"
	}
	return fmt.Sprintf("Signal(%d)", uint8(s))
}

// Encoding is how an OTLP body is written.
type Encoding uint8

// OTLP/HTTP encodings (CONTRACT 11.1).
const (
	JSON     Encoding = iota + 1 // OTLP/JSON, read leniently (CONTRACT 2.4)
	Protobuf                     // binary protobuf
)

// Decode decodes an export of sig written in enc and maps it to the events to store: log records
// by MapLogs, metric points by MapMetrics, none for traces (CONTRACT 11.4). It fails only when the
// body does not decode, with an error wrapping ErrInvalidJSON or ErrInvalidProtobuf; then nothing of
// the body may be stored. maxPayloadBytes is the metadata bound M of CONTRACT 6.
func Decode(sig Signal, enc Encoding, body []byte, maxPayloadBytes int) ([]contract.Input, error) {
	switch {
	case sig == Logs && enc == JSON:
		req, err := DecodeLogsJSON(body)
		if err != nil {
			return nil, err
		}
		return MapLogs(req, maxPayloadBytes), nil
	case sig == Logs && enc == Protobuf:
		req, err := DecodeLogsProto(body)
		if err != nil {
			return nil, err
		}
		return MapLogs(req, maxPayloadBytes), nil
	case sig == Metrics && enc == JSON:
		req, err := DecodeMetricsJSON(body)
		if err != nil {
			return nil, err
		}
		return MapMetrics(req, maxPayloadBytes), nil
	case sig == Metrics && enc == Protobuf:
		req, err := DecodeMetricsProto(body)
		if err != nil {
			return nil, err
		}
		return MapMetrics(req, maxPayloadBytes), nil
	case sig == Traces && enc == JSON:
		return nil, CheckTracesJSON(body)
	case sig == Traces && enc == Protobuf:
		_, err := DecodeTracesProto(body)
		return nil, err
	}
	return nil, fmt.Errorf("otel: decode %v in encoding %d: unknown signal or encoding", sig, enc)
}
