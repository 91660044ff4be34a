// Package index keeps the search index of AgentMonitor: a Bleve index derived from the bbolt file,
// which stays the only source of truth. The index can always be thrown away and rebuilt from it.
//
// # Tailing
//
// The index lives beside the database, in "<db path>.index/". Run tails the store's event log
// from a cursor and feeds Bleve in batches, off the ingest path: the store's OnCommit only calls
// Notify, which never blocks, and a timer catches events nobody announced (the importer's quiet
// ingest). Each batch carries the cursor of its last event as Bleve internal data, so documents
// and cursor reach the disk together; a crash replays at most one batch, and since a document's
// id is its event's id, a replay replaces documents instead of adding copies.
//
// Indexing shares the machine with ingest, so it yields: it waits for a pause in commits (Delay,
// at most MaxDelay), then indexes one batch at a time with a rest as long as each batch took, at
// most half a core. A long backlog (a rebuild, a restart after much ingest) is indexed at full
// speed instead, reading and analyzing the next batch while Bleve writes the current one.
//
// Open checks what it finds: an index that is missing, unreadable, of another schema version,
// built from another database (the db_uuid of CONTRACT 18.10, e.g. after a restore) or ahead of
// the store is replaced by an empty one, and the tailer fills it. Rebuild does the same on demand.
//
// # Mapping
//
// Nothing is stored in Bleve and there is no _all field: a search returns event ids, and the rows
// (and the fragments cut from them at query time) come from bbolt. Documents are built directly
// (Batch.IndexAdvanced) with this package's own field type, which analyzes with one allocation
// per field instead of several per token:
//
//   - prompt, response, command, file, error, text: words (runs of letters and digits, lower
//     case) with positions, for phrases. Metadata keys feed them (message → prompt,
//     content_preview → response, pattern/url/query/description and the tool name → text, …).
//   - path: a file's full path and its base name, as exact terms.
//   - agent_type, event_type, tool_name, project, branch, model, session_id, source: one exact
//     term each; session_id also has doc values, to list the sessions of a search.
//   - created_at: Unix seconds as 9 prefix-coded terms, for since/until.
//   - order: created_at and id in one fixed-width term with doc values, for newest first.
//
// # Searching
//
// Parse reads the query syntax of CONTRACT 18.5 (documented on Query); Search answers a page of
// ids with the total and scores, SearchSessions the sessions with a matching event, and
// Query.Fragments cuts the highlighted passages from a stored row.
package index
