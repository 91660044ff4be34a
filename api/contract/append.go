package contract

import (
	"encoding/json"
	"math"
	"strconv"
)

// AppendEvent appends the JSON of e, byte for byte what json.Marshal(e) gives, without reflection:
// the store encodes every event it writes, on the single writer's goroutine.
func AppendEvent(b []byte, e *Event) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"event_id":`...)
	b = appendOptString(b, e.EventID)
	b = append(b, `,"schema_version":`...)
	b = strconv.AppendInt(b, int64(e.SchemaVersion), 10)
	b = append(b, `,"session_id":`...)
	b = appendString(b, e.SessionID)
	b = append(b, `,"agent_type":`...)
	b = appendString(b, e.AgentType)
	b = append(b, `,"event_type":`...)
	b = appendString(b, e.EventType)
	b = append(b, `,"tool_name":`...)
	b = appendOptString(b, e.ToolName)
	b = append(b, `,"status":`...)
	b = appendString(b, e.Status)
	b = append(b, `,"tokens_in":`...)
	b = strconv.AppendInt(b, e.TokensIn, 10)
	b = append(b, `,"tokens_out":`...)
	b = strconv.AppendInt(b, e.TokensOut, 10)
	b = append(b, `,"branch":`...)
	b = appendOptString(b, e.Branch)
	b = append(b, `,"project":`...)
	b = appendOptString(b, e.Project)
	b = append(b, `,"duration_ms":`...)
	if e.DurationMS == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *e.DurationMS, 10)
	}
	b = append(b, `,"created_at":`...)
	b = appendString(b, e.CreatedAt)
	b = append(b, `,"client_timestamp":`...)
	b = appendOptString(b, e.ClientTimestamp)
	b = append(b, `,"metadata":`...)
	b = appendString(b, e.Metadata)
	b = append(b, `,"payload_truncated":`...)
	b = strconv.AppendInt(b, int64(e.PayloadTruncated), 10)
	b = append(b, `,"model":`...)
	b = appendOptString(b, e.Model)
	b = append(b, `,"cost_usd":`...)
	if e.CostUSD == nil {
		b = append(b, "null"...)
	} else {
		b = appendFloat(b, *e.CostUSD)
	}
	b = append(b, `,"cache_read_tokens":`...)
	b = strconv.AppendInt(b, e.CacheReadTokens, 10)
	b = append(b, `,"cache_write_tokens":`...)
	b = strconv.AppendInt(b, e.CacheWriteTokens, 10)
	b = append(b, `,"source":`...)
	b = appendString(b, e.Source)
	b = append(b, `,"cost_source":`...)
	b = appendOptString(b, e.CostSource)
	return append(b, '}')
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendString writes s as encoding/json does. Printable ASCII other than the characters it
// escapes is copied; anything else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFloat writes f as encoding/json does (ES6 number formatting); non-finite values, which
// encoding/json refuses, are written as null.
func appendFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
