package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/agentmonitor/agentmonitor/hooks"
)

// The hook runs inside the agent's loop, so it must return fast whatever happens: a hanging server,
// a stuck git, a stdin that never closes.
const (
	hookLimit     = 700 * time.Millisecond // reading, mapping, git and the POST together
	hookPostLimit = 500 * time.Millisecond // the POST alone
	hookGitLimit  = 200 * time.Millisecond // the branch lookup alone
	hookBackstop  = 900 * time.Millisecond // the process exits at this age, done or not
	hookMaxInput  = 16 << 20               // bytes of stdin read; a larger input is dropped
	maxSpoolSize  = 64 << 20               // a spool this large takes no more lines
)

const hookUsage = `usage: agentmonitor hook [EVENT]

Claude Code runs this as its hook command (see "agentmonitor hooks install claude"). It reads the
hook's JSON input on stdin, maps it to an AgentMonitor event and posts it to the server at
AGENTMONITOR_URL (default http://127.0.0.1:$AGENTMONITOR_PORT, port 3141), with
AGENTMONITOR_TOKEN as a bearer token when set. EVENT overrides the input's hook_event_name.

When the server cannot be reached, or answers 5xx, the event is appended to spool.jsonl in the
data directory; the server takes it from there when it runs.

It never gets in the agent's way: it is done within about 0.7 s, prints nothing and exits 0
whatever happens.
`

// hookExit ends the process when the hook outlives hookBackstop.
var hookExit = func() { os.Exit(exitOK) }

// hookCmd is `agentmonitor hook`. It returns nil (or flag.ErrHelp for --help) in every case.
func hookCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("hook", flag.ContinueOnError)
	pos, err := parseFlags(fs, args, hookUsage, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	// From here on nothing is printed and nothing fails: an unexpected argument is ignored.
	backstop := time.AfterFunc(hookBackstop, hookExit)
	defer backstop.Stop()
	name := ""
	if err == nil && len(pos) > 0 {
		name = pos[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), hookLimit)
	defer cancel()
	_ = sendHook(ctx, name, stdin)
	return nil
}

// sendHook reads, maps and delivers one hook input; the error only says why nothing was delivered.
func sendHook(ctx context.Context, name string, stdin io.Reader) error {
	input, err := readInput(ctx, stdin, hookMaxInput)
	if err != nil {
		return err
	}
	ev, err := hooks.Map(input, name, time.Now())
	if err != nil {
		return err
	}
	gitCtx, cancel := context.WithTimeout(ctx, hookGitLimit)
	ev.Branch = hooks.GitBranch(gitCtx, ev.Dir)
	cancel()
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if !postEvent(ctx, serverURL(), body) {
		return nil
	}
	dir, err := dataDir()
	if err != nil {
		return err
	}
	spool := filepath.Join(dir, hooks.SpoolName)
	if fi, err := os.Stat(spool); err == nil && fi.Size() > maxSpoolSize {
		return fmt.Errorf("spool %s is full", spool)
	}
	return hooks.AppendSpool(spool, body)
}

// readInput reads stdin until EOF, at most limit bytes, giving up when ctx ends.
func readInput(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		if res.err == nil && int64(len(res.b)) > limit {
			res.err = fmt.Errorf("hook input larger than %d bytes", limit)
		}
		return res.b, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// postEvent posts one event body to the server and reports whether it should go to the spool: when
// the server could not be reached, did not answer in time or answered 5xx. A 2xx stored it (or
// found it a duplicate); a 4xx will not take it later either.
func postEvent(ctx context.Context, base string, body []byte) (spool bool) {
	limit := hookPostLimit
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(deadline))
	}
	if limit <= 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/events", bytes.NewReader(body))
	if err != nil {
		return true
	}
	req.Header.Set("Content-Type", "application/json")
	authorize(req)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return true
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode >= 500
}
