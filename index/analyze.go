package index

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// wordsName is the analyzer of every text field, registered with Bleve so the index mapping can
// name it.
const wordsName = "agentmonitor_words"

// maxTermBytes bounds one term: longer runs (base64, minified code) are not words anyone types.
const maxTermBytes = 100

func init() {
	_ = registry.RegisterAnalyzer(wordsName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return wordsAnalyzer{}, nil
	})
}

// wordsAnalyzer splits text into runs of letters and digits and lower-cases them, in one pass and
// one allocation for the tokens. Everything else separates words, so "/src/app/main.go" gives
// src, app, main, go and "tool_use" gives tool, use; a query is cut the same way, and several
// words from one query word become a phrase.
//
// note: it replaces Bleve's standard analyzer (Unicode word segmentation, lower case, English stop
// words), which costs several times as much per byte and keeps "main.go" as one word.
type wordsAnalyzer struct{}

func (wordsAnalyzer) Analyze(input []byte) analysis.TokenStream {
	return words(input)
}

// words is the analysis of every text field and of query words.
func words(input []byte) analysis.TokenStream {
	var spans [][2]int
	var small [32][2]int
	spans = small[:0]
	for i := 0; i < len(input); {
		start, end := nextWord(input, i)
		if start < 0 {
			break
		}
		if end-start <= maxTermBytes {
			spans = append(spans, [2]int{start, end})
		}
		i = end
	}
	if len(spans) == 0 {
		return nil
	}
	toks := make([]analysis.Token, len(spans))
	out := make(analysis.TokenStream, len(spans))
	for n, sp := range spans {
		toks[n] = analysis.Token{
			Start:    sp[0],
			End:      sp[1],
			Term:     lower(input[sp[0]:sp[1]]),
			Position: n + 1,
			Type:     analysis.AlphaNumeric,
		}
		out[n] = &toks[n]
	}
	return out
}

// nextWord returns the bounds of the first word at or after i, or -1 when there is none.
func nextWord(b []byte, i int) (start, end int) {
	start = -1
	for i < len(b) {
		c := b[i]
		size := 1
		var word bool
		if c < utf8.RuneSelf {
			word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		} else {
			var r rune
			r, size = utf8.DecodeRune(b[i:])
			word = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		}
		if word && start < 0 {
			start = i
		} else if !word && start >= 0 {
			return start, i
		}
		i += size
	}
	if start < 0 {
		return -1, -1
	}
	return start, len(b)
}

// lower returns w in lower case: w itself when it already is (no copy), else a new slice.
func lower(w []byte) []byte {
	ascii := true
	upper := false
	for _, c := range w {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return w
		}
		out := make([]byte, len(w))
		for i, c := range w {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out[i] = c
		}
		return out
	}
	out := make([]byte, 0, len(w))
	for _, r := range string(w) {
		out = utf8.AppendRune(out, unicode.ToLower(r))
	}
	return out
}

// terms returns the lower-cased words of s, as a query sees them.
func terms(s string) []string {
	ts := words([]byte(s))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}
