package contract

// Session is the session row of CONTRACT 8.9.
type Session struct {
	ID           string  `json:"id"`
	AgentID      string  `json:"agent_id"`
	AgentType    string  `json:"agent_type"`
	Project      *string `json:"project"`
	Branch       *string `json:"branch"`
	Status       string  `json:"status"`
	StartedAt    string  `json:"started_at"`
	LastEventAt  string  `json:"last_event_at"`
	EndedAt      *string `json:"ended_at"`
	Metadata     string  `json:"metadata"`
	EventCount   int64   `json:"event_count"`
	TokensIn     int64   `json:"tokens_in"`
	TokensOut    int64   `json:"tokens_out"`
	TotalCostUSD float64 `json:"total_cost_usd"`
	FilesEdited  int64   `json:"files_edited"`
	LinesAdded   int64   `json:"lines_added"`
	LinesRemoved int64   `json:"lines_removed"`
}

// Session statuses (CONTRACT 7).
const (
	SessionActive = "active"
	SessionIdle   = "idle"
	SessionEnded  = "ended"
)

// IngestResult is the reply of POST /api/events (Rejected nil) and POST /api/events/batch.
type IngestResult struct {
	Received   int         `json:"received"`
	IDs        []int64     `json:"ids"`
	Duplicates int         `json:"duplicates"`
	Rejected   *[]Rejected `json:"rejected,omitempty"`
}

// Rejected is one invalid item of a batch.
type Rejected struct {
	Index  int      `json:"index"`
	Errors []string `json:"errors"`
}

// Stats is the reply of GET /api/stats (CONTRACT 8.5).
type Stats struct {
	TotalEvents    int64            `json:"total_events"`
	ActiveSessions int64            `json:"active_sessions"`
	TotalSessions  int64            `json:"total_sessions"`
	LiveSessions   int64            `json:"live_sessions"`
	ActiveAgents   int64            `json:"active_agents"`
	TotalTokensIn  int64            `json:"total_tokens_in"`
	TotalTokensOut int64            `json:"total_tokens_out"`
	TotalCostUSD   float64          `json:"total_cost_usd"`
	ToolBreakdown  map[string]int64 `json:"tool_breakdown"`
	AgentBreakdown map[string]int64 `json:"agent_breakdown"`
	ModelBreakdown map[string]int64 `json:"model_breakdown"`
	Branches       []string         `json:"branches"`
}

// ToolStats is one row of GET /api/stats/tools (CONTRACT 8.6).
type ToolStats struct {
	ToolName      string           `json:"tool_name"`
	TotalCalls    int64            `json:"total_calls"`
	ErrorCount    int64            `json:"error_count"`
	ErrorRate     float64          `json:"error_rate"`
	AvgDurationMS *float64         `json:"avg_duration_ms"`
	ByAgent       map[string]int64 `json:"by_agent"`
}

// Cost is the reply of GET /api/stats/cost (CONTRACT 8.7).
type Cost struct {
	Timeline  []CostBucket  `json:"timeline"`
	ByProject []ProjectCost `json:"by_project"`
	ByModel   []ModelCost   `json:"by_model"`
}

// CostBucket is one hour of the cost timeline.
type CostBucket struct {
	Bucket     string  `json:"bucket"`
	CostUSD    float64 `json:"cost_usd"`
	TokensIn   int64   `json:"tokens_in"`
	TokensOut  int64   `json:"tokens_out"`
	EventCount int64   `json:"event_count"`
}

// ProjectCost is one project's cost.
type ProjectCost struct {
	Project      string  `json:"project"`
	CostUSD      float64 `json:"cost_usd"`
	SessionCount int64   `json:"session_count"`
	EventCount   int64   `json:"event_count"`
}

// ModelCost is one model's cost.
type ModelCost struct {
	Model      string  `json:"model"`
	CostUSD    float64 `json:"cost_usd"`
	EventCount int64   `json:"event_count"`
	TokensIn   int64   `json:"tokens_in"`
	TokensOut  int64   `json:"tokens_out"`
}

// Usage is one agent type's row of GET /api/stats/usage-monitor (CONTRACT 8.8).
type Usage struct {
	AgentType string       `json:"agent_type"`
	LimitType string       `json:"limitType"`
	Session   UsageWindow  `json:"session"`
	Extended  *UsageWindow `json:"extended"`
	Weekly    *UsageWindow `json:"weekly"`
}

// UsageWindow is the use of one window against its limit.
type UsageWindow struct {
	Used        float64 `json:"used"`
	Limit       float64 `json:"limit"`
	WindowHours int     `json:"windowHours"`
}

// FilterOptions is the reply of GET /api/filter-options (CONTRACT 8.12).
type FilterOptions struct {
	AgentTypes []string       `json:"agent_types"`
	EventTypes []string       `json:"event_types"`
	ToolNames  []string       `json:"tool_names"`
	Models     []string       `json:"models"`
	Projects   []string       `json:"projects"`
	Branches   []BranchOption `json:"branches"`
	Sources    []string       `json:"sources"`
}

// BranchOption is one branch of the filter options.
type BranchOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// TranscriptEntry is one entry of GET /api/sessions/:id/transcript (CONTRACT 8.11); absent values
// are omitted.
type TranscriptEntry struct {
	Role       string  `json:"role"`
	Type       string  `json:"type"`
	ToolName   string  `json:"tool_name,omitempty"`
	Detail     string  `json:"detail,omitempty"`
	Status     string  `json:"status,omitempty"`
	Model      string  `json:"model,omitempty"`
	TokensIn   int64   `json:"tokens_in,omitempty"`
	TokensOut  int64   `json:"tokens_out,omitempty"`
	CostUSD    float64 `json:"cost_usd,omitempty"`
	DurationMS int64   `json:"duration_ms,omitempty"`
	Timestamp  string  `json:"timestamp"`
}

// Transcript is the reply of GET /api/sessions/:id/transcript.
type Transcript struct {
	SessionID string            `json:"session_id"`
	Entries   []TranscriptEntry `json:"entries"`
}

// Health is the reply of GET /api/health (CONTRACT 8.1, 18.6).
type Health struct {
	Status       string `json:"status"`
	Uptime       int64  `json:"uptime"`
	DBSizeBytes  int64  `json:"db_size_bytes"`
	SSEClients   int64  `json:"sse_clients"`
	EventsStored int64  `json:"events_stored"`
	// EventsIndexed is how many events the search index holds (CONTRACT 18.6); absent when the
	// server runs without one.
	EventsIndexed *int64 `json:"events_indexed,omitempty"`
	Version       string `json:"version"`
}
