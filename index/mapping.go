package index

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// schemaVersion names the mapping and the way documents are built from rows. An index built with
// another version is rebuilt at Open. Change it with every change to this file or analyze.go.
const schemaVersion = "2"

// Text fields: analyzed into words, with positions for phrases.
const (
	fieldPrompt   = "prompt"
	fieldResponse = "response"
	fieldCommand  = "command"
	fieldFile     = "file"
	fieldError    = "error"
	fieldText     = "text"
)

// textFields are the fields a bare word or phrase is looked for in, and the fragment fields of
// CONTRACT 18.5.
var textFields = []string{fieldPrompt, fieldResponse, fieldCommand, fieldFile, fieldError, fieldText}

// Keyword fields: one exact term each, for the filters (CONTRACT 8.4, 18.5).
const (
	fieldAgentType = "agent_type"
	fieldEventType = "event_type"
	fieldToolName  = "tool_name"
	fieldProject   = "project"
	fieldBranch    = "branch"
	fieldModel     = "model"
	fieldSessionID = "session_id"
	fieldSource    = "source"
)

var filterFields = []string{fieldAgentType, fieldEventType, fieldToolName, fieldProject, fieldBranch,
	fieldModel, fieldSessionID, fieldSource}

const (
	// fieldPath holds a file's full path and its base name as exact terms.
	fieldPath = "path"
	// fieldCreated is created_at in Unix seconds, for since/until.
	fieldCreated = "created_at"
	// fieldOrder is created_at and the id as one fixed-width term with doc values: sorting
	// on it gives CONTRACT 8.4's order (created_at desc, id desc) from one doc value per hit.
	fieldOrder = "order"
)

// metaFields says which metadata keys feed which text field. Other keys are not searched.
var metaFields = map[string]string{
	"message":             fieldPrompt,
	"prompt":              fieldPrompt,
	"custom_instructions": fieldPrompt,
	"content_preview":     fieldResponse,
	"response_preview":    fieldResponse,
	"response":            fieldResponse,
	"content":             fieldResponse,
	"output":              fieldResponse,
	"command":             fieldCommand,
	"file_path":           fieldFile,
	"notebook_path":       fieldFile,
	"path":                fieldFile,
	"error":               fieldError,
	"error_message":       fieldError,
	"pattern":             fieldText,
	"glob":                fieldText,
	"url":                 fieldText,
	"query":               fieldText,
	"description":         fieldText,
	"title":               fieldText,
	"subagent_type":       fieldText,
}

// Indexing options. Nothing is stored: the rows are in bbolt.
const (
	textOptions    = bindex.IndexField | bindex.IncludeTermVectors
	keywordOptions = bindex.IndexField
	sessionOptions = bindex.IndexField | bindex.DocValues // SearchSessions counts hits by session
	timeOptions    = bindex.IndexField
	orderOptions   = bindex.IndexField | bindex.DocValues
)

// newMapping describes the documents for Bleve's index metadata: documents are built by
// buildDocument (Batch.IndexAdvanced skips the mapping), so this mirrors it field by field and
// turns dynamic mapping and the _all field off.
func newMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	m.IndexDynamic, m.StoreDynamic, m.DocValuesDynamic = false, false, false
	m.DefaultAnalyzer = wordsName
	dm := bleve.NewDocumentStaticMapping()
	for _, f := range textFields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer, fm.Store, fm.IncludeInAll, fm.IncludeTermVectors, fm.DocValues = wordsName, false, false, true, false
		dm.AddFieldMappingsAt(f, fm)
	}
	for _, f := range append([]string{fieldPath}, filterFields...) {
		fm := bleve.NewKeywordFieldMapping()
		fm.Store, fm.IncludeInAll, fm.IncludeTermVectors, fm.DocValues = false, false, false, f == fieldSessionID
		dm.AddFieldMappingsAt(f, fm)
	}
	// note: created_at holds whole seconds, not float64 bits like Bleve's numeric fields; see
	// timeRange.
	created := bleve.NewNumericFieldMapping()
	created.Store, created.IncludeInAll, created.DocValues = false, false, false
	dm.AddFieldMappingsAt(fieldCreated, created)
	order := bleve.NewKeywordFieldMapping()
	order.Store, order.IncludeInAll, order.DocValues = false, false, true
	dm.AddFieldMappingsAt(fieldOrder, order)
	m.DefaultMapping = dm
	return m
}

// docID is the Bleve id of event id: indexing an event again replaces its document.
func docID(id uint64) string { return strconv.FormatUint(id, 10) }

// parseDocID reverses docID.
func parseDocID(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// row is the part of a stored event row the index reads.
type row struct {
	SessionID string  `json:"session_id"`
	AgentType string  `json:"agent_type"`
	EventType string  `json:"event_type"`
	ToolName  *string `json:"tool_name"`
	Branch    *string `json:"branch"`
	Project   *string `json:"project"`
	Model     *string `json:"model"`
	Source    string  `json:"source"`
	CreatedAt string  `json:"created_at"`
	Metadata  string  `json:"metadata"`
}

// values are the searchable texts of one event, by text field, in the order found.
type values map[string][]string

// searchable reads the text fields' values from an event's metadata (and its tool name). It is
// shared by indexing and by fragments, so a fragment shows what was indexed.
func searchable(toolName, metadata string) values {
	v := values{}
	if toolName != "" {
		v[fieldText] = append(v[fieldText], toolName)
	}
	if len(metadata) < 2 || metadata[0] != '{' {
		return v
	}
	var md map[string]json.RawMessage
	if json.Unmarshal([]byte(metadata), &md) != nil {
		return v
	}
	for k, raw := range md {
		f, ok := metaFields[k]
		if !ok || len(raw) == 0 {
			continue
		}
		var s string
		switch raw[0] {
		case '"':
			if json.Unmarshal(raw, &s) != nil {
				continue
			}
		case '{', '[':
			s = string(raw) // an error object: its words are still words
		default:
			continue
		}
		if s != "" {
			v[f] = append(v[f], s)
		}
	}
	return v
}

// baseName is the last element of a slash or backslash separated path.
func baseName(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// buildDocument turns one stored row into its Bleve document. A row that cannot be read still
// gives a document (with its id only), so the count of documents is the count of events.
func buildDocument(id uint64, raw []byte) *document.Document {
	doc := document.NewDocument(docID(id))
	var r row
	if json.Unmarshal(raw, &r) != nil {
		return doc
	}
	keywordField := func(name, value string) {
		if value != "" {
			opts := keywordOptions
			if name == fieldSessionID {
				opts = sessionOptions
			}
			doc.AddField(newExactField(name, value, opts))
		}
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	keywordField(fieldSessionID, r.SessionID)
	keywordField(fieldAgentType, r.AgentType)
	keywordField(fieldEventType, r.EventType)
	keywordField(fieldToolName, deref(r.ToolName))
	keywordField(fieldBranch, deref(r.Branch))
	keywordField(fieldProject, deref(r.Project))
	keywordField(fieldModel, deref(r.Model))
	keywordField(fieldSource, r.Source)

	var secs int64
	if t, ok := contract.ParseTime(r.CreatedAt); ok {
		secs = t.Unix()
	}
	doc.AddField(newTimeField(fieldCreated, secs))
	doc.AddField(newExactField(fieldOrder, string(orderKey(secs, id)), orderOptions))

	for field, texts := range searchable(deref(r.ToolName), r.Metadata) {
		for i, s := range texts {
			var pos []uint64
			if len(texts) > 1 {
				pos = []uint64{uint64(i)} // keeps a phrase from spanning two values
			}
			doc.AddField(newWordsField(field, pos, s))
			if field == fieldFile {
				keywordField(fieldPath, s)
				if b := baseName(s); b != s {
					keywordField(fieldPath, b)
				}
			}
		}
	}
	return doc
}

// orderKey is the sort term of fieldOrder: 8 hex digits of created_at and 12 of the id, so byte
// order is (created_at, id) order. note: hex, not binary: Bleve separates doc values with 0xff.
func orderKey(secs int64, id uint64) []byte {
	const digits = "0123456789abcdef"
	b := make([]byte, 20)
	hex := func(to []byte, v uint64) {
		for i := len(to) - 1; i >= 0; i-- {
			to[i] = digits[v&15]
			v >>= 4
		}
	}
	hex(b[:8], uint64(min(max(secs, 0), 1<<32-1)))
	hex(b[8:], id)
	return b
}
