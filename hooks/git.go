package hooks

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// GitBranch returns the branch checked out in dir (`git -C dir rev-parse --abbrev-ref HEAD`; a
// detached checkout gives "HEAD"), or "" when dir is not in a repository, git is missing or ctx ends
// first. It never waits on git's children after ctx ends.
func GitBranch(ctx context.Context, dir string) string {
	if dir == "" {
		return ""
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--abbrev-ref", "HEAD")
	cmd.WaitDelay = 50 * time.Millisecond
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
