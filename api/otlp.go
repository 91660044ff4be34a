package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/otel"
)

// otlpLogs, otlpMetrics and otlpTraces serve one OTLP/HTTP signal each, on /api/otel/v1/<signal>
// and on the standard /v1/<signal> (CONTRACT 11, 18.4).
func (s *Server) otlpLogs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.serveOTLP(w, r, otel.Logs)
}

func (s *Server) otlpMetrics(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.serveOTLP(w, r, otel.Metrics)
}

func (s *Server) otlpTraces(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.serveOTLP(w, r, otel.Traces)
}

// serveOTLP decodes an export of sig and stores its events:
//   - a protobuf Content-Type means an OTLP protobuf body, answered with the empty protobuf export
//     response; application/json, application/*+json and text/plain mean OTLP/JSON, answered with
//     exactly {}; any other or no Content-Type is a body that is absent, so not a JSON object: 400;
//   - Content-Encoding gzip is accepted; the 5 MiB bound holds before and after decompression;
//   - every event of the request is stored in one store.Ingest call, so in one commit, or none is.
//
// Errors are always JSON: 400 for a body that does not decode, 413 too large, 415 an unsupported
// Content-Encoding.
func (s *Server) serveOTLP(w http.ResponseWriter, r *http.Request, sig otel.Signal) {
	enc := otel.JSON
	switch {
	case protobufContentType(r):
		enc = otel.Protobuf
	case !jsonContentType(r):
		writeError(w, http.StatusBadRequest, msgInvalidOTLPJSON)
		return
	}
	body, err := readBody(w, r, maxOTLPBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inputs, err := otel.Decode(sig, enc, body, s.cfg.MaxPayloadBytes)
	switch {
	case errors.Is(err, otel.ErrInvalidJSON):
		writeError(w, http.StatusBadRequest, msgInvalidOTLPJSON)
		return
	case errors.Is(err, otel.ErrInvalidProtobuf):
		s.log.WarnContext(r.Context(), "undecodable OTLP protobuf", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadRequest, "Invalid OTLP protobuf payload")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.log.DebugContext(r.Context(), "OTLP export", "signal", sig, "protobuf", enc == otel.Protobuf, "events", len(inputs))
	if len(inputs) > 0 {
		for i := range inputs {
			s.prepare(&inputs[i])
		}
		if _, err := s.store.Ingest(r.Context(), inputs); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if enc == otel.Protobuf {
		// The empty Export…ServiceResponse: no partial_success, so zero bytes.
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("{}"))
}

// msgInvalidOTLPJSON is the contract's error text for an OTLP JSON body that is not an object or
// array (CONTRACT 11.1 step 2).
const msgInvalidOTLPJSON = "Invalid OTEL JSON payload"

// protobufContentType reports whether the Content-Type names OTLP protobuf (CONTRACT 11.1: it
// contains application/x-protobuf or application/protobuf).
func protobufContentType(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.Contains(ct, "application/x-protobuf") || strings.Contains(ct, "application/protobuf")
}
