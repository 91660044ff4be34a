package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Paths of the dashboard's pages (CONTRACT 18.6).
var Paths = []string{"/", "/sessions", "/sessions/:id", "/costs", "/tools", "/search", "/usage"}

var routesOnce sync.Once

// Routes registers every page with go-app; the wasm and the server both call it (the server to
// prerender pages and to answer 404 for other paths). Calling it again does nothing.
func Routes() {
	routesOnce.Do(func() {
		api := backend()
		app.Route("/", func() app.Composer { return newLivePage(api) })
		app.Route("/sessions", func() app.Composer { return newSessionsPage(api) })
		app.RouteWithRegexp("^/sessions/.+", func() app.Composer { return newSessionPage(api) })
		app.Route("/costs", func() app.Composer { return newCostsPage(api) })
		app.Route("/tools", func() app.Composer { return newToolsPage(api) })
		app.Route("/search", func() app.Composer { return newSearchPage(api) })
		app.Route("/usage", func() app.Composer { return newUsagePage(api) })
	})
}

// backend is the API the pages read: the page's own origin in the browser, none on the server,
// whose prerendered pages show their loading state until the wasm takes over.
func backend() *client {
	if app.IsClient {
		return &client{}
	}
	return nil
}
