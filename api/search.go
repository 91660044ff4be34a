package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/index"
	"github.com/agentmonitor/agentmonitor/kv"
)

// Search limits (CONTRACT 18.5).
const (
	searchDefaultLimit = 50
	searchMaxLimit     = 500
)

// SetIndex gives the server its search index: GET /api/search, GET /api/sessions?q= and
// events_indexed in /api/health use it. Call it before serving; without it search answers 503.
func (s *Server) SetIndex(x *index.Index) { s.idx = x }

// searchResult is one item of the search reply.
type searchResult struct {
	Event     json.RawMessage     `json:"event"`
	Score     float64             `json:"score"`
	Fragments map[string][]string `json:"fragments"`
}

// search answers GET /api/search (CONTRACT 18.5): the index finds the ids, bbolt has the rows.
func (s *Server) search(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if s.idx == nil {
		writeError(w, http.StatusServiceUnavailable, "search is not available")
		return
	}
	q := r.URL.Query()
	limit := searchDefaultLimit
	if n, ok := intParam(q, "limit"); ok && n != 0 {
		if n < 0 || n > searchMaxLimit {
			n = searchMaxLimit // "no limit" (as in /api/events) is the most there is
		}
		limit = int(n)
	}
	offset := 0
	if n, ok := intParam(q, "offset"); ok && n > 0 {
		offset = clampInt(n)
	}
	order := index.SortRecent
	switch q.Get("sort") {
	case "", "recent":
	case "relevance":
		order = index.SortRelevance
	default:
		writeError(w, http.StatusBadRequest, `sort must be "recent" or "relevance"`)
		return
	}
	res, err := s.idx.Search(r.Context(), q.Get("q"), searchFilters(q), limit, offset, order)
	if err != nil {
		s.failSearch(w, r, err)
		return
	}
	ids := make([]uint64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	rows, err := s.store.EventsByID(ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results := make([]searchResult, 0, len(rows))
	for i, row := range rows {
		if row == nil {
			continue // indexed, then gone from the file
		}
		frags := res.Query.Fragments(row)
		if frags == nil {
			frags = map[string][]string{}
		}
		results = append(results, searchResult{Event: row, Score: res.Hits[i].Score, Fragments: frags})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": res.Total, "results": results})
}

// searchSessions answers GET /api/sessions?q=…: the sessions of f that have an event matching q.
func (s *Server) searchSessions(w http.ResponseWriter, r *http.Request, f kv.SessionFilter) {
	if s.idx == nil {
		writeError(w, http.StatusServiceUnavailable, "search is not available")
		return
	}
	matched, err := s.idx.SearchSessions(r.Context(), r.URL.Query().Get("q"), index.Filters{})
	if err != nil {
		s.failSearch(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit = 0
	sessions := s.store.Sessions(f)
	slices.Sort(matched)
	sessions = slices.DeleteFunc(sessions, func(sess contract.Session) bool {
		_, found := slices.BinarySearch(matched, sess.ID)
		return !found
	})
	if limit > 0 && len(sessions) > limit {
		sessions = sessions[:limit]
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": sessions, "total": len(sessions)})
}

// failSearch answers a search that failed: bad syntax is the client's (400), a closed index is a
// server on its way down (503).
func (s *Server) failSearch(w http.ResponseWriter, r *http.Request, err error) {
	var syn *index.SyntaxError
	switch {
	case errors.As(err, &syn):
		writeError(w, http.StatusBadRequest, syn.Error())
	case errors.Is(err, index.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "server is shutting down")
	default:
		s.fail(w, r, err)
	}
}

// searchFilters reads the filters of /api/search: those of /api/events plus project.
func searchFilters(q url.Values) index.Filters {
	rg := timeRange(q, true)
	return index.Filters{
		AgentType: q.Get("agent_type"), EventType: q.Get("event_type"), ToolName: q.Get("tool_name"),
		Project: q.Get("project"), Branch: q.Get("branch"), Model: q.Get("model"),
		SessionID: q.Get("session_id"), Source: q.Get("source"),
		Since: rg.Since, Until: rg.Until, Never: rg.Never,
	}
}

// eventsIndexed is /api/health's events_indexed: nil (left out) when there is no index.
func (s *Server) eventsIndexed() *int64 {
	if s.idx == nil {
		return nil
	}
	n := s.idx.Indexed()
	return &n
}
