package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/agentmonitor/agentmonitor/kv"
)

const restoreUsage = `usage: agentmonitor restore [--db PATH] [--force] FILE

Puts the backup FILE in place of the database: AGENTMONITOR_DB_PATH, else agentmonitor.db in the
data directory, or PATH with --db. FILE itself is never changed.

FILE is checked first: bbolt's consistency check, then it is opened as an AgentMonitor database
(schema version, migrations) and its derived state recounted. Restore refuses while a server
answers at AGENTMONITOR_URL (without --db) or any process holds the database file, and refuses to
replace an existing database without --force; a replaced database is kept as PATH.before-restore.
The copy goes in place with one rename. The search index beside it (PATH.index/) is deleted and
rebuilds itself when the server starts.
`

// restoreCmd is `agentmonitor restore`.
func restoreCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := flags.String("db", "", "the database file to replace (default: AGENTMONITOR_DB_PATH or the data directory's)")
	force := flags.Bool("force", false, "replace an existing database (it is kept as PATH.before-restore)")
	pos, err := parseFlags(flags, args, restoreUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("restore: name one backup FILE (see agentmonitor restore --help)")
	}
	src := pos[0]
	target := *db
	if target == "" {
		if target, err = dbPath(); err != nil {
			return err
		}
		// The target is the database the default server uses: it must not be running.
		base := serverURL()
		if up, _ := serverAnswers(context.Background(), base); up {
			return fmt.Errorf("restore: a server is running at %s: stop it first", base)
		}
	}
	if same, _ := sameFile(src, target); same {
		return fmt.Errorf("restore: %s is the database itself", src)
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	_, err = os.Stat(target)
	exists := err == nil
	if exists {
		if err := checkUnlocked(target); err != nil {
			return err
		}
		if !*force {
			return fmt.Errorf("restore: %s exists: pass --force to replace it (it is kept as %s)", target, target+".before-restore")
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}

	// Check a copy beside the target, then rename it into place.
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp := target + ".restore.tmp"
	if err := copyFile(tmp, src, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	events, err := checkBackup(tmp)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %s is not a sound AgentMonitor database: %w", src, err)
	}
	if exists {
		if err := checkUnlocked(target); err != nil { // a server may have started meanwhile
			os.Remove(tmp)
			return err
		}
		if err := keepOld(target); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(target))
	// CONTRACT 18.10: the index belongs to the replaced database.
	if err := os.RemoveAll(target + ".index"); err != nil {
		return fmt.Errorf("restore: remove the old index: %w", err)
	}
	fmt.Fprintf(stdout, "restore: %s is now %s (%d events)\n", target, src, events)
	if exists {
		fmt.Fprintf(stdout, "restore: the replaced database is kept as %s\n", target+".before-restore")
	}
	return nil
}

// checkBackup checks a candidate database file: bbolt's consistency check, then AgentMonitor's
// schema (kv.Open migrates an older file in place) and a recount of the derived state. It returns
// the number of events stored.
func checkBackup(path string) (int64, error) {
	if err := checkDB(path); err != nil {
		return 0, err
	}
	store, err := kv.Open(kv.Options{Path: path, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	n := store.EventsStored()
	err = store.Verify()
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// checkUnlocked fails when another process (a running server) holds the database file.
func checkUnlocked(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("restore: %w: %s (stop the server first)", kv.ErrLocked, path)
	}
	if err != nil {
		return fmt.Errorf("restore: open %s: %w", path, err)
	}
	return db.Close()
}

// keepOld keeps the database about to be replaced as path.before-restore: a hard link, or a copy
// where the file system has none.
func keepOld(path string) error {
	old := path + ".before-restore"
	if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Link(path, old); err == nil {
		return nil
	}
	if err := copyFile(old, path, 0o600); err != nil {
		return fmt.Errorf("restore: keep the replaced database: %w", err)
	}
	return nil
}

// sameFile reports whether two paths name one existing file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
