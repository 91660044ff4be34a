package otel

import "errors"

var (
	// ErrInvalidJSON is returned for a JSON body that is not, after lenient decoding, a JSON object
	// or array (CONTRACT 11.1 step 2). The HTTP answer is 400 {"error":"Invalid OTEL JSON payload"}.
	ErrInvalidJSON = errors.New("otel: invalid OTLP JSON payload")
	// ErrInvalidProtobuf is returned (wrapped) for a protobuf body that does not decode as the
	// signal's export request (CONTRACT 11.1 step 1).
	ErrInvalidProtobuf = errors.New("otel: invalid OTLP protobuf payload")
)
