package kv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

func Example() {
	dir, _ := os.MkdirTemp("", "kv-example")
	defer os.RemoveAll(dir)

	store, err := kv.Open(kv.Options{Path: filepath.Join(dir, "agentmonitor.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	// Ingest returns once the events are on disk.
	out, err := store.Ingest(context.Background(), []contract.Input{{
		SessionID: "s1", AgentType: "codex", EventType: "tool_use", ToolName: "Bash",
		Status: contract.StatusSuccess, Source: contract.SourceAPI, Metadata: `{"command":"go test"}`,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	sess, _ := store.Session("s1")
	fmt.Println(out[0].ID, sess.Status, sess.EventCount)
	// Output: 1 active 1
}
