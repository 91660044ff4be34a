// Package ui is AgentMonitor's dashboard: go-app components for every page, shared by the
// WebAssembly client (package wasm) and the server, which prerenders the same routes.
//
// It reads only the API (spec/CONTRACT.md sections 8, 9, 18.5) and imports only api/contract of
// this module, so the wasm build never pulls in bbolt or Bleve.
//
// # Data
//
// Pages fetch in ctx.Async and change their fields only in ctx.Dispatch. In the browser the
// fetches go through the JavaScript fetch API and the live feed through an EventSource (files
// ending in _js.go; net/http would add over 1 MB to the wasm). Pages built by Routes on the
// server have no backend: the prerendered shell shows its loading state and the browser fills
// it in. The live feed batches the stream's messages (one render per 150 ms at most) and keeps
// at most 200 events.
//
// # Size
//
// The gzipped wasm must stay under 2 MiB, and go-app alone takes about 1.9 MB: markup is built
// from go-app's generic element (html.go), sorting is a small insertion sort, and nothing here
// imports fmt-heavy or reflection-heavy packages beyond what go-app already links.
//
// # Tests
//
// Component tests mount pages with app.NewTestEngine and check their HTML; the browser tests of
// package ui/web drive the real client against a real server in chromium.
//
// # Pages
//
// Live (/), Sessions (/sessions), a session (/sessions/:id), Costs (/costs), Tools (/tools),
// Search (/search) and Usage (/usage). Every page shares the top bar, which watches
// /api/health and shows a "server offline" banner until the server answers again.
package ui
