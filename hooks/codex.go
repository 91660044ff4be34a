package hooks

import (
	"fmt"
	"strings"
)

// CodexSnippet returns the ~/.codex/config.toml block that makes Codex export its OpenTelemetry log
// events to the AgentMonitor server at baseURL (e.g. "http://127.0.0.1:3141"): exporter otlp-http
// to <baseURL>/v1/logs, protobuf encoded. With a token it adds the Authorization header the server
// then requires (CONTRACT 18.7).
func CodexSnippet(baseURL, token string) string {
	endpoint := strings.TrimRight(baseURL, "/") + "/v1/logs"
	var b strings.Builder
	b.WriteString("# AgentMonitor: send Codex's OpenTelemetry events to the local monitor.\n")
	b.WriteString("# Merge into ~/.codex/config.toml (the file may hold one [otel] table).\n")
	b.WriteString("[otel]\n")
	b.WriteString("# Prompt text goes to AgentMonitor on this machine only; false keeps it redacted.\n")
	b.WriteString("log_user_prompt = true\n")
	b.WriteString("\n[otel.exporter.\"otlp-http\"]\n")
	fmt.Fprintf(&b, "endpoint = %s\n", tomlString(endpoint))
	b.WriteString("protocol = \"binary\"\n")
	if token != "" {
		fmt.Fprintf(&b, "\n[otel.exporter.\"otlp-http\".headers]\nAuthorization = %s\n", tomlString("Bearer "+token))
	}
	return b.String()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
