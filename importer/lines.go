package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// kinds of line the reader returns.
const (
	lineComplete  = iota // ended by '\n' (the '\n' and a '\r' before it are not part of the line)
	lineFinal            // the last bytes of the file, without '\n': not consumed unless accepted
	lineOversized        // ended by '\n' but longer than the cap: skipped unread, consumed
	lineHugeTail         // an unfinished last line already longer than the cap: not consumed
)

// lineReader splits a file on '\n' from a starting offset, in a buffer that grows to the longest
// line (up to max) and shrinks back after it. Every consumed byte passes through win, so the
// prefix hash covers exactly the bytes that were parsed.
type lineReader struct {
	r      io.Reader
	buf    []byte
	lo, hi int   // unread data is buf[lo:hi]
	scan   int   // buf[lo:scan] is known to hold no '\n'
	off    int64 // file offset of buf[lo]
	eof    bool
	err    error
	max    int
	min    int
	win    *window
	read   int64 // bytes read from r
	final  []byte
}

func newLineReader(r io.Reader, off int64, maxLine int, win *window) *lineReader {
	const minBuf = 256 << 10
	return &lineReader{r: r, off: off, max: maxLine, min: minBuf, buf: make([]byte, minBuf), win: win}
}

// next returns the next line, its file offset and its kind; ok is false when no data is left.
// line is valid until the next call. A lineFinal is consumed only by accept.
func (lr *lineReader) next() (line []byte, start int64, kind int, ok bool) {
	for {
		if j := bytes.IndexByte(lr.buf[lr.scan:lr.hi], '\n'); j >= 0 {
			end := lr.scan + j
			line = lr.buf[lr.lo:end]
			start = lr.off
			lr.consume(end + 1)
			if len(line) > lr.max {
				return nil, start, lineOversized, true
			}
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, start, lineComplete, true
		}
		lr.scan = lr.hi
		if lr.hi-lr.lo > lr.max {
			return lr.skipLong()
		}
		if lr.eof {
			if lr.hi == lr.lo {
				return nil, lr.off, 0, false
			}
			lr.final = lr.buf[lr.lo:lr.hi]
			return lr.final, lr.off, lineFinal, true
		}
		lr.fill()
	}
}

// accept consumes the final line returned by next (it turned out to be a whole record).
func (lr *lineReader) accept() {
	if lr.final != nil {
		lr.consume(lr.hi)
		lr.final = nil
	}
}

func (lr *lineReader) consume(end int) {
	lr.win.write(lr.buf[lr.lo:end])
	lr.off += int64(end - lr.lo)
	lr.lo = end
	lr.scan = end
}

// fill reads more data, making room first: unread bytes move to the front; a full buffer doubles
// (up to the cap); a buffer grown for a long line shrinks back once that line is gone.
func (lr *lineReader) fill() {
	n := lr.hi - lr.lo
	if cap(lr.buf) > 4*lr.min && n < lr.min/2 {
		nb := make([]byte, lr.min)
		copy(nb, lr.buf[lr.lo:lr.hi])
		lr.buf = nb
	} else if lr.lo > 0 {
		copy(lr.buf, lr.buf[lr.lo:lr.hi])
	} else if n == len(lr.buf) {
		nb := make([]byte, min(2*len(lr.buf), lr.max+lr.min))
		copy(nb, lr.buf[:n])
		lr.buf = nb
	}
	lr.scan -= lr.lo
	lr.lo, lr.hi = 0, n
	for lr.hi < len(lr.buf) && !lr.eof {
		m, err := lr.r.Read(lr.buf[lr.hi:])
		lr.hi += m
		lr.read += int64(m)
		if err != nil {
			if err != io.EOF {
				lr.err = err
			}
			lr.eof = true
		}
		if m > 0 {
			return
		}
	}
}

// skipLong discards a line longer than the cap, feeding it to win as it goes. If the file ends
// before its '\n' the line is unfinished: nothing is consumed, and the caller stops.
func (lr *lineReader) skipLong() ([]byte, int64, int, bool) {
	start := lr.off
	saved := lr.win.snapshot()
	for {
		if j := bytes.IndexByte(lr.buf[lr.scan:lr.hi], '\n'); j >= 0 {
			end := lr.scan + j + 1
			lr.win.write(lr.buf[lr.lo:end])
			lr.off = start + (lr.win.n - saved.n)
			lr.lo, lr.scan = end, end
			return nil, start, lineOversized, true
		}
		if lr.eof {
			*lr.win = saved // unfinished: the window goes back to the line's start
			lr.lo, lr.hi, lr.scan = 0, 0, 0
			return nil, start, lineHugeTail, false
		}
		lr.win.write(lr.buf[lr.lo:lr.hi])
		lr.lo, lr.hi, lr.scan = 0, 0, 0
		lr.fill()
	}
}

// winSize is the size of each window of the prefix hash.
const winSize = 64 << 10

// window keeps the first and the last winSize bytes of the consumed prefix of a file; its sum is
// the SHA-256 of those bytes (each byte once), which tells a grown file from a rewritten one
// without reading it all.
type window struct {
	head []byte
	tail []byte // the last bytes consumed, at most 2*winSize, of which the last winSize count
	n    int64  // bytes consumed
}

// snapshot returns a copy of w.
func (w *window) snapshot() window {
	return window{head: append([]byte(nil), w.head...), tail: append([]byte(nil), w.tail...), n: w.n}
}

func (w *window) write(p []byte) {
	if len(w.head) < winSize {
		k := min(winSize-len(w.head), len(p))
		w.head = append(w.head, p[:k]...)
	}
	w.push(p)
	w.n += int64(len(p))
}

func (w *window) push(p []byte) {
	if len(p) >= winSize {
		w.tail = append(w.tail[:0], p[len(p)-winSize:]...)
		return
	}
	if len(w.tail)+len(p) > 2*winSize {
		keep := winSize - len(p)
		copy(w.tail, w.tail[len(w.tail)-keep:])
		w.tail = w.tail[:keep]
	}
	w.tail = append(w.tail, p...)
}

// sum returns the hex SHA-256 of the head window and of the part of the tail window after it.
func (w *window) sum() string {
	h := sha256.New()
	h.Write(w.head)
	t := w.tail
	if len(t) > winSize {
		t = t[len(t)-winSize:]
	}
	if start := w.n - int64(len(t)); start < int64(len(w.head)) {
		t = t[int64(len(w.head))-start:]
	}
	h.Write(t)
	return hex.EncodeToString(h.Sum(nil))
}

// loadWindow reads the windows of the first n bytes of r.
func loadWindow(r io.ReaderAt, n int64) (*window, error) {
	w := &window{n: n}
	h := min(n, winSize)
	w.head = make([]byte, h, winSize)
	t0 := max(0, n-winSize)
	w.tail = make([]byte, n-t0, 2*winSize)
	if n == 0 {
		return w, nil
	}
	if _, err := r.ReadAt(w.head, 0); err != nil {
		return nil, err
	}
	if _, err := r.ReadAt(w.tail, t0); err != nil {
		return nil, err
	}
	return w, nil
}
