package hooks

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// A small editor for JSON text that changes some values and keeps every other byte: it finds the
// byte spans of members and elements in a document already checked by json.Valid, and applies
// non-overlapping replacements. settings.json is edited this way so that keys, their order, number
// spellings, escapes and the user's formatting outside the edited spans stay exactly as they were.

// span is the byte range [start, end) of one JSON value, or of one member from its key to the end
// of its value.
type span struct{ start, end int }

// member is one "key": value pair of an object.
type member struct {
	key   string
	start int  // the key's opening quote
	val   span // the value
}

// edit replaces the bytes of at with text.
type edit struct {
	at   span
	text string
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// valueEnd returns the end of the value starting at b[i] (not white space).
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']' {
		j++
	}
	return j
}

// stringEnd returns the end of the string whose opening quote is b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// rootSpan is the span of the document's one value.
func rootSpan(b []byte) span {
	i := skipSpace(b, 0)
	return span{i, valueEnd(b, i)}
}

// members lists the members of the object at v.
func members(b []byte, v span) []member {
	var out []member
	i := skipSpace(b, v.start+1)
	for i < v.end && b[i] == '"' {
		kEnd := stringEnd(b, i)
		var key string
		_ = json.Unmarshal(b[i:kEnd], &key) // valid: the document was checked
		j := skipSpace(b, kEnd)
		j = skipSpace(b, j+1) // past ':'
		vEnd := valueEnd(b, j)
		out = append(out, member{key: key, start: i, val: span{j, vEnd}})
		i = skipSpace(b, vEnd)
		if i < v.end && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// elements lists the elements of the array at v.
func elements(b []byte, v span) []span {
	var out []span
	i := skipSpace(b, v.start+1)
	for i < v.end && b[i] != ']' {
		end := valueEnd(b, i)
		out = append(out, span{i, end})
		i = skipSpace(b, end)
		if i < v.end && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// removals returns the edits that delete the items (members' or elements' spans, in order) whose
// indexes drop marks, with their separators, leaving the others byte for byte. When every item goes,
// it returns nil and all = true: the caller removes or empties the container itself.
func removals(items []span, drop []bool) (edits []edit, all bool) {
	first := slices.Index(drop, false)
	if first < 0 {
		return nil, true
	}
	for i := range items {
		switch {
		case !drop[i] || i > 0 && i < first:
		case i == 0:
			// Leading items go with the separators after them, up to the first kept one.
			edits = append(edits, edit{at: span{items[0].start, items[first].start}})
		default:
			// Any other goes with the separator before it.
			edits = append(edits, edit{at: span{items[i-1].end, items[i].end}})
		}
	}
	return edits, false
}

// apply returns b with the edits made; they must not overlap.
func apply(b []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(x, y edit) int { return x.at.start - y.at.start })
	var out bytes.Buffer
	out.Grow(len(b))
	at := 0
	for _, e := range edits {
		out.Write(b[at:e.at.start])
		out.WriteString(e.text)
		at = e.at.end
	}
	out.Write(b[at:])
	return out.Bytes()
}

// layout is how a document is formatted, so that what the editor adds looks like the rest.
type layout struct {
	unit    string // one level of indentation; "" for a document on one line
	newline string
	colon   string // between a key and its value
}

// layoutOf guesses the layout from the first member of the document's root object.
func layoutOf(b []byte) layout {
	l := layout{unit: "  ", newline: "\n", colon: ": "}
	if bytes.Contains(b, []byte("\r\n")) {
		l.newline = "\r\n"
	}
	root := rootSpan(b)
	ms := members(b, root)
	if len(ms) == 0 {
		return l
	}
	lead := b[root.start+1 : ms[0].start]
	nl := bytes.LastIndexByte(lead, '\n')
	if nl < 0 {
		return layout{newline: l.newline, colon: colonOf(b, ms[0])}
	}
	if unit := string(lead[nl+1:]); unit != "" {
		l.unit = unit
	}
	l.colon = colonOf(b, ms[0])
	return l
}

// colonOf is the text between a member's key and value, e.g. ": " or ":".
func colonOf(b []byte, m member) string {
	kEnd := stringEnd(b, m.start)
	return string(b[kEnd:m.val.start])
}

func (l layout) pretty() bool { return l.unit != "" }

// indent is the line break and indentation before an item at depth.
func (l layout) indent(depth int) string {
	if !l.pretty() {
		return ""
	}
	return l.newline + strings.Repeat(l.unit, depth)
}

// render encodes v to sit at depth: indented like the document, or on one line.
func (l layout) render(v any, depth int) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if l.pretty() {
		enc.SetIndent(strings.Repeat(l.unit, depth), l.unit)
	}
	_ = enc.Encode(v) // the values rendered here always encode
	s := strings.TrimRight(buf.String(), "\n")
	if l.newline != "\n" {
		s = strings.ReplaceAll(s, "\n", l.newline)
	}
	return s
}

// memberText is `"key": value` for a member added at depth.
func (l layout) memberText(key string, v any, depth int) string {
	k, _ := json.Marshal(key)
	return string(k) + l.colon + l.render(v, depth)
}

// appendItems returns the edit that adds items (already rendered for depth) at the end of the
// container c, whose existing items are given, closing with the container's closing bracket.
func (l layout) appendItems(c span, existing []span, items []string, depth int) edit {
	var s strings.Builder
	if len(existing) == 0 {
		for i, it := range items {
			if i > 0 {
				s.WriteString(",")
			}
			s.WriteString(l.indent(depth))
			s.WriteString(it)
		}
		s.WriteString(l.indent(depth - 1))
		// Replace everything between the brackets (white space only).
		return edit{at: span{c.start + 1, c.end - 1}, text: s.String()}
	}
	for _, it := range items {
		s.WriteString(",")
		s.WriteString(l.indent(depth))
		s.WriteString(it)
	}
	last := existing[len(existing)-1].end
	return edit{at: span{last, last}, text: s.String()}
}
