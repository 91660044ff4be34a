package hooks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAppendSpoolConcurrent appends lines of up to 32 KiB from many writers at once: every line
// must come back whole.
func TestAppendSpoolConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", SpoolName)
	const writers, each = 16, 16
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				line := fmt.Appendf(nil, `{"w":%d,"i":%d,"pad":"%s"}`, w, i, strings.Repeat("x", (w*each+i)*997%(32<<10)))
				if err := AppendSpool(path, line); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, _ := f.Stat(); fi.Mode().Perm() != 0o600 {
		t.Errorf("spool mode %v, want 0600", fi.Mode().Perm())
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v struct{ W, I int }
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d is not whole: %v", len(seen)+1, err)
		}
		seen[fmt.Sprint(v.W, v.I)] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct lines, want %d", len(seen), writers*each)
	}
	if err := AppendSpool(path, []byte("a\nb")); err == nil {
		t.Error("a line with a line break was appended")
	}
}

func TestGitBranch(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("checkout", "-q", "-b", "feature/x")
	git("commit", "-q", "--allow-empty", "-m", "first")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got := GitBranch(ctx, repo); got != "feature/x" {
		t.Errorf("branch %q, want feature/x", got)
	}
	sub := filepath.Join(repo, "sub")
	os.Mkdir(sub, 0o755)
	if got := GitBranch(ctx, sub); got != "feature/x" {
		t.Errorf("branch in a subdirectory %q", got)
	}
	for _, dir := range []string{t.TempDir(), filepath.Join(repo, "missing"), ""} {
		if got := GitBranch(ctx, dir); got != "" {
			t.Errorf("GitBranch(%q) = %q, want none", dir, got)
		}
	}
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if got := GitBranch(done, repo); got != "" {
		t.Errorf("with an ended context: %q", got)
	}
}
