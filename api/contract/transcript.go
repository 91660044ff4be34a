package contract

import (
	"encoding/json"
	"strconv"
)

// NewTranscriptEntry turns an event row into its transcript entry (CONTRACT 8.11).
func NewTranscriptEntry(e *Event) TranscriptEntry {
	t := TranscriptEntry{Type: e.EventType, Status: e.Status, Timestamp: e.CreatedAt}
	switch e.EventType {
	case "session_start", "session_end":
		t.Role = "system"
	case "user_prompt":
		t.Role = "user"
	case "tool_use":
		t.Role = "tool"
	default:
		t.Role = "assistant"
	}
	if t.Status == StatusSuccess {
		t.Status = ""
	}
	if e.ToolName != nil {
		t.ToolName = *e.ToolName
	}
	if e.Model != nil {
		t.Model = *e.Model
	}
	t.TokensIn = max(e.TokensIn, 0)
	t.TokensOut = max(e.TokensOut, 0)
	if e.CostUSD != nil && *e.CostUSD > 0 {
		t.CostUSD = *e.CostUSD
	}
	if e.DurationMS != nil {
		t.DurationMS = *e.DurationMS
	}
	if e.ClientTimestamp != nil {
		t.Timestamp = *e.ClientTimestamp
	}
	t.Detail = transcriptDetail(e.EventType, e.Metadata)
	return t
}

// transcriptDetail picks the first non-empty of the metadata keys CONTRACT 8.11 lists.
func transcriptDetail(eventType, metadata string) string {
	var meta map[string]json.RawMessage
	if json.Unmarshal([]byte(metadata), &meta) != nil {
		return ""
	}
	keys := []string{"content_preview", "command", "file_path", "pattern", "query", "error", "diff_preview"}
	if eventType == "user_prompt" {
		keys = append([]string{"message"}, keys...)
	}
	for _, k := range keys {
		v, ok := meta[k]
		if !ok {
			continue
		}
		if k == "error" {
			var obj struct {
				Message json.RawMessage `json:"message"`
			}
			if json.Unmarshal(v, &obj) == nil && obj.Message != nil {
				v = obj.Message
			}
		}
		if d := scalarText(v); d != "" {
			return d
		}
	}
	return ""
}

// scalarText is the detail a metadata value gives, as upstream's `a || b || …` chain did: a
// string's text, a non-zero number's literal, "true"; "" for falsy values, objects and arrays.
func scalarText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var f float64
	if json.Unmarshal(v, &f) == nil && f != 0 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if string(v) == "true" {
		return "true"
	}
	return ""
}
