package index

import (
	"encoding/json"
	"html"
	"strings"
	"unicode/utf8"
)

const (
	// fragmentContext is how many bytes of text a fragment shows on each side of its first hit.
	fragmentContext = 60
	// maxFragments bounds the fragments of one field.
	maxFragments = 3
)

// Fragments cuts, from a stored event row, the passages that match the query's words: for each
// text field, up to maxFragments of "…text <mark>word</mark> text…", HTML-escaped except the
// mark tags (CONTRACT 18.5). It returns nil when nothing in the row matches (a match on a filter
// field alone, or a row indexed before it changed).
//
// note: cut from the bbolt row at query time, so the index keeps no stored text and no term
// vectors for highlighting.
func (q *Query) Fragments(row []byte) map[string][]string {
	want := q.highlight()
	if len(want) == 0 {
		return nil
	}
	var r struct {
		ToolName *string `json:"tool_name"`
		Metadata string  `json:"metadata"`
	}
	if json.Unmarshal(row, &r) != nil {
		return nil
	}
	tool := ""
	if r.ToolName != nil {
		tool = *r.ToolName
	}
	var out map[string][]string
	for field, texts := range searchable(tool, r.Metadata) {
		if len(want[field]) == 0 {
			continue
		}
		for _, text := range texts {
			frag, ok := fragment(text, want[field])
			if !ok {
				continue
			}
			if out == nil {
				out = map[string][]string{}
			}
			out[field] = append(out[field], frag)
			if len(out[field]) == maxFragments {
				break
			}
		}
	}
	return out
}

// fragment returns the passage of text around its first word in want, with every word of want
// in it marked.
func fragment(text string, want map[string]bool) (string, bool) {
	toks := words([]byte(text))
	first := -1
	for i, t := range toks {
		if want[string(t.Term)] {
			first = i
			break
		}
	}
	if first < 0 {
		return "", false
	}
	start := max(toks[first].Start-fragmentContext, 0)
	end := min(toks[first].End+fragmentContext, len(text))
	for start > 0 && !utf8.RuneStart(text[start]) {
		start++
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end--
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, t := range toks[first:] {
		if t.End > end {
			break
		}
		if !want[string(t.Term)] {
			continue
		}
		writeText(&b, text[at:t.Start])
		b.WriteString("<mark>")
		writeText(&b, text[t.Start:t.End])
		b.WriteString("</mark>")
		at = t.End
	}
	writeText(&b, text[at:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String(), true
}

// writeText writes s HTML-escaped, with each run of white space as one space.
func writeText(b *strings.Builder, s string) {
	s = html.EscapeString(s)
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
}
