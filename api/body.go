package api

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Body size limits (CONTRACT 2.4); they bound the decompressed body too.
const (
	maxIngestBody = 1 << 20
	maxOTLPBody   = 5 << 20
)

var (
	errUnsupportedEncoding = errors.New("unsupported Content-Encoding")
	errBadEncoding         = errors.New("body does not decode as its Content-Encoding")
)

// jsonContentType reports whether the Content-Type makes an ingest body readable as text (CONTRACT
// 2.4): application/json, any application/*+json, or text/plain.
func jsonContentType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/plain" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// readBody reads the request body, decompressing gzip, and fails with *http.MaxBytesError past
// limit bytes (compressed or not).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	var src io.Reader = body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errBadEncoding, err)
		}
		defer zr.Close()
		// note: a small gzip body can inflate to gigabytes, so the limit applies after it too.
		src = io.LimitReader(zr, limit+1)
	default:
		return nil, fmt.Errorf("%w: %q", errUnsupportedEncoding, enc)
	}
	b, err := io.ReadAll(src)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errBadEncoding, err)
	}
	if int64(len(b)) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return b, nil
}
