package kv

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// rollupFn receives one (dimension, agent type, value) aggregate of a range.
type rollupFn func(dim byte, agent, value string, a *agg)

// rollupRange calls fn for the aggregates of events created at or after since (nil: all time)
// whose agent type is agent ("" : any). Whole hours come from the hourly rollups; the hour since
// cuts into is summed from its events, so the answer is exact and never scans more than one hour.
func (s *Store) rollupRange(tx *bolt.Tx, since *time.Time, agent string, fn rollupFn) {
	agent = keyPartStr(agent) // as in keys and the dictionary
	c := tx.Bucket(bucketRollups).Cursor()
	visit := func(k, v []byte) bool {
		hour, dim, a, value, ok := parseRollupKey(k)
		if !ok {
			return true
		}
		if since == nil && hour != allTime || since != nil && hour == allTime {
			return false
		}
		if agent == "" || a == agent {
			g := decodeAgg(v)
			fn(dim, a, value, &g)
		}
		return true
	}
	if since == nil {
		for k, v := c.Seek(u64(allTime)); k != nil && visit(k, v); k, v = c.Next() {
		}
		return
	}
	lo := max(since.Unix(), 0)
	fullFrom := s.fullHoursFrom(lo)
	s.eachBrief(tx, bucketByCreated, lo, fullFrom*3600, func(b *brief) {
		if agent != "" && b.agent != agent {
			return
		}
		for _, d := range b.dims() {
			fn(d.dim, b.agent, d.value, &b.agg)
		}
	})
	for k, v := c.Seek(u64(uint64(fullFrom))); k != nil && visit(k, v); k, v = c.Next() {
	}
}

// fullHoursFrom is the first hour whose rollup a range starting at lo sums whole; the events of
// [lo, that hour) are summed one by one. Before the retention cutoff those events are gone, and
// the whole hour lo falls in is taken from its rollup instead.
func (s *Store) fullHoursFrom(lo int64) int64 {
	if lo < s.retainedFrom.Load() {
		return lo / 3600
	}
	return (lo + 3599) / 3600
}

// eachBrief calls fn for the events whose time key in bucket (by_created or by_ts) is in
// [lo, hi), from the briefs stored with the keys.
func (s *Store) eachBrief(tx *bolt.Tx, bucket []byte, lo, hi int64, fn func(b *brief)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := tx.Bucket(bucket).Cursor()
	for k, v := c.Seek(u64(uint64(lo))); k != nil && len(k) == 16; k, v = c.Next() {
		if int64(binary.BigEndian.Uint64(k)) >= hi {
			return
		}
		if b, ok := decodeBrief(v, s.dict.name); ok {
			fn(&b)
		}
	}
}

// StatsFilter narrows the event-derived numbers of Stats, Tools and Cost.
type StatsFilter struct {
	AgentType string
	Since     *time.Time
	Never     bool // an unparseable since: no event matches
	Limit     int  // Cost's by_project rows; < 0: all
}

// Stats answers GET /api/stats (CONTRACT 8.5); the caller runs the sweep first.
func (s *Store) Stats(f StatsFilter) (contract.Stats, error) {
	st := contract.Stats{
		ToolBreakdown:  map[string]int64{},
		AgentBreakdown: map[string]int64{},
		ModelBreakdown: map[string]int64{},
		Branches:       []string{},
	}
	if !f.Never {
		err := s.view(func(tx *bolt.Tx) error {
			s.rollupRange(tx, f.Since, f.AgentType, func(dim byte, agent, value string, a *agg) {
				switch dim {
				case dimAll:
					st.TotalEvents += a.Events
					st.TotalTokensIn += a.TokensIn
					st.TotalTokensOut += a.TokensOut
					st.TotalCostUSD += a.Cost
					st.AgentBreakdown[agent] += a.Events
				case dimTool:
					st.ToolBreakdown[value] += a.Events
				case dimModel:
					st.ModelBreakdown[value] += a.Events
				}
			})
			return nil
		})
		if err != nil {
			return st, err
		}
		dropZero(st.AgentBreakdown)
		dropZero(st.ToolBreakdown)
		dropZero(st.ModelBreakdown)
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	agents := map[string]bool{}
	for _, rec := range s.sessions {
		st.TotalSessions++
		if rec.Status == contract.SessionActive {
			st.ActiveSessions++
		}
		if rec.Status != contract.SessionEnded {
			st.LiveSessions++
			agents[rec.AgentType] = true
		}
	}
	st.ActiveAgents = int64(len(agents))
	for _, rec := range s.latestPerBranch(true) {
		st.Branches = append(st.Branches, rec.Branch)
	}
	return st, nil
}

// dropZero removes keys whose count reached zero (possible once usage can be subtracted).
func dropZero(m map[string]int64) {
	for k, v := range m {
		if v == 0 {
			delete(m, k)
		}
	}
}

// Tools answers GET /api/stats/tools (CONTRACT 8.6).
func (s *Store) Tools(f StatsFilter) ([]contract.ToolStats, error) {
	out := []contract.ToolStats{}
	if f.Never {
		return out, nil
	}
	sums := map[string]*agg{}
	byAgent := map[string]map[string]int64{}
	err := s.view(func(tx *bolt.Tx) error {
		s.rollupRange(tx, f.Since, f.AgentType, func(dim byte, agent, value string, a *agg) {
			if dim != dimTool {
				return
			}
			if sums[value] == nil {
				sums[value], byAgent[value] = &agg{}, map[string]int64{}
			}
			sums[value].add(a)
			byAgent[value][agent] += a.Events
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for tool, a := range sums {
		if a.Events <= 0 {
			continue
		}
		row := contract.ToolStats{
			ToolName:   tool,
			TotalCalls: a.Events,
			ErrorCount: a.Errors,
			ErrorRate:  roundHalfAway(float64(a.Errors)/float64(a.Events), 4),
			ByAgent:    byAgent[tool],
		}
		dropZero(row.ByAgent)
		if a.DurN > 0 {
			avg := roundHalfAway(float64(a.DurSum)/float64(a.DurN), 0)
			row.AvgDurationMS = &avg
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TotalCalls != out[j].TotalCalls {
			return out[i].TotalCalls > out[j].TotalCalls
		}
		return out[i].ToolName < out[j].ToolName
	})
	return out, nil
}

func roundHalfAway(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Cost answers GET /api/stats/cost (CONTRACT 8.7).
func (s *Store) Cost(f StatsFilter) (contract.Cost, error) {
	out := contract.Cost{Timeline: []contract.CostBucket{}, ByProject: []contract.ProjectCost{}, ByModel: []contract.ModelCost{}}
	if f.Never {
		return out, nil
	}
	hours := map[int64]*agg{}
	sessions := map[string]*agg{}
	models := map[string]*agg{}
	addTo := func(m map[string]*agg, k string, a *agg) {
		if m[k] == nil {
			m[k] = &agg{}
		}
		m[k].add(a)
	}
	err := s.view(func(tx *bolt.Tx) error {
		s.timelineRange(tx, f.Since, f.AgentType, func(hour int64, a *agg) {
			if hours[hour] == nil {
				hours[hour] = &agg{}
			}
			hours[hour].add(a)
		})
		s.rollupRange(tx, f.Since, f.AgentType, func(dim byte, agent, value string, a *agg) {
			switch dim {
			case dimSession:
				addTo(sessions, value, a)
			case dimModel:
				addTo(models, value, a)
			}
		})
		return nil
	})
	if err != nil {
		return out, err
	}
	for hour, a := range hours {
		if a.Events <= 0 {
			continue
		}
		out.Timeline = append(out.Timeline, contract.CostBucket{
			Bucket:  time.Unix(hour*3600, 0).UTC().Format("2006-01-02T15:00:00Z"),
			CostUSD: a.Cost, TokensIn: a.TokensIn, TokensOut: a.TokensOut, EventCount: a.Events,
		})
	}
	sort.Slice(out.Timeline, func(i, j int) bool { return out.Timeline[i].Bucket < out.Timeline[j].Bucket })

	projects := map[string]*contract.ProjectCost{}
	s.mu.RLock()
	for id, a := range sessions {
		if a.PaidEvents <= 0 {
			continue
		}
		project := "unknown"
		if rec, ok := s.sessions[id]; ok && rec.Project != "" {
			project = rec.Project
		}
		p := projects[project]
		if p == nil {
			p = &contract.ProjectCost{Project: project}
			projects[project] = p
		}
		p.CostUSD += a.Cost
		p.SessionCount++
		p.EventCount += a.PaidEvents
	}
	s.mu.RUnlock()
	for _, p := range projects {
		out.ByProject = append(out.ByProject, *p)
	}
	sort.Slice(out.ByProject, func(i, j int) bool {
		if out.ByProject[i].CostUSD != out.ByProject[j].CostUSD {
			return out.ByProject[i].CostUSD > out.ByProject[j].CostUSD
		}
		return out.ByProject[i].Project < out.ByProject[j].Project
	})
	if f.Limit >= 0 && len(out.ByProject) > f.Limit {
		out.ByProject = out.ByProject[:f.Limit]
	}

	for model, a := range models {
		if a.PaidEvents <= 0 {
			continue
		}
		out.ByModel = append(out.ByModel, contract.ModelCost{
			Model: model, CostUSD: a.Cost, EventCount: a.PaidEvents, TokensIn: a.PaidTokensIn, TokensOut: a.PaidTokensOut,
		})
	}
	sort.Slice(out.ByModel, func(i, j int) bool {
		if out.ByModel[i].CostUSD != out.ByModel[j].CostUSD {
			return out.ByModel[i].CostUSD > out.ByModel[j].CostUSD
		}
		return out.ByModel[i].Model < out.ByModel[j].Model
	})
	return out, nil
}

// timelineRange is rollupRange for the cost timeline, whose time is client-or-created.
func (s *Store) timelineRange(tx *bolt.Tx, since *time.Time, agent string, fn func(hour int64, a *agg)) {
	agent = keyPartStr(agent)
	c := tx.Bucket(bucketTimeline).Cursor()
	from := int64(0)
	if since != nil {
		lo := max(since.Unix(), 0)
		from = s.fullHoursFrom(lo)
		partial := func(withClientTime bool) func(b *brief) {
			return func(b *brief) {
				if b.clientTime == withClientTime && (agent == "" || b.agent == agent) {
					fn(from-1, &b.agg)
				}
			}
		}
		s.eachBrief(tx, bucketByTS, lo, from*3600, partial(true))
		s.eachBrief(tx, bucketByCreated, lo, from*3600, partial(false))
	}
	for k, v := c.Seek(u64(uint64(from))); k != nil && len(k) >= 8; k, v = c.Next() {
		if agent != "" && string(k[8:]) != agent {
			continue
		}
		g := decodeAgg(v)
		fn(int64(binary.BigEndian.Uint64(k)), &g)
	}
}

// UsageSince returns, per agent type, the tokens (in + out) and cost of events created at or
// after since (CONTRACT 8.8).
func (s *Store) UsageSince(since time.Time) (tokens map[string]int64, cost map[string]float64, err error) {
	tokens, cost = map[string]int64{}, map[string]float64{}
	err = s.view(func(tx *bolt.Tx) error {
		s.rollupRange(tx, &since, "", func(dim byte, agent, _ string, a *agg) {
			if dim == dimAll {
				tokens[agent] += a.TokensIn + a.TokensOut
				cost[agent] += a.Cost
			}
		})
		return nil
	})
	return tokens, cost, err
}

// FilterOptions answers GET /api/filter-options (CONTRACT 8.12).
func (s *Store) FilterOptions() (contract.FilterOptions, error) {
	fo := contract.FilterOptions{}
	lists, err := s.storedValues(fieldAgent, fieldEventType, fieldTool, fieldModel, fieldSource)
	if err != nil {
		return fo, err
	}
	fo.AgentTypes, fo.EventTypes, fo.ToolNames, fo.Models, fo.Sources = lists[0], lists[1], lists[2], lists[3], lists[4]

	s.mu.RLock()
	defer s.mu.RUnlock()
	projects := map[string]bool{}
	for _, rec := range s.sessions {
		if rec.Project != "" {
			projects[rec.Project] = true
		}
	}
	fo.Projects = make([]string, 0, len(projects))
	for p := range projects {
		fo.Projects = append(fo.Projects, p)
	}
	sort.Strings(fo.Projects)
	recs := s.latestPerBranch(false)
	fo.Branches = make([]contract.BranchOption, 0, len(recs))
	for _, rec := range recs {
		label := rec.Branch
		if rec.Project != "" {
			label = rec.Project + " / " + rec.Branch
		}
		fo.Branches = append(fo.Branches, contract.BranchOption{Value: rec.Branch, Label: label})
	}
	return fo, nil
}

// latestPerBranch returns, for each distinct session branch, the session that had an event last
// (ties: the one stored last), most recent first; HEAD (a detached checkout) only when asked.
// The caller holds s.mu.
func (s *Store) latestPerBranch(withHEAD bool) []*sessionRec {
	latest := map[string]*sessionRec{}
	for _, rec := range s.sessions {
		if rec.Branch == "" || rec.Branch == "HEAD" && !withHEAD {
			continue
		}
		if b := latest[rec.Branch]; b == nil || rec.LastEvent > b.LastEvent ||
			rec.LastEvent == b.LastEvent && rec.Touched > b.Touched {
			latest[rec.Branch] = rec
		}
	}
	recs := make([]*sessionRec, 0, len(latest))
	for _, rec := range latest {
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].LastEvent != recs[j].LastEvent {
			return recs[i].LastEvent > recs[j].LastEvent
		}
		return recs[i].Touched > recs[j].Touched
	})
	return recs
}

// AgentTypes lists the distinct agent types of stored events, sorted.
func (s *Store) AgentTypes() ([]string, error) {
	lists, err := s.storedValues(fieldAgent)
	if err != nil {
		return nil, err
	}
	return lists[0], nil
}

// storedValues lists, per field, the distinct values stored events have, sorted by byte order.
// Every value the dictionary has was stored; the counters tell whether one still is.
func (s *Store) storedValues(fields ...byte) ([][]string, error) {
	s.mu.RLock()
	names := make([][]string, len(fields))
	for i, f := range fields {
		names[i] = slices.Clone(s.dict.names[f])
	}
	s.mu.RUnlock()
	out := make([][]string, len(fields))
	err := s.view(func(tx *bolt.Tx) error {
		counts := tx.Bucket(bucketCounts)
		for i, f := range fields {
			out[i] = []string{}
			for _, v := range names[i] {
				if v != "" && readCount(counts.Get(countKey(f, keyPartStr(v)))) > 0 {
					out[i] = append(out[i], v)
				}
			}
			slices.Sort(out[i])
		}
		return nil
	})
	return out, err
}
