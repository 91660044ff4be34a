package otel

import (
	"testing"

	logsv1 "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
)

// export1000 is a Claude Code logs export of 1,000 records: the fixture session's 11 records
// repeated, under its one resource, as protobuf.
func export1000(b *testing.B) []byte {
	b.Helper()
	req, err := DecodeLogsProto(fixture(b, "claude-session-logs.pb"))
	if err != nil {
		b.Fatal(err)
	}
	sl := req.ResourceLogs[0].ScopeLogs[0]
	recs := make([]*logsv1.LogRecord, 0, 1000)
	for i := range 1000 {
		recs = append(recs, sl.LogRecords[i%len(sl.LogRecords)])
	}
	sl.LogRecords = recs
	body, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkLogsProto1000 decodes and maps a 1,000-record protobuf logs export, what one request
// to /v1/logs costs before the store, and reports records/s (target: 50,000 on 2 cores).
//
//	go test -run '^$' -bench LogsProto1000 -benchmem ./otel
func BenchmarkLogsProto1000(b *testing.B) {
	body := export1000(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ins, err := Decode(Logs, Protobuf, body, 10*1024)
		if err != nil {
			b.Fatal(err)
		}
		n += len(ins)
	}
	if n != 1000*b.N {
		b.Fatalf("%d events from %d exports, want 1000 each", n, b.N)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkLogsJSON1000 is the same export as OTLP/JSON.
func BenchmarkLogsJSON1000(b *testing.B) {
	req, err := DecodeLogsProto(export1000(b))
	if err != nil {
		b.Fatal(err)
	}
	body := mustProtoJSON(b, req)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ins, err := Decode(Logs, JSON, body, 10*1024)
		if err != nil {
			b.Fatal(err)
		}
		n += len(ins)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
