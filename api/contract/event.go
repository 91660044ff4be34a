// Package contract holds the wire types of AgentMonitor's HTTP API and SSE stream, and the pure
// functions that decode, validate and normalize what clients send (spec/CONTRACT.md sections 2–4, 6).
//
// It imports only the standard library: the WebAssembly dashboard builds from these same types.
package contract

// Event is the event row of CONTRACT section 3: what GET /api/events, GET /api/sessions/:id and the
// SSE "event" message carry. Optional values are pointers so they encode as JSON null.
type Event struct {
	ID               int64    `json:"id"`
	EventID          *string  `json:"event_id"`
	SchemaVersion    int      `json:"schema_version"`
	SessionID        string   `json:"session_id"`
	AgentType        string   `json:"agent_type"`
	EventType        string   `json:"event_type"`
	ToolName         *string  `json:"tool_name"`
	Status           string   `json:"status"`
	TokensIn         int64    `json:"tokens_in"`
	TokensOut        int64    `json:"tokens_out"`
	Branch           *string  `json:"branch"`
	Project          *string  `json:"project"`
	DurationMS       *int64   `json:"duration_ms"`
	CreatedAt        string   `json:"created_at"`
	ClientTimestamp  *string  `json:"client_timestamp"`
	Metadata         string   `json:"metadata"`
	PayloadTruncated int      `json:"payload_truncated"`
	Model            *string  `json:"model"`
	CostUSD          *float64 `json:"cost_usd"`
	CacheReadTokens  int64    `json:"cache_read_tokens"`
	CacheWriteTokens int64    `json:"cache_write_tokens"`
	Source           string   `json:"source"`
	// CostSource is "client", "auto" or null (CONTRACT 18.2).
	CostSource *string `json:"cost_source"`
}

// Event types, in the order the validation message lists them (CONTRACT 4.1).
var EventTypes = []string{
	"tool_use", "session_start", "session_end", "error", "llm_request", "llm_response",
	"response", "file_change", "git_commit", "plan_step", "user_prompt",
}

// Statuses an event may have.
const (
	StatusSuccess = "success"
	StatusError   = "error"
	StatusTimeout = "timeout"
)

// Sources named by the contract; any other string is accepted too.
const (
	SourceAPI    = "api"
	SourceHook   = "hook"
	SourceOTel   = "otel"
	SourceImport = "import"
)

// Cost sources (CONTRACT 18.2).
const (
	CostClient = "client"
	CostAuto   = "auto"
)

// Correlation key kinds (CONTRACT 18.1, 18.12): the metadata key that identifies one real tool call,
// prompt or API call, whichever source reported it.
const (
	KeyToolUse = "tool_use_id"
	KeyPrompt  = "prompt_id"
	KeyRequest = "request_id"
)

// CorrelationKind returns the metadata key that correlates events of eventType, or "" when that
// type has none (CONTRACT 18.12: each event is checked only under the key of its own kind).
func CorrelationKind(eventType string) string {
	switch eventType {
	case "tool_use":
		return KeyToolUse
	case "user_prompt":
		return KeyPrompt
	case "llm_request", "llm_response":
		return KeyRequest
	}
	return ""
}
