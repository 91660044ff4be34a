package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// routes registers every route. Paths outside /api fall through to the dashboard.
func (s *Server) routes() http.Handler {
	r := httprouter.New()
	// The contract answers 404 (not 405) for a wrong method, and never redirects.
	r.HandleMethodNotAllowed = false
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
	r.GET("/api/stream", s.stream)

	for _, p := range dashboardRoutes {
		r.GET(p, s.dashboard)
	}
	r.NotFound = http.HandlerFunc(s.notFound)
	return r
}

// dashboardRoutes are the dashboard's pages (CONTRACT 18.6); each answers with the app shell.
var dashboardRoutes = []string{"/", "/sessions", "/sessions/:id", "/costs", "/tools", "/search", "/usage"}
