package contract

import "time"

// Input is one validated, normalized event on its way to storage: everything its sender decided.
// The store assigns id and created_at, backfills project and branch from the session, dedups and
// applies the session lifecycle (CONTRACT section 5). Empty strings mean "absent" (JSON null).
//
// The HTTP ingest routes build an Input with ParseEvent; OTLP and the importer build it directly and
// run the metadata through Metadata.
type Input struct {
	EventID   string
	SessionID string
	AgentType string
	EventType string
	ToolName  string
	Status    string // success, error or timeout
	Branch    string
	Project   string
	Model     string
	Source    string // "api" when the sender gave none

	TokensIn         int64
	TokensOut        int64
	CacheReadTokens  int64
	CacheWriteTokens int64
	DurationMS       int64 // 0 is stored as null (CONTRACT 17.11)

	CostUSD    *float64 // nil: no cost (yet); the caller may price it
	CostSource string   // CostClient, CostAuto or ""

	ClientTime time.Time // zero: none; always UTC, millisecond precision

	Metadata         string // stored metadata text: valid JSON, already truncated (section 6)
	PayloadTruncated bool

	// Correlation is the value of the metadata key of this event type's kind (CorrelationKind),
	// read before truncation; "" when there is none (CONTRACT 18.1).
	Correlation string

	// GitBranch is the branch the project's checkout is on, resolved by the caller before the event
	// reaches the writer (CONTRACT 5 step 6); "" when unknown or not looked up.
	GitBranch string
}
