package api

import (
	"net/http"
	"net/url"
	"sync"

	"github.com/julienschmidt/httprouter"
)

// routes registers every route. Paths outside /api fall through to the dashboard.
func (s *Server) routes() http.Handler {
	r := httprouter.New()
	// The contract answers 404 (not 405) for a wrong method, OPTIONS included (a CORS preflight
	// is answered by guard), and never redirects.
	r.HandleMethodNotAllowed = false
	r.HandleOPTIONS = false
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.PanicHandler = s.panicked

	r.GET("/api/health", s.health)
	r.POST("/api/events", s.postEvent)
	r.POST("/api/events/batch", s.postBatch)
	r.GET("/api/events", s.listEvents)
	r.GET("/api/stats", s.stats)
	r.GET("/api/stats/tools", s.toolStats)
	r.GET("/api/stats/cost", s.costStats)
	r.GET("/api/stats/usage-monitor", s.usageMonitor)
	r.GET("/api/sessions", s.listSessions)
	r.GET("/api/sessions/:id", s.session)
	r.GET("/api/sessions/:id/transcript", s.transcript)
	r.GET("/api/filter-options", s.filterOptions)
	r.GET("/api/search", s.search)
	r.GET("/api/stream", s.stream)
	r.POST("/api/import", s.postImport)
	r.GET("/api/backup", s.backup)
	r.POST("/api/costs/recalc", s.postRecalc)
	r.GET("/api/costs/unpriced", s.unpriced)
	r.POST("/api/compact", s.compact)
	r.POST("/api/otel/v1/logs", s.otlpLogs)
	r.POST("/api/otel/v1/metrics", s.otlpMetrics)
	r.POST("/api/otel/v1/traces", s.otlpTraces)
	r.POST("/v1/logs", s.otlpLogs)
	r.POST("/v1/metrics", s.otlpMetrics)
	r.POST("/v1/traces", s.otlpTraces)
	r.GET("/metrics", s.serveMetrics)

	s.web = sync.OnceValue(s.newDashboard)
	for _, p := range dashboardRoutes {
		r.GET(p, s.dashboard)
	}
	r.NotFound = http.HandlerFunc(s.notFound)
	return s.timeIngest(s.escapedPaths(r))
}

// escapedPaths matches a request whose path holds escapes such as %2F on its escaped form and
// decodes the parameters, so /api/sessions/a%2Fb is session "a/b" (CONTRACT 8.10), as upstream's
// Express did. note: httprouter v1.3.0 matches only the decoded r.URL.Path, where that id would
// be two segments.
func (s *Server) escapedPaths(router *httprouter.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawPath == "" {
			router.ServeHTTP(w, r)
			return
		}
		handle, ps, _ := router.Lookup(r.Method, r.URL.RawPath)
		if handle == nil {
			router.ServeHTTP(w, r)
			return
		}
		for i := range ps {
			v, err := url.PathUnescape(ps[i].Value)
			if err != nil {
				s.notFound(w, r)
				return
			}
			ps[i].Value = v
		}
		defer func() {
			if v := recover(); v != nil {
				s.panicked(w, r, v)
			}
		}()
		handle(w, r, ps)
	})
}

// dashboardRoutes are the dashboard's pages (CONTRACT 18.6); each answers with the app shell.
var dashboardRoutes = []string{"/", "/sessions", "/sessions/:id", "/costs", "/tools", "/search", "/usage"}
