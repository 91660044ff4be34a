package kv

import (
	"time"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

type eventRow = contract.Event

// sessionRec is a session as stored: the row of CONTRACT 8.9 with times as Unix seconds.
type sessionRec struct {
	ID        string `json:"id"`
	AgentType string `json:"agent_type"`
	Project   string `json:"project,omitempty"`
	Branch    string `json:"branch,omitempty"`
	Status    string `json:"status"`
	Started   int64  `json:"started"`
	LastEvent int64  `json:"last_event"`
	Ended     int64  `json:"ended,omitempty"` // 0: null
	// Touched orders sessions stored at the same second (CONTRACT 8.12 ties go to the later one).
	Touched uint64 `json:"touched"`

	EventCount   int64   `json:"event_count"`
	TokensIn     int64   `json:"tokens_in"`
	TokensOut    int64   `json:"tokens_out"`
	Cost         float64 `json:"cost"`
	FilesEdited  int64   `json:"files_edited"`
	LinesAdded   int64   `json:"lines_added"`
	LinesRemoved int64   `json:"lines_removed"`

	// Dropped counts the events retention deleted; the totals above still include them.
	Dropped int64 `json:"dropped,omitempty"`

	// LogUsage: the session has an api_request log event with usage, so its metric-derived usage
	// no longer counts (CONTRACT 18.1).
	LogUsage bool `json:"log_usage,omitempty"`
}

func (s *sessionRec) row() contract.Session {
	out := contract.Session{
		ID:           s.ID,
		AgentID:      s.AgentType + "-default",
		AgentType:    s.AgentType,
		Project:      strPtr(s.Project),
		Branch:       strPtr(s.Branch),
		Status:       s.Status,
		StartedAt:    serverTime(s.Started),
		LastEventAt:  serverTime(s.LastEvent),
		Metadata:     "{}",
		EventCount:   s.EventCount,
		TokensIn:     s.TokensIn,
		TokensOut:    s.TokensOut,
		TotalCostUSD: s.Cost,
		FilesEdited:  s.FilesEdited,
		LinesAdded:   s.LinesAdded,
		LinesRemoved: s.LinesRemoved,
	}
	if s.Ended != 0 {
		t := serverTime(s.Ended)
		out.EndedAt = &t
	}
	return out
}

// agentRec is the agent record of CONTRACT 13 (not served by the API, kept for parity).
type agentRec struct {
	AgentType    string  `json:"agent_type"`
	Name         *string `json:"name"`
	RegisteredAt string  `json:"registered_at"`
	LastSeenAt   string  `json:"last_seen_at"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func serverTime(sec int64) string {
	return time.Unix(sec, 0).UTC().Format(contract.ServerTimeLayout)
}

func parseServerTime(s string) int64 {
	t, err := time.Parse(contract.ServerTimeLayout, s)
	if err != nil {
		return 0
	}
	return t.Unix()
}

func parseClientTime(s string) (int64, error) {
	t, err := time.Parse(contract.ClientTimeLayout, s)
	if err != nil {
		return 0, err
	}
	return t.Unix(), nil
}
