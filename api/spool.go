package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// The hook spool (issue 7): `agentmonitor hook` appends an event line to Config.SpoolPath when it
// cannot reach the server. The server drains it at start and every spoolInterval.
const (
	spoolInterval = time.Minute
	spoolBatch    = 512 // events per store.Ingest call
)

// spoolGrace is how long a drain waits after renaming the spool before reading it. A hook that
// opened the spool just before the rename still writes into the renamed file; no hook lives longer
// than a second (agentmonitor hook exits at 0.9 s), so after the grace none can. Tests shorten it.
var spoolGrace = 2 * time.Second

// drainSpoolEvery drains the spool now and then every spoolInterval until ctx ends.
func (s *Server) drainSpoolEvery(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.drainSpool(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("spool drain failed", "path", s.cfg.SpoolPath, "err", err)
		}
		t.Reset(spoolInterval)
	}
}

// drainSpool ingests the events of the spool through the same steps as POST /api/events
// (contract.ParseEvent, prepare, store.Ingest) and then deletes what it drained.
//
// It first renames the spool to <spool>.draining, so hooks appending meanwhile start a new spool,
// waits spoolGrace for hooks still writing into the renamed file, ingests every line and deletes
// the file. A drain that stops early (an error, shutdown, a crash) leaves the .draining file, and
// the next drain ingests it again first: the event_id every hook sets makes the lines stored
// before duplicates, so each event is counted exactly once. A line that is not a valid event is
// logged and skipped.
func (s *Server) drainSpool(ctx context.Context) error {
	if s.cfg.SpoolPath == "" {
		return nil
	}
	draining := s.cfg.SpoolPath + ".draining"
	for {
		_, err := os.Stat(draining)
		if errors.Is(err, fs.ErrNotExist) {
			err = os.Rename(s.cfg.SpoolPath, draining)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // no spool: nothing to do
			}
			if err != nil {
				return fmt.Errorf("api: move spool aside: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("api: spool: %w", err)
		}
		// Wait even for a .draining file left by an earlier run: it may have been renamed just
		// before a crash, with a hook still writing.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(spoolGrace):
		}
		if err := s.ingestSpool(ctx, draining); err != nil {
			return err
		}
		if err := os.Remove(draining); err != nil {
			return fmt.Errorf("api: remove drained spool: %w", err)
		}
		// Hooks may have started a new spool meanwhile; the next pass or the next tick takes it.
		if _, err := os.Stat(s.cfg.SpoolPath); err != nil {
			return nil
		}
	}
}

// ingestSpool ingests every valid event line of the file at path.
func (s *Server) ingestSpool(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("api: open spool: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var (
		batch                           []contract.Input
		lines, stored, dupes, malformed int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		out, err := s.store.Ingest(ctx, batch)
		if err != nil {
			return fmt.Errorf("api: ingest spooled events: %w", err)
		}
		for _, o := range out {
			if o.Duplicate {
				dupes++
			} else {
				stored++
			}
		}
		batch = batch[:0]
		return nil
	}
	for {
		line, err := readLine(r, maxIngestBody)
		if errors.Is(err, io.EOF) {
			break
		}
		lines++
		if err != nil {
			malformed++
			s.log.Warn("spool line skipped", "path", path, "line", lines, "err", err)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		in, errs := contract.ParseEvent(contract.Lenient(line), s.cfg.MaxPayloadBytes)
		if len(errs) > 0 {
			malformed++
			s.log.Warn("spool line skipped", "path", path, "line", lines,
				"err", (&contract.ValidationError{Details: errs}).Error(), "details", errs)
			continue
		}
		s.prepare(&in)
		batch = append(batch, in)
		if len(batch) == spoolBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	s.log.Info("spool drained", "lines", lines, "stored", stored, "duplicates", dupes, "skipped", malformed)
	return nil
}

// errLongLine is a spool line longer than an ingest body may be.
var errLongLine = errors.New("line longer than an event may be")

// readLine returns the next line of r without its newline. A line longer than limit is read to its
// end and reported as errLongLine; io.EOF comes only when no bytes are left. A last line without a
// newline (a hook stopped mid-write) is returned like any other and fails to parse.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	long := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !long {
			line = append(line, chunk...)
			if len(line) > limit+1 {
				long, line = true, nil
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) == 0 && !long:
			return nil, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, err
		}
		if long {
			return nil, errLongLine
		}
		return bytes.TrimRight(line, "\r\n"), nil
	}
}
