// Package hooks connects coding agents to AgentMonitor without scripts: it maps a Claude Code
// hook's stdin JSON to one contract event (CONTRACT 14, 18.9), appends events the server could not
// take to the spool, and installs or removes AgentMonitor's entries in Claude Code's settings.json.
// It also writes the Codex [otel] block that points Codex at the server.
//
// # Mapping
//
// Map turns one hook input into an Event: agent_type claude_code, source hook, a fresh
// event_id "hook-<uuid v4>" (kept in the spool line, so a drained spool never counts twice), and the
// correlation key of its kind (tool_use_id for a tool call, prompt_id for a prompt) in metadata, so
// a second copy of the same call from any source is a duplicate (CONTRACT 18.1). Only a finished
// tool call (PostToolUse, PostToolUseFailure) is a tool_use and carries tool_name as a field; the
// other tool hooks keep the tool's name in metadata so a call is counted once in tool statistics.
//
// # Spool
//
// AppendSpool adds one event as one line with one write to a file opened with O_APPEND, so hooks
// running at the same moment never interleave their lines. The server renames the spool before it
// reads it and waits longer than any hook lives, so a line is never written into a file that is
// being deleted (see api/spool.go).
//
// # Settings
//
// InstallClaude and UninstallClaude edit settings.json as text: they change only the "hooks" entries
// of the events AgentMonitor handles, add or remove matcher groups of their own, and leave every other
// byte of the file as it was, so an install followed by an uninstall gives back the same bytes.
package hooks
