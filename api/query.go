package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

func (s *Server) health(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, contract.Health{
		Status:        "ok",
		Uptime:        int64(time.Since(s.started) / time.Second),
		DBSizeBytes:   s.store.Size(),
		SSEClients:    s.hub.Clients(),
		EventsStored:  s.store.EventsStored(),
		EventsIndexed: s.eventsIndexed(),
		Version:       s.cfg.Version,
	})
}

// timeRange reads since/until (CONTRACT 2.3): empty means no bound, unparseable matches nothing.
func timeRange(q url.Values, withUntil bool) kv.Range {
	var rg kv.Range
	bound := func(name string) *time.Time {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		t, ok := contract.ParseTime(v)
		if !ok {
			rg.Never = true
			return nil
		}
		t = t.Truncate(time.Second)
		return &t
	}
	rg.Since = bound("since")
	if withUntil {
		rg.Until = bound("until")
	}
	return rg
}

// intParam reads an integer query parameter like JavaScript parseInt; ok is false when absent or
// not a number.
func intParam(q url.Values, name string) (int64, bool) {
	v := q.Get(name)
	if v == "" {
		return 0, false
	}
	return contract.ParseInt(v)
}

func clampInt(v int64) int {
	return int(max(min(v, math.MaxInt32), math.MinInt32))
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	f := kv.EventFilter{
		AgentType: q.Get("agent_type"), EventType: q.Get("event_type"), ToolName: q.Get("tool_name"),
		SessionID: q.Get("session_id"), Branch: q.Get("branch"), Model: q.Get("model"), Source: q.Get("source"),
		Range: timeRange(q, true),
		Limit: 50,
	}
	if n, ok := intParam(q, "limit"); ok && n != 0 {
		f.Limit = clampInt(max(n, -1))
	}
	if n, ok := intParam(q, "offset"); ok && n > 0 {
		f.Offset = clampInt(n)
	}
	// The rows are written as they are read, so an unbounded list never sits in memory.
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	bw := newStreamJSON(w)
	bw.raw(`{"events":[`)
	first := true
	total, err := s.store.Events(f, func(row []byte) error {
		if !first {
			bw.raw(",")
		}
		first = false
		return bw.write(row)
	})
	if err != nil && !bw.started {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "event listing cut short", "err", err)
		return
	}
	bw.raw(`],"total":` + strconv.FormatInt(total, 10) + `}`)
	bw.flush()
}

func statsFilter(q url.Values) kv.StatsFilter {
	rg := timeRange(q, false)
	return kv.StatsFilter{AgentType: q.Get("agent_type"), Since: rg.Since, Never: rg.Never}
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if _, err := s.store.Sweep(r.Context(), time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.store.Stats(statsFilter(r.URL.Query()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) toolStats(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	tools, err := s.store.Tools(statsFilter(r.URL.Query()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tools": tools})
}

func (s *Server) costStats(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	f := statsFilter(q)
	// limit is a whole-string number here (CONTRACT 8.7), unlike the other endpoints.
	f.Limit = 10
	if n, ok := contract.ParseNumber(q.Get("limit")); ok && q.Get("limit") != "" && n != 0 {
		if n < 0 {
			f.Limit = -1
		} else {
			f.Limit = clampInt(int64(min(n, math.MaxInt32)))
		}
	}
	cost, err := s.store.Cost(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cost)
}

func (s *Server) usageMonitor(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	usage, err := s.usage(time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, usage)
}

// usage builds the usage monitor (CONTRACT 8.8): one row per agent type seen in events whose
// configured limits are not all zero.
func (s *Server) usage(now time.Time) ([]contract.Usage, error) {
	out := []contract.Usage{}
	agents, err := s.store.AgentTypes()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, a := range agents {
		seen[a] = true
	}
	// One read per distinct window length answers every agent type.
	type used struct {
		tokens map[string]int64
		cost   map[string]float64
	}
	byHours := map[int]used{}
	for _, u := range s.cfg.Usage {
		if !seen[u.AgentType] || u.SessionLimit == 0 && u.ExtendedLimit == 0 && u.WeeklyLimit == 0 {
			continue
		}
		window := func(hours int, limit float64) (*contract.UsageWindow, error) {
			w, ok := byHours[hours]
			if !ok {
				tokens, cost, err := s.store.UsageSince(now.Add(-time.Duration(hours) * time.Hour).Truncate(time.Second))
				if err != nil {
					return nil, err
				}
				w = used{tokens, cost}
				byHours[hours] = w
			}
			amount := float64(w.tokens[u.AgentType])
			if u.LimitType == "cost" {
				amount = w.cost[u.AgentType]
			}
			return &contract.UsageWindow{Used: amount, Limit: limit, WindowHours: hours}, nil
		}
		row := contract.Usage{AgentType: u.AgentType, LimitType: u.LimitType}
		session, err := window(u.SessionHours, u.SessionLimit)
		if err != nil {
			return nil, err
		}
		row.Session = *session
		if u.ExtendedLimit != 0 {
			if row.Extended, err = window(u.ExtendedHours, u.ExtendedLimit); err != nil {
				return nil, err
			}
		}
		if u.WeeklyLimit != 0 {
			if row.Weekly, err = window(u.WeeklyHours, u.WeeklyLimit); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if _, err := s.store.Sweep(r.Context(), time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := kv.SessionFilter{
		Status: q.Get("status"), ExcludeStatus: q.Get("exclude_status"), AgentType: q.Get("agent_type"),
		Range: timeRange(q, false),
		Limit: 50,
	}
	if n, ok := intParam(q, "limit"); ok {
		f.Limit = clampInt(max(n, 0))
	}
	if q.Get("q") != "" {
		s.searchSessions(w, r, f) // CONTRACT 18.5
		return
	}
	sessions := s.store.Sessions(f)
	writeJSON(w, http.StatusOK, map[string]any{"sessions": sessions, "total": len(sessions)})
}

func (s *Server) session(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	id := ps.ByName("id")
	sess, err := s.store.Session(id)
	if errors.Is(err, kv.ErrNotFound) {
		writeError(w, http.StatusNotFound, "Session not found")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	limit := int64(10)
	name := "event_limit"
	if q.Get(name) == "" {
		name = "limit"
	}
	if n, ok := intParam(q, name); ok {
		limit = max(n, -1)
	}
	rows, err := s.store.SessionEvents(id, clampInt(limit))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events := make([]json.RawMessage, len(rows))
	for i, row := range rows {
		events[i] = row
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": sess, "events": events})
}

func (s *Server) transcript(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	id := ps.ByName("id")
	events, err := s.store.SessionTimeline(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(events) == 0 {
		writeError(w, http.StatusNotFound, "No transcript data for this session")
		return
	}
	entries := make([]contract.TranscriptEntry, len(events))
	for i := range events {
		entries[i] = contract.NewTranscriptEntry(&events[i])
	}
	writeJSON(w, http.StatusOK, contract.Transcript{SessionID: id, Entries: entries})
}

func (s *Server) filterOptions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	fo, err := s.store.FilterOptions()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fo)
}
