package api

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// branchCache resolves the current git branch of <projects dir>/<project> (CONTRACT 5 step 6),
// remembering each answer, failures included, for a minute.
type branchCache struct {
	root string
	mu   sync.Mutex
	m    map[string]branchEntry
}

type branchEntry struct {
	branch string
	at     time.Time
}

const (
	branchTTL     = time.Minute
	branchTimeout = 2 * time.Second
)

func newBranchCache(root string) *branchCache {
	return &branchCache{root: root, m: map[string]branchEntry{}}
}

// branch returns the project's branch, "" when unknown.
func (c *branchCache) branch(project string) string {
	// A project names one directory under the root; anything else is not looked up.
	if c.root == "" || project == "." || project == ".." || strings.ContainsAny(project, `/\`) {
		return ""
	}
	c.mu.Lock()
	e, ok := c.m[project]
	c.mu.Unlock()
	if ok && time.Since(e.at) < branchTTL {
		return e.branch
	}
	b := lookupBranch(filepath.Join(c.root, project))
	c.mu.Lock()
	c.m[project] = branchEntry{branch: b, at: time.Now()}
	c.mu.Unlock()
	return b
}

func lookupBranch(dir string) string {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), branchTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--abbrev-ref", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
