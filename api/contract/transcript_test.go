package contract

import "testing"

func TestTranscriptDetail(t *testing.T) {
	f := func(eventType, metadata, want string) {
		t.Helper()
		if got := transcriptDetail(eventType, metadata); got != want {
			t.Errorf("%s %s: detail %q, want %q", eventType, metadata, got, want)
		}
	}
	f("user_prompt", `{"message":"hi","command":"ls"}`, "hi")
	f("response", `{"message":"hi","command":"ls"}`, "ls") // message only for prompts
	f("tool_use", `{"command":"","file_path":"a.go"}`, "a.go")
	f("error", `{"error":{"message":"Rate limit"}}`, "Rate limit")
	f("error", `{"error":"boom","diff_preview":"x"}`, "boom")
	f("tool_use", `{"command":0,"pattern":false,"query":null,"diff_preview":"d"}`, "d")
	f("tool_use", `{"command":12}`, "12")
	f("tool_use", `"just text"`, "")
	f("tool_use", `not json`, "")
}
