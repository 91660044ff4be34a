package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Agent types and id prefixes (CONTRACT 14, IMPORT.md 4.4).
const (
	agentClaude = "claude_code"
	agentCodex  = "codex"
)

// Sources a Request may name.
const (
	SourceClaude = "claude-code"
	SourceCodex  = "codex"
	SourceAll    = "all"
)

// event is one event in the making. Events that wait for something (a tool call for its result, a
// response for its last line) are kept in the file's state, so the fields are short JSON names.
type event struct {
	ID         string          `json:"id"`
	Session    string          `json:"s"`
	Type       string          `json:"t"`
	Tool       string          `json:"tool,omitempty"`
	Status     string          `json:"st,omitempty"`
	Model      string          `json:"m,omitempty"`
	Project    string          `json:"p,omitempty"`
	Branch     string          `json:"b,omitempty"`
	Time       int64           `json:"ts,omitempty"`    // unix ms of the line it comes from; 0: none
	Scope      int64           `json:"scope,omitempty"` // unix ms the date filter looks at; 0: passes
	In         int64           `json:"in,omitempty"`
	Out        int64           `json:"out,omitempty"`
	CacheRead  int64           `json:"cr,omitempty"`
	CacheWrite int64           `json:"cw,omitempty"`
	DurationMS int64           `json:"dur,omitempty"`
	Meta       json.RawMessage `json:"meta,omitempty"`
	Corr       string          `json:"corr,omitempty"`
}

// eventID returns prefix + the first 32 hex digits of SHA-256(key) (IMPORT.md 4.4).
func eventID(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(sum[:16])
}

// unixMilli parses a timestamp to unix milliseconds; 0 when absent or unparseable.
func unixMilli(v []byte) int64 { return parseMilli(jstr(v)) }

// parseMilli parses an ISO-8601 timestamp to unix milliseconds; 0 when empty or unparseable.
func parseMilli(s string) int64 {
	if s == "" {
		return 0
	}
	t, ok := contract.ParseTime(s)
	if !ok {
		return 0
	}
	return t.UnixMilli()
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// metaBuilder writes a metadata object with its keys in a fixed order.
type metaBuilder struct {
	b   []byte
	max int // cap on each string value, in bytes (0: none)
}

func (m *metaBuilder) key(k string) {
	if len(m.b) == 0 {
		m.b = append(m.b, '{')
	} else {
		m.b = append(m.b, ',')
	}
	m.b = contract.AppendString(m.b, k)
	m.b = append(m.b, ':')
}

// str adds a non-empty string, cut to the cap on a character boundary.
func (m *metaBuilder) str(k, v string) {
	if v == "" {
		return
	}
	if m.max > 0 && len(v) > m.max {
		v = cutBytes(v, m.max)
	}
	m.key(k)
	m.b = contract.AppendString(m.b, v)
}

func (m *metaBuilder) num(k string, v int64) {
	m.key(k)
	m.b = strconv.AppendInt(m.b, v, 10)
}

func (m *metaBuilder) flag(k string, v bool) {
	if v {
		m.key(k)
		m.b = append(m.b, "true"...)
	}
}

func (m *metaBuilder) done() json.RawMessage {
	if len(m.b) == 0 {
		return nil
	}
	return append(m.b, '}')
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cutRunes cuts s to at most n characters.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// lineCount is the number of lines of text s (a last line without '\n' counts).
func lineCount(s string) int64 {
	if s == "" {
		return 0
	}
	n := int64(0)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			n++
		}
	}
	if s[len(s)-1] != '\n' {
		n++
	}
	return n
}

// baseName is the last component of a path, split on both / and \ (IMPORT.md 4.2).
func baseName(p string) string {
	for len(p) > 1 && (p[len(p)-1] == '/' || p[len(p)-1] == '\\') {
		p = p[:len(p)-1]
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}
