// Package otel turns OpenTelemetry exports (OTLP over HTTP, JSON or protobuf) into events: the logs
// and metrics Claude Code, Codex and other agents send become contract.Input values ready for the
// store (spec/CONTRACT.md section 11, as amended by 18.1 and 18.4). Traces are decoded and
// dropped. Everything here is a pure function of the request body: no I/O, no state.
//
// # Decoding
//
// Protobuf bodies are read with the official OTLP types (go.opentelemetry.io/proto/otlp). JSON
// bodies first go through the contract's lenient decoding (CONTRACT 2.4), then are read into the
// same types by a tolerant walker: OTLP/JSON writes 64-bit integers as strings, exporters differ in
// what they send as numbers, and the contract answers 200 to any JSON object, so a field of the
// wrong type is skipped instead of failing the request. Both encodings then share one mapping.
//
// # Mapping
//
// A log record becomes at most one event; a token or cost data point becomes at most one synthetic
// llm_response event. Points of cumulative sums are not subtracted here: the Input names the series
// and carries the raw value, and the store computes the increase inside its write transaction,
// where the series' previous value lives (it survives restarts). Usage that Claude Code reports
// twice, as api_request log events and as token/cost metrics, is marked on the Input (LogUsage,
// MetricUsage) so that the store counts it once.
package otel
