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

	// Series, for a point of a cumulative OTLP metric, names its series (CONTRACT 11.3, 18.4:
	// session, agent type, metric name, model, token type and start time). The store keeps each
	// series' last value in the file, in the same transaction as the events: it stores this event
	// with the increase since that value put into SeriesField, or nothing when there was no
	// increase. Empty for every other event.
	Series      string
	SeriesValue float64
	SeriesField string // SeriesTokensIn, SeriesTokensOut, SeriesCacheRead, SeriesCacheWrite or SeriesCost

	// MetricUsage marks tokens or cost derived from Claude Code's token.usage / cost.usage metrics,
	// which the session's api_request log events supersede (CONTRACT 18.1).
	MetricUsage bool
	// LogUsage marks a claude_code.api_request log event that carries usage (CONTRACT 18.12).
	LogUsage bool
}

// Fields a cumulative series' increase can go to.
const (
	SeriesTokensIn   = "tokens_in"
	SeriesTokensOut  = "tokens_out"
	SeriesCacheRead  = "cache_read_tokens"
	SeriesCacheWrite = "cache_write_tokens"
	SeriesCost       = "cost_usd"
)
