package hooks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// SpoolName is the spool's file name in the data directory.
const SpoolName = "spool.jsonl"

// AppendSpool appends line (one JSON event, without a newline) and a newline to the spool at path,
// creating the file and its directory when needed. The line goes out in one write to a file opened
// with O_APPEND, so lines of hooks appending at the same time never interleave.
func AppendSpool(path string, line []byte) error {
	if bytes.ContainsAny(line, "\r\n") {
		return fmt.Errorf("hooks: spool line holds a line break")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("hooks: spool directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("hooks: open spool: %w", err)
	}
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("hooks: append to spool: %w", err)
	}
	return nil
}
