package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// fixtureLines adds every line of the fixture files under dir as a seed.
func fixtureLines(f *testing.F, dirs ...string) {
	fx := fixtures(f)
	for _, d := range dirs {
		filepath.WalkDir(filepath.Join(fx, d), func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				f.Add(append([]byte(nil), sc.Bytes()...))
			}
			return nil
		})
	}
}

func checkEvents(t *testing.T, line []byte, ok bool, evs []*event) {
	t.Helper()
	if json.Valid(line) && !ok {
		t.Fatalf("valid JSON reported malformed: %q", line)
	}
	for _, ev := range evs {
		if ev.ID == "" || ev.Session == "" || ev.Type == "" {
			t.Fatalf("incomplete event %+v from %q", ev, line)
		}
		if ev.Meta != nil && !json.Valid(ev.Meta) {
			t.Fatalf("invalid metadata %q from %q", ev.Meta, line)
		}
		if ev.In < 0 || ev.Out < 0 || ev.CacheRead < 0 || ev.CacheWrite < 0 || ev.DurationMS < 0 {
			t.Fatalf("negative counts in %+v", ev)
		}
	}
}

func FuzzClaudeLine(f *testing.F) {
	fixtureLines(f, "claude", "real", "incremental")
	f.Fuzz(func(t *testing.T, line []byte) {
		var evs []*event
		p := &claudeParser{stem: "s", metaMax: 512, emit: func(ev *event) { evs = append(evs, ev) }}
		ok := p.line(line, 1)
		// The same line again, as a resumed session would copy it, then an idle end.
		p.line(line, 2)
		p.finish(true)
		checkEvents(t, line, ok, evs)
		if _, err := json.Marshal(&p.st); err != nil {
			t.Fatalf("state does not marshal: %v", err)
		}
	})
}

func FuzzCodexLine(f *testing.F) {
	fixtureLines(f, "codex", "incremental")
	f.Fuzz(func(t *testing.T, line []byte) {
		var evs []*event
		p := &codexParser{path: "rollout-x.jsonl", metaMax: 512, emit: func(ev *event) { evs = append(evs, ev) }}
		ok := p.line(line, 1)
		p.line(line, 2)
		p.finish(true)
		checkEvents(t, line, ok, evs)
		if _, err := json.Marshal(&p.st); err != nil {
			t.Fatalf("state does not marshal: %v", err)
		}
	})
}

// FuzzLineReader: whatever the bytes and the cap, the reader returns the lines in order, consumes
// exactly up to the end of the last complete line, and its window sums the consumed bytes.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nbb\r\n\nccc"), 2)
	f.Add([]byte("{\"x\":1}\n{\"y\":"), 100)
	f.Add(bytes.Repeat([]byte("0123456789\n"), 50), 7)
	f.Fuzz(func(t *testing.T, data []byte, maxLine int) {
		if maxLine < 1 || maxLine > 1<<16 {
			maxLine = 16
		}
		win := &window{}
		lr := newLineReader(bytes.NewReader(data), 0, maxLine, win)
		lr.min = 8 // exercise growing and moving
		lr.buf = make([]byte, lr.min)
		var lines [][]byte
		for {
			line, start, kind, ok := lr.next()
			if !ok {
				break
			}
			if kind == lineFinal {
				if start+int64(len(line)) != int64(len(data)) {
					t.Fatalf("final line at %d+%d of %d", start, len(line), len(data))
				}
				break
			}
			if kind == lineComplete {
				if !bytes.HasPrefix(data[start:], line) || len(line) > maxLine+1 {
					t.Fatalf("line %q at %d", line, start)
				}
				lines = append(lines, append([]byte(nil), line...))
			}
		}
		end := bytes.LastIndexByte(data, '\n') + 1
		if lr.off != int64(end) || win.n != int64(end) {
			t.Fatalf("consumed %d (window %d), want %d", lr.off, win.n, end)
		}
		ref, err := loadWindow(bytes.NewReader(data), int64(end))
		if err != nil {
			t.Fatal(err)
		}
		if ref.sum() != win.sum() {
			t.Fatal("window sum differs from the file's")
		}
		_ = lines
	})
}
