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
	bq := pq.bleveQuery(f)
	if bq == nil {
		return res, nil
	}
	req := bleve.NewSearchRequestOptions(bq, max(limit, 0), max(offset, 0), false)
	newest := &search.SortField{Field: fieldOrder, Desc: true, Type: search.SortFieldAsString, Missing: search.SortFieldMissingLast}
	if sort == SortRelevance {
		req.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, newest})
	} else {
		req.SortByCustom(search.SortOrder{newest})
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
	return res, nil
}

// SearchSessions returns the ids of the sessions that have an event matching q and f (at most
// MaxSessions of them, those with the most matches first). A bad q is a *SyntaxError.
func (x *Index) SearchSessions(ctx context.Context, q string, f Filters) ([]string, error) {
	pq, err := Parse(q)
	if err != nil {
		return nil, err
	}
	bq := pq.bleveQuery(f)
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

// bleveQuery builds the Bleve query of q under f, or nil when nothing can match.
func (q *Query) bleveQuery(f Filters) query.Query {
	if f.Never {
		return nil
	}
	var must, mustNot []query.Query
	skipped := false
	for _, c := range q.clauses {
		cq := c.bleveQuery()
		if cq == nil {
			skipped = skipped || !c.neg
			continue
		}
		if c.neg {
			mustNot = append(mustNot, cq)
		} else {
			must = append(must, cq)
		}
	}
	if skipped && len(must) == 0 && len(mustNot) == 0 {
		return nil // only punctuation: no word to look for
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
				return nil
			}
			hi = clampSecs(hi)
		}
		if lo > hi {
			return nil
		}
		must = append(must, timeRange(lo, hi))
	}
	if len(must) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	if len(mustNot) == 0 && len(must) == 1 {
		return must[0]
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(must...)
	b.AddMustNot(mustNot...)
	return b
}

// bleveQuery is one clause's query, or nil when its value has no word to look for.
func (c clause) bleveQuery() query.Query {
	if slices.Contains(filterFields, c.field) {
		return term(c.field, c.value)
	}
	ws := terms(c.value)
	fields := textFields
	if c.field != "" {
		fields = []string{c.field}
	}
	var alts []query.Query
	for _, f := range fields {
		if len(ws) == 1 {
			alts = append(alts, term(f, ws[0]))
		} else if len(ws) > 1 {
			alts = append(alts, bleve.NewPhraseQuery(ws, f))
		}
		if f == fieldFile {
			alts = append(alts, term(fieldPath, c.value)) // the exact path or base name
		}
	}
	if len(ws) == 0 && c.field != fieldFile {
		return nil
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
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
