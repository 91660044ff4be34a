package api

import (
	"errors"
	"net/http"
	"path"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/ui/web"
)

// placeholderPage is served for the dashboard's routes while the binary carries no built dashboard
// (CONTRACT 18.6).
const placeholderPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>AgentMonitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
code{background:#8882;padding:.1em .3em;border-radius:3px}</style></head>
<body>
<h1>AgentMonitor is running</h1>
<p>The API is live at <code>/api</code> (try <a href="/api/health">/api/health</a> or
<a href="/api/stats">/api/stats</a>; live events stream from <code>/api/stream</code>).</p>
<p>This binary was built without the dashboard. To build it, run <code>make build</code> in the
AgentMonitor checkout and start <code>bin/agentmonitor</code>.</p>
</body>
</html>
`

// newDashboard returns the dashboard's handler (package ui/web), or nil when the binary carries
// no built dashboard. It runs at the first dashboard request, not at start: the handler reads and
// hashes the 2 MB client, which a server nobody looks at should not hold (idle RSS 21 → 17.6 MB).
func (s *Server) newDashboard() http.Handler {
	files := s.cfg.DashboardFiles
	if files == nil {
		files = web.Files()
	}
	h, err := web.New(files, s.cfg.Version)
	if err != nil {
		if !errors.Is(err, web.ErrNotBuilt) {
			s.log.Error("dashboard unavailable", "err", err)
		}
		return nil
	}
	return h
}

// dashboard answers the dashboard's pages: the app shell, or the plain page without one.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if web := s.web(); web != nil {
		web.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(placeholderPage))
}

// notFound answers every unrouted path; API paths get a JSON body. The dashboard's files
// (app.js, app-worker.js, the manifest, /web/...) go to its handler; any other path is 404,
// since the dashboard's pages are exactly the routed ones (CONTRACT 2.6, 18.6).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && (strings.HasPrefix(p, "/web/") || path.Ext(p) != "") {
		if web := s.web(); web != nil {
			web.ServeHTTP(w, r)
			return
		}
	}
	http.NotFound(w, r)
}
