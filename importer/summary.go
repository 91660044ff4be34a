package importer

import "github.com/agentmonitor/agentmonitor/api/contract"

// maxProblems bounds the problems a summary lists (all are counted).
const maxProblems = 100

// Summary is what one run did; its JSON is the output of `agentmonitor import --json` and the
// answer of POST /api/import. In a dry run "imported" means found: nothing is stored.
type Summary struct {
	FilesScanned     int            `json:"files_scanned"` // files discovered
	FilesSkipped     int            `json:"files_skipped"` // unchanged since the last run: not read
	FilesFailed      int            `json:"files_failed"`  // unreadable
	BytesRead        int64          `json:"bytes_read"`
	EventsFound      int            `json:"events_found"`
	EventsImported   int            `json:"events_imported"`
	Duplicates       int            `json:"duplicates"` // found but already stored
	EventsByType     map[string]int `json:"events_by_type"`
	MalformedLines   int            `json:"malformed_lines"`
	OversizedLines   int            `json:"oversized_lines"`
	TokensIn         int64          `json:"tokens_in"`
	TokensOut        int64          `json:"tokens_out"`
	CacheReadTokens  int64          `json:"cache_read_tokens"`
	CacheWriteTokens int64          `json:"cache_write_tokens"`
	CostUSD          float64        `json:"cost_usd"`
	DurationMS       int64          `json:"duration_ms"`
	DryRun           bool           `json:"dry_run,omitempty"`
	Problems         []Problem      `json:"problems,omitempty"` // the first 100
}

// Problem is a file or line the run skipped.
type Problem struct {
	File   string `json:"file"`
	Line   int64  `json:"line,omitempty"` // 1-based physical line; 0: the whole file
	Reason string `json:"reason"`
}

// count adds an imported (or, in a dry run, found) event to the totals.
func (s *Summary) count(in *contract.Input) {
	s.EventsImported++
	s.EventsByType[in.EventType]++
	s.TokensIn += in.TokensIn
	s.TokensOut += in.TokensOut
	s.CacheReadTokens += in.CacheReadTokens
	s.CacheWriteTokens += in.CacheWriteTokens
	if in.CostUSD != nil {
		s.CostUSD += *in.CostUSD
	}
}
