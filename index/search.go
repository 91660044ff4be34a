package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Filters narrow a search like the parameters of /api/events (CONTRACT 8.4, 18.5). Empty strings
// match anything; values are compared exactly. Since and Until bound created_at, both inclusive;
// Never (an unparseable bound) matches nothing.
type Filters struct {
	AgentType, EventType, ToolName, Project, Branch, Model, SessionID, Source string
	Since, Until                                                              *time.Time
	Never                                                                     bool
}

// Sort is the order of search results.
type Sort int

const (
	// SortRecent is newest first: created_at desc, then id desc (the order of /api/events).
	SortRecent Sort = iota
	// SortRelevance is best match first, ties newest first.
	SortRelevance
)

// Hit is one matching event.
type Hit struct {
	ID    uint64
	Score float64
}

// Result is one page of a search.
type Result struct {
	Total uint64 // events matching, ignoring limit and offset
	Hits  []Hit
	Query *Query // the parsed query, for Fragments
}

// MaxSessions bounds the sessions SearchSessions returns.
const MaxSessions = 100_000

// Search parses q and returns the page [offset, offset+limit) of the matching events. A bad q is a
// *SyntaxError. Results reflect the events indexed so far (see Indexed).
func (x *Index) Search(ctx context.Context, q string, f Filters, limit, offset int, sort Sort) (*Result, error) {
	pq, err := Parse(q)
	if err != nil {
		return nil, err
	}
	res := &Result{Query: pq, Hits: []Hit{}}
	bq, text := pq.bleveQuery(f)
	if bq == nil {
		return res, nil
	}
	req := bleve.NewSearchRequestOptions(bq, max(limit, 0), max(offset, 0), false)
	newest := &search.SortField{Field: fieldOrder, Desc: true, Type: search.SortFieldAsString, Missing: search.SortFieldMissingLast}
	if sort == SortRelevance {
		req.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, newest})
	} else {
		req.SortByCustom(search.SortOrder{newest})
		// note: without scores Bleve intersects and unites plain postings as bitmaps, several
		// times faster over a large history; the page's scores are computed after (scorePage).
		req.Score = "none"
	}
	sr, err := x.search(ctx, req)
	if err != nil {
		return nil, err
	}
	res.Total = sr.Total
	for _, h := range sr.Hits {
		id, ok := parseDocID(h.ID)
		if !ok {
			continue
		}
		res.Hits = append(res.Hits, Hit{ID: id, Score: h.Score})
	}
	if sort == SortRecent && len(res.Hits) > 0 && len(text) > 0 {
		if err := x.scorePage(ctx, text, res.Hits); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// scorePage sets the relevance scores of hits: those of the query's words (filters, time range
// and phrase order add the same to every hit), over just these documents.
func (x *Index) scorePage(ctx context.Context, text []query.Query, hits []Hit) error {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = docID(h.ID)
	}
	q := bleve.NewConjunctionQuery(append([]query.Query{bleve.NewDocIDQuery(ids)}, text...)...)
	req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	sr, err := x.search(ctx, req)
	if err != nil {
		return err
	}
	scores := make(map[string]float64, len(sr.Hits))
	for _, h := range sr.Hits {
		scores[h.ID] = h.Score
	}
	for i := range hits {
		hits[i].Score = scores[ids[i]]
	}
	return nil
}

// SearchSessions returns the ids of the sessions that have an event matching q and f (at most
// MaxSessions of them, those with the most matches first). A bad q is a *SyntaxError.
func (x *Index) SearchSessions(ctx context.Context, q string, f Filters) ([]string, error) {
	pq, err := Parse(q)
	if err != nil {
		return nil, err
	}
	bq, _ := pq.bleveQuery(f)
	if bq == nil {
		return []string{}, nil
	}
	req := bleve.NewSearchRequestOptions(bq, 0, 0, false)
	req.Score = "none"
	req.AddFacet("sessions", bleve.NewFacetRequest(fieldSessionID, MaxSessions))
	sr, err := x.search(ctx, req)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	if fr := sr.Facets["sessions"]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			ids = append(ids, t.Term)
		}
	}
	return ids, nil
}

func (x *Index) search(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	sr, err := x.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	return sr, nil
}

// bleveQuery builds the Bleve query of q under f, or nil when nothing can match, and the queries
// of its positive word clauses alone (what relevance is about).
func (q *Query) bleveQuery(f Filters) (bq query.Query, text []query.Query) {
	if f.Never {
		return nil, nil
	}
	var must, mustNot []query.Query
	var phrases []phrase
	skipped := false
	for _, c := range q.clauses {
		cq, p := c.compile()
		if cq == nil && p == nil {
			skipped = skipped || !c.neg
			continue
		}
		switch {
		case p != nil:
			phrases = append(phrases, *p)
			if !c.neg {
				must = append(must, cq)
				text = append(text, cq)
			}
		case c.neg:
			mustNot = append(mustNot, cq)
		default:
			must = append(must, cq)
			if !slices.Contains(filterFields, c.field) {
				text = append(text, cq)
			}
		}
	}
	if skipped && len(must) == 0 && len(mustNot) == 0 && len(phrases) == 0 {
		return nil, nil // only punctuation: no word to look for
	}
	for _, kv := range [...]struct{ field, value string }{
		{fieldAgentType, f.AgentType}, {fieldEventType, f.EventType}, {fieldToolName, f.ToolName},
		{fieldProject, f.Project}, {fieldBranch, f.Branch}, {fieldModel, f.Model},
		{fieldSessionID, f.SessionID}, {fieldSource, f.Source},
	} {
		if kv.value != "" {
			must = append(must, term(kv.field, kv.value))
		}
	}
	if f.Since != nil || f.Until != nil {
		lo, hi := int64(0), int64(math.MaxUint32)
		if f.Since != nil {
			lo = clampSecs(f.Since.Unix())
		}
		if f.Until != nil {
			if hi = f.Until.Unix(); hi < 0 {
				return nil, nil
			}
			hi = clampSecs(hi)
		}
		if lo > hi {
			return nil, nil
		}
		must = append(must, timeRange(lo, hi))
	}
	if len(must) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	var out query.Query = must[0]
	if len(mustNot) > 0 || len(must) > 1 {
		b := bleve.NewBooleanQuery()
		b.AddMust(must...)
		b.AddMustNot(mustNot...)
		out = b
	}
	if len(phrases) > 0 {
		out = &phraseQuery{inner: out, phrases: phrases}
	}
	return out, text
}

// compile turns one clause into a query that matches exactly what it means, or, for several
// words, into a query of the words (a superset, nil for a negative clause) and the phrase that
// decides. Both are nil when the clause has no word to look for.
func (c clause) compile() (query.Query, *phrase) {
	if slices.Contains(filterFields, c.field) {
		return term(c.field, c.value), nil
	}
	ws := terms(c.value)
	fields := textFields
	if c.field != "" {
		fields = []string{c.field}
	}
	byFile := c.field == "" || c.field == fieldFile // the value may be a whole path or base name
	if len(ws) == 0 {
		if c.field == fieldFile {
			return term(fieldPath, c.value), nil
		}
		return nil, nil
	}
	anyField := func(w string) query.Query {
		alts := make([]query.Query, len(fields))
		for i, f := range fields {
			alts[i] = term(f, w)
		}
		if len(alts) == 1 {
			return alts[0]
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	if len(ws) == 1 {
		q := anyField(ws[0])
		if byFile {
			q = bleve.NewDisjunctionQuery(q, term(fieldPath, c.value))
		}
		return q, nil
	}
	p := &phrase{neg: c.neg, fields: fields, words: ws}
	if byFile {
		p.path = c.value
	}
	if c.neg {
		return nil, p
	}
	all := make([]query.Query, len(ws))
	for i, w := range ws {
		all[i] = anyField(w)
	}
	var q query.Query = bleve.NewConjunctionQuery(all...)
	if byFile {
		q = bleve.NewDisjunctionQuery(q, term(fieldPath, c.value))
	}
	return q, p
}

// timeRange matches created_at in [lo, hi] (seconds, both within 32 bits).
//
// note: Bleve's numeric range query takes float64 bounds and searches the int64 whose bits they
// are (numeric.Float64ToInt64 is the identity on the bits of a non-negative float); the time terms
// hold the seconds as int64, so the bounds are the floats with those bits.
func timeRange(lo, hi int64) query.Query {
	flo, fhi := math.Float64frombits(uint64(lo)), math.Float64frombits(uint64(hi))
	yes := true
	r := bleve.NewNumericRangeInclusiveQuery(&flo, &fhi, &yes, &yes)
	r.SetField(fieldCreated)
	return r
}

func term(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}
