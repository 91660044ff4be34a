package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"slices"
	"strings"
)

// guard applies CONTRACT 18.7 before any route: with a token, every request must carry it;
// without one, only loopback Host names are served (a DNS-rebinding page cannot reach the API).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Token != "" {
			if !s.authorized(w, r) {
				writeError(w, http.StatusUnauthorized, "unauthorized")
				return
			}
		} else if !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "forbidden host")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(s.cfg.CORSOrigins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding, Authorization")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authorized checks the bearer token or the cookie; /?token=<token> sets the cookie so the
// browser's EventSource, which cannot send headers, is authorized too.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	ok := func(got string) bool {
		return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
	}
	if bearer, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found && ok(bearer) {
		return true
	}
	if c, err := r.Cookie("agentmonitor_token"); err == nil && ok(c.Value) {
		return true
	}
	if r.URL.Path == "/" && ok(r.URL.Query().Get("token")) {
		http.SetCookie(w, &http.Cookie{Name: "agentmonitor_token", Value: s.cfg.Token, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode})
		return true
	}
	return false
}

// loopbackHost reports whether a Host header names this machine: localhost, *.localhost,
// 127.0.0.1 or [::1], with any port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		return true
	case host == "127.0.0.1" || host == "::1" || host == "[::1]":
		return true
	}
	return false
}
