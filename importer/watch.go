package importer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch calls changed after *.jsonl files under the importer's default roots (projects/ and
// sessions/ of Options.ClaudeDir and Options.CodexDir) were created or written, at most once per
// debounce, until ctx ends; so a running session shows up within seconds instead of at the next
// timer run. New directories are watched as they appear. changed runs on Watch's goroutine.
//
// It returns nil when ctx ends, and an error when no root can be watched (none exists, or the
// system refuses a watcher); a folder that cannot be added (inotify limits) is logged and left to
// the timer.
func (im *Importer) Watch(ctx context.Context, debounce time.Duration, changed func()) error {
	var roots []string
	if im.opts.ClaudeDir != "" {
		roots = append(roots, subdir(im.opts.ClaudeDir, "projects"))
	}
	if im.opts.CodexDir != "" {
		roots = append(roots, subdir(im.opts.CodexDir, "sessions"))
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	warned := false
	add := func(root string) int {
		n := 0
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if err := w.Add(path); err != nil {
				if !warned {
					im.opts.Logger.Warn("cannot watch a folder; the timer will import its changes", "dir", path, "err", err)
					warned = true
				}
				return fs.SkipDir
			}
			n++
			return nil
		})
		return n
	}
	watched := 0
	for _, r := range roots {
		watched += add(r)
	}
	if watched == 0 {
		return errors.New("importer: no folder to watch")
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					add(ev.Name)
					// Files may have been written into it before it was watched.
					if !armed {
						timer.Reset(debounce)
						armed = true
					}
					continue
				}
			}
			if strings.HasSuffix(ev.Name, ".jsonl") && (ev.Has(fsnotify.Write) || ev.Has(fsnotify.Create)) && !armed {
				timer.Reset(debounce)
				armed = true
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			im.opts.Logger.Warn("file watcher", "err", err)
		case <-timer.C:
			armed = false
			changed()
		}
	}
}
