package index

import (
	"math"

	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"
)

// field is a document field built for this index: Bleve's own text and numeric fields allocate
// a map entry, a frequency and a location slice per token through generic analysis, which was the
// largest cost of indexing. It implements Bleve's document.Field; Analyze runs in scorch's
// analysis workers, in parallel.
type field struct {
	name   string
	pos    []uint64 // array positions: which value of a multi-valued field
	opts   bindex.FieldIndexingOptions
	kind   fieldKind
	value  []byte
	secs   int64 // kindTime
	length int
	freqs  bindex.TokenFrequencies
}

type fieldKind uint8

const (
	kindWords fieldKind = iota // analyzed by words, with positions
	kindExact                  // the whole value is one term
	kindTime                   // Unix seconds as prefix-coded terms for range queries
)

func newWordsField(name string, pos []uint64, value string) *field {
	return &field{name: name, pos: pos, opts: textOptions, kind: kindWords, value: []byte(value)}
}

func newExactField(name, value string, opts bindex.FieldIndexingOptions) *field {
	return &field{name: name, opts: opts, kind: kindExact, value: []byte(value)}
}

func newTimeField(name string, secs int64) *field {
	return &field{name: name, opts: timeOptions, kind: kindTime, secs: clampSecs(secs)}
}

func (f *field) Name() string                                      { return f.name }
func (f *field) ArrayPositions() []uint64                          { return f.pos }
func (f *field) Options() bindex.FieldIndexingOptions              { return f.opts }
func (f *field) Value() []byte                                     { return f.value }
func (f *field) NumPlainTextBytes() uint64                         { return uint64(len(f.value)) }
func (f *field) AnalyzedLength() int                               { return f.length }
func (f *field) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

func (f *field) EncodedFieldType() byte {
	if f.kind == kindTime {
		return 'n'
	}
	return 't'
}

// Size estimates the memory the field holds (scorch accounts analysis memory with it).
func (f *field) Size() int {
	n := 96 + len(f.name) + len(f.value) + 8*len(f.pos)
	for k, tf := range f.freqs {
		n += 64 + 2*len(k) + 40*len(tf.Locations)
	}
	return n
}

// Analyze computes the field's terms. It runs once: the tailer analyzes documents itself, and
// Bleve's analysis workers then find nothing left to do.
func (f *field) Analyze() {
	if f.freqs != nil {
		return
	}
	switch f.kind {
	case kindWords:
		toks := words(f.value)
		f.length = len(toks)
		f.freqs = make(bindex.TokenFrequencies, len(toks))
		// One allocation each for the frequencies, the locations and the pointers to them; a
		// term seen once (most of them) points into them without allocating.
		tfs := make([]bindex.TokenFreq, 0, len(toks))
		var locs []bindex.TokenLocation
		var ptrs []*bindex.TokenLocation
		withLocs := f.opts.IncludeTermVectors()
		if withLocs {
			locs = make([]bindex.TokenLocation, len(toks))
			ptrs = make([]*bindex.TokenLocation, len(toks))
		}
		for i, t := range toks {
			if withLocs {
				locs[i] = bindex.TokenLocation{ArrayPositions: f.pos, Start: t.Start, End: t.End, Position: t.Position}
				ptrs[i] = &locs[i]
			}
			if tf, ok := f.freqs[string(t.Term)]; ok {
				if withLocs {
					tf.Locations = append(tf.Locations, ptrs[i])
				}
				tf.SetFrequency(tf.Frequency() + 1)
				continue
			}
			tfs = append(tfs, bindex.TokenFreq{Term: t.Term})
			tf := &tfs[len(tfs)-1]
			if withLocs {
				tf.Locations = ptrs[i : i+1 : i+1]
			}
			tf.SetFrequency(1)
			f.freqs[string(t.Term)] = tf
		}
	case kindExact:
		f.length = 1
		tf := &bindex.TokenFreq{Term: f.value}
		tf.SetFrequency(1)
		f.freqs = bindex.TokenFrequencies{string(f.value): tf}
	case kindTime:
		// note: the terms are Bleve's prefix-coded int64 at every 4th shift, as its numeric
		// range searcher expects, but of the seconds themselves (not of a float64's bits) and
		// only up to shift 32: a time fits in 32 bits, so 9 terms instead of 16. timeRange
		// turns bounds into the matching query.
		f.length = 1
		f.freqs = make(bindex.TokenFrequencies, timeShifts)
		tfs := make([]bindex.TokenFreq, timeShifts)
		for i := range timeShifts {
			t := []byte(numeric.MustNewPrefixCodedInt64(f.secs, uint(4*i)))
			tfs[i] = bindex.TokenFreq{Term: t}
			tfs[i].SetFrequency(1)
			f.freqs[string(t)] = &tfs[i]
		}
		f.value = tfs[0].Term
	}
}

// timeShifts is how many prefix-coded terms a time has: shifts 0, 4, …, 32.
const timeShifts = 9

// clampSecs keeps a time within the 32 bits the time terms cover (1970 to 2106).
func clampSecs(s int64) int64 { return min(max(s, 0), math.MaxUint32) }
