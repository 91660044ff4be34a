package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

// errorBody is the contract's error object; Details only for validation failures.
type errorBody struct {
	Error   string                `json:"error"`
	Details []contract.FieldError `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

// fail answers a request whose work failed: a known error kind gets its status and the contract's
// text, anything else is logged here and answered with a plain 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *contract.ValidationError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, errorBody{Error: bad.Error(), Details: bad.Details})
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
	case errors.Is(err, errUnsupportedEncoding):
		writeError(w, http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, errBadEncoding):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, kv.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "server is shutting down")
	case errors.Is(err, r.Context().Err()):
		// The client went away; there is nobody to answer.
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

func (s *Server) panicked(w http.ResponseWriter, r *http.Request, v any) {
	s.log.ErrorContext(r.Context(), "handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// message is an SSE frame with the contract's envelope.
func message(typ string, payload any) []byte {
	b, err := json.Marshal(struct {
		Type    string `json:"type"`
		Payload any    `json:"payload"`
	}{typ, payload})
	if err != nil {
		return nil
	}
	return frame(b)
}

func frame(data []byte) []byte {
	out := make([]byte, 0, len(data)+8)
	out = append(out, "data: "...)
	out = append(out, data...)
	return append(out, "\n\n"...)
}

// streamJSON writes a JSON body in pieces through a buffer; started tells whether anything has
// reached the client (after which the status can no longer change).
type streamJSON struct {
	w       http.ResponseWriter
	buf     []byte
	started bool
}

func newStreamJSON(w http.ResponseWriter) *streamJSON {
	return &streamJSON{w: w, buf: make([]byte, 0, 64<<10)}
}

func (s *streamJSON) raw(p string) { s.buf = append(s.buf, p...) }

func (s *streamJSON) write(p []byte) error {
	s.buf = append(s.buf, p...)
	if len(s.buf) >= 60<<10 {
		return s.flush()
	}
	return nil
}

func (s *streamJSON) flush() error {
	if !s.started {
		s.started = true
		s.w.WriteHeader(http.StatusOK)
	}
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}
