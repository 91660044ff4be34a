package index

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// phrase is the exact condition of a clause of several words (a "phrase", or one query word such
// as main.go that is several index words): the words in a row in one of fields, or, for a file,
// the exact path term.
//
// note: Bleve's phrase searcher, asked to advance to a document, reads the positions of every
// document holding all the words until it finds the phrase, whatever the other conditions; over a
// million events a phrase of common words took hundreds of milliseconds. Here the words are
// required as plain terms with the rest of the query, and the positions are read only for the
// documents that pass everything else (phraseQuery).
type phrase struct {
	neg    bool
	path   string // an exact fieldPath term that also satisfies it ("" for none)
	fields []string
	words  []string
}

// phraseQuery is inner restricted to the documents that satisfy every positive phrase and no
// negative one.
type phraseQuery struct {
	inner   query.Query
	phrases []phrase
}

func (q *phraseQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping,
	options search.SearcherOptions) (search.Searcher, error) {
	s, err := q.inner.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	c := &phraseChecker{ctx: ctx, r: r, readers: map[readerKey]*reader{}}
	keep := func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		for _, p := range q.phrases {
			if c.holds(p, d.IndexInternalID) == p.neg {
				return false
			}
		}
		return true
	}
	return &phraseSearcher{FilteringSearcher: searcher.NewFilteringSearcher(ctx, s, keep), c: c}, nil
}

// phraseSearcher is the filtering searcher that also closes the checker's term readers.
type phraseSearcher struct {
	*searcher.FilteringSearcher
	c *phraseChecker
}

func (s *phraseSearcher) Close() error {
	err := s.FilteringSearcher.Close()
	for _, r := range s.c.readers {
		if cerr := r.tfr.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

type readerKey struct{ field, term string }

// reader is one term's postings in one field, and where they stand.
type reader struct {
	tfr bindex.TermFieldReader
	at  *bindex.TermFieldDoc // the last document read; nil before the first and after the last
	end bool                 // no document left
}

// phraseChecker reads the positions of terms in one document at a time. Documents come in
// increasing order, so each term's reader only moves forward.
type phraseChecker struct {
	ctx     context.Context
	r       bindex.IndexReader
	readers map[readerKey]*reader
}

// vectors returns the positions of term in field in doc, and whether the document has the term.
func (c *phraseChecker) vectors(field, term string, doc bindex.IndexInternalID, positions bool) ([]*bindex.TermFieldVector, bool) {
	k := readerKey{field, term}
	rd, ok := c.readers[k]
	if !ok {
		tfr, err := c.r.TermFieldReader(c.ctx, []byte(term), field, false, false, positions)
		if err != nil {
			return nil, false // as if absent: the search goes on without this document
		}
		rd = &reader{tfr: tfr}
		c.readers[k] = rd
	}
	// note: a reader asked to go back starts over (scorch reopens it), so a reader that went
	// past doc, to the next document with the term, answers from where it is.
	if rd.at == nil || rd.at.ID.Compare(doc) < 0 {
		if rd.end {
			return nil, false
		}
		tfd, err := rd.tfr.Advance(doc, nil)
		if err != nil || tfd == nil {
			rd.end, rd.at = true, nil
			return nil, false
		}
		rd.at = tfd
	}
	if !rd.at.ID.Equals(doc) {
		return nil, false
	}
	return rd.at.Vectors, true
}

// holds reports whether the document satisfies p.
func (c *phraseChecker) holds(p phrase, doc bindex.IndexInternalID) bool {
	if p.path != "" {
		if _, ok := c.vectors(fieldPath, p.path, doc, false); ok {
			return true
		}
	}
fields:
	for _, f := range p.fields {
		locs := make([][]*bindex.TermFieldVector, len(p.words))
		for i, w := range p.words {
			v, ok := c.vectors(f, w, doc, true)
			if !ok {
				continue fields
			}
			locs[i] = v
		}
		if inRow(locs) {
			return true
		}
	}
	return false
}

// inRow reports whether some position of the first word is followed by the second word, then
// the third, and so on, within one value of the field.
func inRow(locs [][]*bindex.TermFieldVector) bool {
next:
	for _, first := range locs[0] {
		for i := 1; i < len(locs); i++ {
			if !slices.ContainsFunc(locs[i], func(v *bindex.TermFieldVector) bool {
				return v.Pos == first.Pos+uint64(i) && slices.Equal(v.ArrayPositions, first.ArrayPositions)
			}) {
				continue next
			}
		}
		return true
	}
	return false
}
