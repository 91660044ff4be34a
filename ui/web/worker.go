package web

// serviceWorker is the app-worker.js template (go-app fills {{.Version}} and
// {{.ResourcesToCache}}). It differs from go-app's default in what it leaves to the network:
// the API (/api/...: always live, and the SSE stream must not be held by the worker) and other
// origins; and a page that cannot be fetched while the server is down gets the cached shell,
// whose app then shows "server offline" and recovers by itself. It does not claim open pages on
// its first install (they work without it), so go-app reports an update only for a new version.
const serviceWorker = `const cacheName = "app-" + "{{.Version}}";
const resourcesToCache = {{.ResourcesToCache}};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(resourcesToCache))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== cacheName).map((k) => caches.delete(k))))
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin ||
      url.pathname.startsWith("/api/") || url.pathname.startsWith("/v1/") || url.pathname === "/metrics") {
    return;
  }
  event.respondWith(fromCache(request));
});

async function fromCache(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  try {
    return await fetch(request);
  } catch (err) {
    if (request.mode === "navigate") {
      const shell = await caches.match("/");
      if (shell) {
        return shell;
      }
    }
    throw err;
  }
}
`
