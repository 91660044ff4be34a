package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/kv"
)

const backupUsage = `usage: agentmonitor backup [--db PATH] FILE

Writes one consistent copy of the database to FILE. When a server answers at AGENTMONITOR_URL
(default http://127.0.0.1:$AGENTMONITOR_PORT, port 3141), the copy comes from it (GET /api/backup)
and it keeps running and ingesting meanwhile; the copy holds every event acknowledged before the
backup began. Otherwise the database file (AGENTMONITOR_DB_PATH, else agentmonitor.db in the data
directory) is opened and copied directly. With --db, that file is copied directly, never through a
server.

The copy goes to FILE.tmp, is synced and checked (bbolt's consistency check), then renamed to FILE.
`

// backupCmd is `agentmonitor backup`.
func backupCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := flags.String("db", "", "copy this database file directly instead of asking a running server")
	pos, err := parseFlags(flags, args, backupUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("backup: name one FILE to write (see agentmonitor backup --help)")
	}
	out := pos[0]
	def, _ := dbPath()
	for _, p := range []string{*db, def} {
		if same, _ := sameFile(out, p); same {
			return fmt.Errorf("backup: %s is the database itself", out)
		}
	}
	base := serverURL()
	if *db == "" {
		up, err := serverAnswers(context.Background(), base)
		if err != nil {
			return err
		}
		if up {
			n, err := writeCopy(out, func(w io.Writer) (int64, error) { return fetchBackup(base, w) })
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backup: wrote %s (%d bytes) from the server at %s\n", out, n, base)
			return nil
		}
	}
	path, err := existingDB(*db)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	store, err := kv.Open(kv.Options{Path: path, Logger: slog.New(slog.DiscardHandler)})
	if errors.Is(err, kv.ErrLocked) {
		if *db == "" {
			return fmt.Errorf("backup: %w, and no server answers at %s: set AGENTMONITOR_URL to that server's address, or stop it", err, base)
		}
		return fmt.Errorf("backup: %w: run without --db to copy it through its server", err)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	n, err := writeCopy(out, store.Backup)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("backup: close %s: %w", path, cerr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup: wrote %s (%d bytes) from %s\n", out, n, path)
	return nil
}

// fetchBackup streams GET /api/backup into w and fails when the copy is cut short.
func fetchBackup(base string, w io.Writer) (int64, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/api/backup", nil)
	if err != nil {
		return 0, err
	}
	authorize(req)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: time.Minute}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: ask the server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return 0, fmt.Errorf("backup: the server answers %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup: receive the copy: %w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("backup: the copy was cut short at %d of %d bytes", n, resp.ContentLength)
	}
	return n, nil
}

// writeCopy writes a database copy to out through out.tmp: fill writes it, then it is synced,
// checked with checkDB and renamed over out, so out is either the old file or a whole new copy.
func writeCopy(out string, fill func(io.Writer) (int64, error)) (int64, error) {
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkDB(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	syncDir(filepath.Dir(out))
	return n, nil
}

// checkDB opens the file at path read-only and runs bbolt's consistency check on it.
func checkDB(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%s is not a readable database: %w", path, err)
	}
	defer db.Close()
	var problems []error
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if len(problems) < 10 {
				problems = append(problems, err)
			}
		}
		return nil
	})
	if err == nil {
		err = errors.Join(problems...)
	}
	if err != nil {
		return fmt.Errorf("%s fails the consistency check: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable where the platform can; it is best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// copyFile copies src to a new file dst (replacing it) and syncs it.
func copyFile(dst, src string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
