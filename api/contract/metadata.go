package contract

import (
	"encoding/json"
	"strconv"
)

// summaryKeys are the keys a truncation summary keeps, in this order (CONTRACT 6 step 4).
var summaryKeys = [...]string{
	`"command"`, `"file_path"`, `"query"`, `"pattern"`, `"error"`, `"message"`, `"tool_name"`, `"path"`, `"type"`,
}

// Metadata returns the metadata text to store for the JSON value raw and whether it was truncated,
// per CONTRACT section 6 with M = maxBytes:
//   - M < 2: "{}", truncated;
//   - raw absent (empty) or null: "{}";
//   - otherwise raw re-serialized by CompactJSON; if it is longer than M bytes, the summary
//     {"_truncated":true,"_original_bytes":N,...} (N the compact length; for an object followed by
//     its command, file_path, query, pattern, error, message, tool_name, path and type members, in
//     that order and in full), else {"_truncated":true,"_original_bytes":N} if that fits, else "{}".
//
// The text is always valid JSON and, when truncated, at most max(M, 2) bytes. Raw that is not valid
// JSON (callers pass decoded values, so it should not happen) is treated as absent.
func Metadata(raw json.RawMessage, maxBytes int) (text string, truncated bool) {
	text, truncated, _ = metadata(raw, maxBytes, "")
	return text, truncated
}

// metadata is Metadata that also returns the non-empty string value of the top-level key corrKey
// (a bare name, "" for none) when raw is an object, read before truncation.
func metadata(raw []byte, maxBytes int, corrKey string) (text string, truncated bool, corr string) {
	s := scanner{b: raw}
	s.ws()
	if s.i == len(raw) || s.lit("null") && s.end() {
		if maxBytes < 2 {
			return "{}", true, ""
		}
		return "{}", false, ""
	}
	c := getCompactor(raw)
	defer putCompactor(c)
	if !c.run() {
		return "{}", maxBytes < 2, ""
	}
	isObject := c.out[0] == '{'
	if isObject && corrKey != "" {
		corr = c.correlation(corrKey)
	}
	if maxBytes < 2 {
		return "{}", true, corr
	}
	if len(c.out) <= maxBytes {
		return string(c.out), false, corr
	}
	n := len(c.out)
	sum := make([]byte, 0, 128)
	sum = append(sum, `{"_truncated":true,"_original_bytes":`...)
	sum = strconv.AppendInt(sum, int64(n), 10)
	bare := len(sum) + 1
	if isObject {
		for _, k := range summaryKeys {
			for _, m := range c.top {
				if c.key(m) == k {
					sum = append(sum, ',')
					sum = append(sum, c.out[m.k0:m.v1]...)
					break
				}
			}
		}
	}
	sum = append(sum, '}')
	switch {
	case len(sum) <= maxBytes:
		return string(sum), true, corr
	case bare <= maxBytes:
		return string(append(sum[:bare-1], '}')), true, corr
	}
	return "{}", true, corr
}

// correlation returns the text of the root object's string member named key, or "".
func (c *compactor) correlation(key string) string {
	for _, m := range c.top {
		k := c.out[m.k0:m.k1]
		if len(k) != len(key)+2 || string(k[1:len(k)-1]) != key {
			continue
		}
		v := c.out[m.v0:m.v1]
		if v[0] != '"' {
			return ""
		}
		return string(stringText(v[1 : len(v)-1]))
	}
	return ""
}

// AppendString appends s as a JSON string for metadata text that Metadata will re-serialize: only
// '"', '\\' and control characters are escaped here; Metadata settles everything else (ill-formed
// UTF-8 becomes U+FFFD, escapes become JSON.stringify's).
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
