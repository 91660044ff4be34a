// Package importer turns the agents' own log files — Claude Code transcripts and Codex rollouts —
// into AgentMonitor events, once and exactly, then incrementally as the agents keep writing
// (spec/IMPORT.md section 4, which is normative).
//
// # Reading
//
// Files are found recursively (<claude root>/projects/**/*.jsonl, <codex home>/sessions/**/*.jsonl)
// and read in byte-wise path order, line by line from the offset the last run reached, in a buffer
// that grows to the longest line (up to a cap; longer lines are skipped and counted). Lines are
// walked by a small JSON scanner that decodes only the fields the mapping needs. A malformed line is
// skipped and counted; an unfinished last line is left for the next run.
//
// # Mapping
//
// Claude Code: one user_prompt per typed prompt, one llm_response per API response (its streamed
// lines grouped by message id and request id, usage from the last line), one tool_use per tool
// call (status from its result), one error per API-error line. Codex: session_start, user_prompt,
// one llm_response per grown cumulative token total (deltas), one tool_use per call, session_end.
// Event ids are deterministic (IMPORT.md 4.4) and events carry the correlation keys of CONTRACT
// 18.1, so re-imports and hook or OTLP copies are duplicates.
//
// # State
//
// Per file the store keeps size, mtime, offset, a hash of the first and last 64 KiB of the
// consumed prefix, and the parser state (responses and tool calls still waiting), written in the
// same transaction as the events read up to that offset (kv.Store.IngestImport). An unchanged
// file costs a stat; a grown one is read from its offset; a rewritten one from the start.
package importer
