# AgentMonitor. `make run` serves on 127.0.0.1:3141; `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin/agentmonitor
WEB      := ui/web/static

.PHONY: run build wasm test fuzz bench bench-queries lint fmt clean release soak

# The dashboard is built first (about 40 s the first time, under a second after).
run: wasm
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/agentmonitor serve --debug

# Pure Go, like the release binaries: the same build, and after `make release` the packages are
# already compiled.
build: wasm
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/agentmonitor

# The dashboard's WebAssembly client, gzipped into the folder the binary embeds (ui/web).
wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags "-s -w" -o $(WEB)/app.wasm ./wasm
	gzip -9 -n -f $(WEB)/app.wasm
	@ls -l $(WEB)/app.wasm.gz

# Release binaries: pure Go (no C toolchain for the cross builds), stripped, version stamped, the
# dashboard embedded; then SHA256SUMS, the size of each (at most 25 MB), and a start of the one
# built for this machine (cmd/amrelease).
RELEASE_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

release: wasm
	@set -e; v='$(VERSION)'; c='$(COMMIT)'; rm -rf dist; mkdir -p dist; \
	for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		out=dist/agentmonitor-$$v-$$os-$$arch$$ext; echo "build $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath \
			-ldflags "-s -w -X main.version=$$v -X main.commit=$$c" -o $$out ./cmd/agentmonitor; \
	done; \
	$(GO) run ./cmd/amrelease -dir dist -version "$$v" -max-mb 25

# The soak test (cmd/amsoak): a freshly built server on a temporary database under mixed load for
# SOAK_DURATION (default 30m; SOAK_DURATION=60s is the smoke run CI does); CSV, SVG plot, summary
# and the server's log in bin/soak. Fails on a failed request, a lost event, an unclean shutdown
# or, for runs of 5 minutes or more, anonymous RSS growing more than 10%.
SOAK_DURATION ?= 30m
soak: build
	$(GO) run ./cmd/amsoak -bin $(BIN) -duration $(SOAK_DURATION) -out bin/soak

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./wasm
	$(MAKE) fuzz

# Every fuzz target for FUZZTIME each, seeded from real inputs (longer: make fuzz FUZZTIME=5m).
# note: a count, not a duration: with a duration, Go 1.26's fuzz coordinator can report its own
# deadline as a failure (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 30000x
fuzz:
	@set -e; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 200x $$pkg >$$log 2>&1 \
				|| { cat $$log; exit 1; }; \
		done; \
	done

# The load generator drives a freshly built server over loopback and prints throughput, latency
# percentiles, RSS and SSE delivery; then the query benchmarks over 1M stored events, then an
# import of a generated 50 MB history (AGENTMONITOR_IMPORT_BENCH_MB=500 for the issue's size).
bench: build
	$(GO) run ./cmd/ambench -bin $(BIN)
	$(GO) test -run '^$$' -bench 'Query1M' -benchtime 100x -timeout 30m ./api
	AGENTMONITOR_BENCH_EVENTS=1000000 $(GO) test -run '^$$' -bench 'Search' -benchtime 200x -timeout 30m ./index
	$(GO) test -run '^$$' -bench 'Import' -benchtime 1x -timeout 30m ./importer
	$(GO) test -run '^$$' -bench 'RetainCompactRecalc' -benchtime 1x -timeout 30m ./kv

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w .

clean:
	rm -rf bin dist $(WEB)/app.wasm $(WEB)/app.wasm.gz
