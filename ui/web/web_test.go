package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/agentmonitor/agentmonitor/ui/web"
)

// TestServe checks what the server answers for the dashboard without a browser: every page's
// prerendered shell, go-app's resources, the embedded icons, the gzipped wasm, and the API's
// precedence (CONTRACT 8.17, 18.6).
func TestServe(t *testing.T) {
	s := startServer(t, dashboardFiles(t))

	pages := []struct{ path, active string }{
		{"/", `href="/" class="active"`}, {"/sessions", ">Sessions<"}, {"/sessions/s%2F1", ">Sessions<"},
		{"/costs", ">Costs<"}, {"/tools", ">Tools<"}, {"/search?q=go", ">Search<"}, {"/usage", ">Usage<"},
	}
	for _, p := range pages {
		t.Run("page "+p.path, func(t *testing.T) {
			code, h, body := s.get(p.path)
			if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, type %q", code, h.Get("Content-Type"))
			}
			for _, want := range []string{"<title>AgentMonitor</title>", `rel="manifest"`, `src="/app.js"`,
				`class="topbar"`, "/web/app.css"} {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("page lacks %q", want)
				}
			}
			if bytes.Contains(body, []byte("https://raw.githubusercontent.com")) {
				t.Error("page refers to an off-host icon")
			}
		})
	}

	files := []struct{ path, typ, holds string }{
		{"/app.js", "application/javascript", "/web/app.wasm"},
		{"/wasm_exec.js", "application/javascript", "Go"},
		{"/app-worker.js", "application/javascript", `"/web/app.wasm"`},
		{"/manifest.webmanifest", "application/manifest+json", `"display":"standalone"`},
		{"/web/app.css", "text/css", "prefers-color-scheme: dark"},
		{"/web/icon.svg", "image/svg+xml", "<svg"},
		{"/web/icon-192.png", "image/png", "PNG"},
		{"/web/icon-512.png", "image/png", "PNG"},
		{"/web/icon-maskable.png", "image/png", "PNG"},
	}
	for _, f := range files {
		t.Run("file "+f.path, func(t *testing.T) {
			code, h, body := s.get(f.path)
			if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), f.typ) {
				t.Fatalf("status %d, type %q, want 200 %s", code, h.Get("Content-Type"), f.typ)
			}
			if !bytes.Contains(body, []byte(f.holds)) {
				t.Errorf("body lacks %q", f.holds)
			}
		})
	}

	t.Run("manifest icons are local", func(t *testing.T) {
		_, _, body := s.get("/manifest.webmanifest")
		var m struct {
			Icons []struct{ Src, Sizes, Purpose string }
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		sizes := map[string]bool{}
		for _, ic := range m.Icons {
			if !strings.HasPrefix(ic.Src, "/web/") {
				t.Errorf("icon %q is not served by AgentMonitor", ic.Src)
			}
			if code, _, _ := s.get(ic.Src); code != http.StatusOK {
				t.Errorf("icon %s: status %d", ic.Src, code)
			}
			sizes[ic.Sizes+" "+ic.Purpose] = true
		}
		for _, want := range []string{"192x192 ", "512x512 ", "512x512 maskable", "any "} {
			if !sizes[want] {
				t.Errorf("manifest lacks the %q icon: %v", want, m.Icons)
			}
		}
	})

	t.Run("wasm gzipped when accepted", func(t *testing.T) {
		code, h, body := s.get("/web/app.wasm", "Accept-Encoding", "gzip, deflate, br")
		if code != http.StatusOK || h.Get("Content-Encoding") != "gzip" || h.Get("Content-Type") != "application/wasm" {
			t.Fatalf("status %d, encoding %q, type %q", code, h.Get("Content-Encoding"), h.Get("Content-Type"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		if !bytes.HasPrefix(raw, []byte("\x00asm")) {
			t.Error("the gunzipped body is not WebAssembly")
		}
		code, h, plain := s.get("/web/app.wasm", "Accept-Encoding", "identity")
		if code != http.StatusOK || h.Get("Content-Encoding") != "" || !bytes.Equal(plain, raw) {
			t.Errorf("without gzip: status %d, encoding %q, %d bytes (want %d)", code, h.Get("Content-Encoding"), len(plain), len(raw))
		}
	})

	t.Run("API first, unknown paths 404", func(t *testing.T) {
		if code, h, _ := s.get("/api/health"); code != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "json") {
			t.Errorf("/api/health: %d %s", code, h.Get("Content-Type"))
		}
		for _, p := range []string{"/nope", "/web/", "/web/" + web.WasmFile, "/sessions-x"} {
			if code, _, _ := s.get(p); code != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", p, code)
			}
		}
		if code, _, body := s.get("/api/nope"); code != http.StatusNotFound || !bytes.Contains(body, []byte(`"error"`)) {
			t.Errorf("/api/nope: %d %s", code, body)
		}
	})
}

// TestNotBuilt: files without a wasm give no handler, and the server keeps its plain page.
func TestNotBuilt(t *testing.T) {
	files := fstest.MapFS{"icon.svg": {Data: []byte("<svg/>")}}
	if _, err := web.New(files, "v1"); err != web.ErrNotBuilt {
		t.Fatalf("New without wasm: %v, want ErrNotBuilt", err)
	}
	s := startServer(t, files)
	code, _, body := s.get("/")
	if code != http.StatusOK || !bytes.Contains(body, []byte("<title>AgentMonitor</title>")) ||
		!bytes.Contains(body, []byte("make build")) {
		t.Errorf("/ without a dashboard: %d %s", code, body)
	}
	if code, _, _ := s.get("/app.js"); code != http.StatusNotFound {
		t.Errorf("/app.js without a dashboard: %d, want 404", code)
	}
}

// TestVersion: the app's version is the build's plus a digest of the wasm, so an installed app
// updates when, and only when, the binary carries another client.
func TestVersion(t *testing.T) {
	version := func(wasm string) string {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(wasm))
		zw.Close()
		h, err := web.New(fstest.MapFS{web.WasmFile: {Data: gz.Bytes()}}, "v1.2.3")
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{header: http.Header{}}
		req, _ := http.NewRequest(http.MethodGet, "/app-worker.js", nil)
		h.ServeHTTP(rec, req)
		return strings.Trim(rec.header.Get("ETag"), `"`)
	}
	a, a2, b := version("\x00asm one"), version("\x00asm one"), version("\x00asm two")
	if !strings.HasPrefix(a, "v1.2.3-") || a != a2 || a == b {
		t.Errorf("versions %q %q %q: want v1.2.3-<digest>, equal for equal wasm only", a, a2, b)
	}
}

type recorder struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }
