// Command amrelease finishes and checks the release folder `make release` builds: it writes
// SHA256SUMS (the format of sha256sum, so `sha256sum -c SHA256SUMS` verifies a download), prints
// each binary's size and fails when one is over the limit, then starts the binary built for this
// machine on a temporary database and checks that it answers /api/health with the stamped
// version and serves the embedded dashboard, and that `agentmonitor version` prints the version.
//
//	go run ./cmd/amrelease -dir dist -version v1.2.3 -max-mb 25
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	dir := flag.String("dir", "dist", "the folder of release binaries")
	version := flag.String("version", "", "the version every binary must report (empty: not checked)")
	maxMB := flag.Float64("max-mb", 25, "largest allowed binary, in MB (10^6 bytes)")
	flag.Parse()
	if err := run(*dir, *version, *maxMB); err != nil {
		fmt.Fprintln(os.Stderr, "amrelease:", err)
		os.Exit(1)
	}
}

func run(dir, version string, maxMB float64) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), "agentmonitor-") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no agentmonitor-* binaries in %s", dir)
	}
	slices.Sort(names)

	var sums bytes.Buffer
	var tooBig []string
	fmt.Printf("%-48s %10s\n", "binary", "MB")
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
		mb := float64(n) / 1e6
		mark := ""
		if mb > maxMB {
			mark = fmt.Sprintf("  over %.0f MB", maxMB)
			tooBig = append(tooBig, name)
		}
		fmt.Printf("%-48s %10.1f%s\n", name, mb, mark)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", filepath.Join(dir, "SHA256SUMS"))
	if len(tooBig) > 0 {
		return fmt.Errorf("over %.0f MB: %s", maxMB, strings.Join(tooBig, ", "))
	}

	suffix := "-" + runtime.GOOS + "-" + runtime.GOARCH
	if runtime.GOOS == "windows" {
		suffix += ".exe"
	}
	i := slices.IndexFunc(names, func(n string) bool { return strings.HasSuffix(n, suffix) })
	if i < 0 {
		fmt.Printf("no binary for %s/%s: start not checked\n", runtime.GOOS, runtime.GOARCH)
		return nil
	}
	bin, err := filepath.Abs(filepath.Join(dir, names[i]))
	if err != nil {
		return err
	}
	if err := smoke(bin, version); err != nil {
		return fmt.Errorf("%s: %w", names[i], err)
	}
	fmt.Printf("%s starts, answers /api/health (version %s) and serves the dashboard\n", names[i], version)
	return nil
}

// smoke runs `bin version`, then `bin serve` on a temporary database and port, and checks its
// health answer and dashboard page.
func smoke(bin, version string) error {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return fmt.Errorf("version: %w", err)
	}
	if !strings.HasPrefix(string(out), "agentmonitor "+version) || !strings.Contains(string(out), "go1.") {
		return fmt.Errorf("version printed %q", out)
	}

	dir, err := os.MkdirTemp("", "amrelease")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"AGENTMONITOR_DATA_DIR="+dir,
		"AGENTMONITOR_DB_PATH="+filepath.Join(dir, "agentmonitor.db"),
		"AGENTMONITOR_HOST=127.0.0.1",
		"AGENTMONITOR_PORT="+port,
		"AGENTMONITOR_TOKEN=",
		"AGENTMONITOR_AUTO_IMPORT_MINUTES=0",
		"AGENTMONITOR_PROJECTS_DIR="+dir)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()

	base := "http://127.0.0.1:" + port
	var health struct {
		Status  string `json:"status"`
		Version string `json:"version"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/api/health")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&health)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no health answer in 20 s: %v\n%s", err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if health.Status != "ok" || version != "" && health.Version != version {
		return fmt.Errorf("health %+v, want status ok and version %q", health, version)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Contains(page, []byte("built without the dashboard")) {
		return errors.New("the dashboard is not embedded (GET / is the plain page): build it with make wasm first")
	}
	return nil
}
