package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed search string (CONTRACT 18.5):
//
//	go test          every word must match, each in any text field
//	"go test ./..."  a phrase: the words in this order
//	-vendor          no text field may have this word (or phrase, or field:value)
//	command:make     the word in one text field: prompt, response, command, file, error, text
//	file:main.go     a file by its base name; file:"/src/app/main.go" by its full path
//	tool_name:Bash   an exact filter value: agent_type, event_type, tool_name, project, branch,
//	                 model, session_id, source
//
// Words are compared in lower case, split at anything that is not a letter or a digit, so
// main.go and tool_use are two-word phrases. Filter values are compared exactly.
type Query struct {
	clauses []clause
}

type clause struct {
	neg   bool
	field string // "" for any text field
	value string
}

// fieldNames are the field: prefixes a query may use.
var fieldNames = append(slices.Clone(textFields), filterFields...)

// Parse reads a search string. An empty string is a query that matches every event. Syntax errors
// (an unterminated quote, an unknown field, a field or minus with nothing after it) are a
// *SyntaxError.
func Parse(s string) (*Query, error) {
	q := &Query{}
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return q, nil
		}
		start := i
		var c clause
		if s[i] == '-' {
			c.neg = true
			i++
			if i == len(s) || isSpace(s[i]) {
				return nil, syntaxErrorf("nothing after - at character %d", start+1)
			}
		}
		if name, _, ok := fieldPrefix(s[i:]); ok {
			lname := strings.ToLower(name)
			if !slices.Contains(fieldNames, lname) {
				word := s[i:]
				if end := strings.IndexFunc(word, unicode.IsSpace); end >= 0 {
					word = word[:end]
				}
				return nil, syntaxErrorf("unknown field %q (fields: %s; to search for a word with a colon, quote it: \"%s\")",
					name, strings.Join(fieldNames, ", "), word)
			}
			c.field = lname
			i += len(name) + 1
			if i == len(s) || isSpace(s[i]) {
				return nil, syntaxErrorf("nothing after %s: at character %d", name, i)
			}
		}
		if s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, syntaxErrorf("unterminated quote at character %d", i+1)
			}
			c.value = s[i+1 : i+1+end]
			i += end + 2
			if i < len(s) && !isSpace(s[i]) {
				return nil, syntaxErrorf("a closing quote must be followed by a space, at character %d", i+1)
			}
		} else {
			end := i
			for end < len(s) && !isSpace(s[end]) {
				if s[end] == '"' {
					return nil, syntaxErrorf("quote inside a word at character %d", end+1)
				}
				end++
			}
			c.value = s[i:end]
			i = end
		}
		if strings.TrimSpace(c.value) == "" {
			continue // "" or " ": nothing to look for
		}
		q.clauses = append(q.clauses, c)
	}
}

// fieldPrefix splits "name:rest" when name is an identifier (a letter, then letters, digits or
// underscores) and rest does not start with "//" (a URL such as https://example.com is a word).
func fieldPrefix(s string) (name, rest string, ok bool) {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return "", "", false
	}
	name, rest = s[:colon], s[colon+1:]
	for j, r := range name {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || r == '_' || j > 0 && unicode.IsDigit(r))) {
			return "", "", false
		}
	}
	if strings.HasPrefix(rest, "//") {
		return "", "", false
	}
	return name, rest, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// String gives the query back in its canonical syntax.
func (q *Query) String() string {
	var b strings.Builder
	for i, c := range q.clauses {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.neg {
			b.WriteByte('-')
		}
		if c.field != "" {
			b.WriteString(c.field + ":")
		}
		// A field's value starting with "//" is quoted: unquoted, field://… reads as a URL.
		if c.value == "" || c.value[0] == '-' || strings.ContainsAny(c.value, " \t\n\r\f\v:") ||
			c.field != "" && strings.HasPrefix(c.value, "//") {
			b.WriteString(`"` + c.value + `"`)
		} else {
			b.WriteString(c.value)
		}
	}
	return b.String()
}

// highlight returns, for each text field, the words a fragment of that field marks: the words
// of every positive clause that can match there.
func (q *Query) highlight() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(field string, words []string) {
		if out[field] == nil {
			out[field] = map[string]bool{}
		}
		for _, w := range words {
			out[field][w] = true
		}
	}
	for _, c := range q.clauses {
		if c.neg {
			continue
		}
		switch {
		case c.field == "":
			for _, f := range textFields {
				add(f, terms(c.value))
			}
		case slices.Contains(textFields, c.field):
			add(c.field, terms(c.value))
		}
	}
	return out
}
