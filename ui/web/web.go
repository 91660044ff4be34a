// Package web serves the dashboard: the go-app handler for the pages of package ui, the PWA
// files (manifest, service worker, icons) and the WebAssembly client, embedded in the binary.
//
// `make wasm` writes static/app.wasm.gz; without it (a fresh checkout) the package still
// compiles and New reports ErrNotBuilt, so the server keeps its plain page instead. The wasm
// must never import this package: it would embed itself.
package web

import (
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/ui"
)

//go:embed static
var embedded embed.FS

// WasmFile is the name of the gzipped client in the dashboard's files.
const WasmFile = "app.wasm.gz"

// ErrNotBuilt means the files hold no wasm: the dashboard was not built (`make build`).
var ErrNotBuilt = errors.New("web: dashboard not built (no " + WasmFile + ")")

// Files returns the dashboard files embedded in the binary: icons, style sheet and, after
// `make wasm`, the client.
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err) // the folder is part of the source
	}
	return sub
}

// New returns the dashboard's handler over files (Files() in the binary). version is the
// build's; the app's version adds a digest of the wasm, so an installed app updates exactly
// when the binary carries another client. It fails with ErrNotBuilt when files hold no wasm.
func New(files fs.FS, version string) (http.Handler, error) {
	wasm, err := fs.ReadFile(files, WasmFile)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(wasm) < 18 {
		return nil, ErrNotBuilt
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	if version == "" {
		version = "dev"
	}
	ui.Routes()
	res := &resources{files: files, wasm: wasm, static: http.FileServerFS(files)}
	return &app.Handler{
		Name:            "AgentMonitor",
		ShortName:       "AgentMonitor",
		Title:           "AgentMonitor",
		Description:     "A local monitor for AI coding agents: live sessions, transcripts, costs and search.",
		Author:          "AgentMonitor",
		Lang:            "en",
		BackgroundColor: "#0e1116",
		ThemeColor:      "#4f46e5",
		LoadingLabel:    "AgentMonitor {progress}%",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-maskable.png",
			SVG:      "/web/icon.svg",
		},
		Styles:                []string{"/web/app.css"},
		CacheableResources:    []string{"/web/icon.svg", "/web/icon-512.png"},
		Resources:             res,
		Version:               version + "-" + hex.EncodeToString(sum[:4]),
		WasmContentLength:     strconv.FormatUint(uint64(binary.LittleEndian.Uint32(wasm[len(wasm)-4:])), 10),
		ServiceWorkerTemplate: serviceWorker,
	}, nil
}

// resources resolves and serves go-app's static paths (/web/...) from the dashboard's files.
type resources struct {
	files  fs.FS
	wasm   []byte // gzipped
	static http.Handler
}

// Resolve maps a resource to its URL: /web/... stays on this server.
func (r *resources) Resolve(location string) string {
	if location == "" || location == "/" {
		return "/"
	}
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		return location
	}
	if location == "web" || strings.HasPrefix(location, "web/") {
		return "/" + location
	}
	return location
}

// ServeHTTP serves /web/...: the wasm gzipped when the client accepts it (decompressed
// otherwise), the rest from the files.
func (r *resources) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	name := strings.TrimPrefix(req.URL.Path, "/web/")
	if name != "app.wasm" {
		if name == WasmFile || name == "" || strings.HasSuffix(name, "/") { // no listings

			http.NotFound(w, req)
			return
		}
		req2 := *req
		u := *req.URL
		u.Path = "/" + name
		req2.URL = &u
		r.static.ServeHTTP(w, &req2)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(req.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(r.wasm)))
		if req.Method != http.MethodHead {
			_, _ = w.Write(r.wasm)
		}
		return
	}
	zr, err := gzip.NewReader(strings.NewReader(string(r.wasm)))
	if err != nil {
		http.Error(w, "corrupt wasm", http.StatusInternalServerError)
		return
	}
	if req.Method != http.MethodHead {
		_, _ = io.Copy(w, zr)
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			continue
		}
		return true
	}
	return false
}
