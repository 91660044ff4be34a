package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentmonitor/agentmonitor/api"
)

// spoolLine is one spooled hook event, as agentmonitor hook writes it.
func spoolLine(eventID, session string) string {
	b, _ := json.Marshal(map[string]any{
		"event_id": eventID, "session_id": session, "agent_type": "claude_code", "event_type": "response",
		"status": "success", "source": "hook", "client_timestamp": "2026-02-18T15:04:05.123Z",
		"metadata": map[string]any{"hook_event": "Stop"},
	})
	return string(b) + "\n"
}

// storedIDs returns the event_ids stored for session, sorted, duplicates kept.
func storedIDs(h *harness, session string) []string {
	var ids []string
	for _, e := range h.events("limit=-1&session_id=" + session).Events {
		ids = append(ids, str(e.EventID))
	}
	slices.Sort(ids)
	return ids
}

func gone(path string) bool {
	_, err := os.Stat(path)
	return os.IsNotExist(err)
}

// TestSpoolDrain: at start the server drains a .draining file left by an interrupted drain, then
// the spool; lines stored before are duplicates, malformed lines are skipped, and both files go.
func TestSpoolDrain(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool.jsonl")
	os.WriteFile(spool+".draining", []byte(spoolLine("hook-c", "sp")+spoolLine("hook-a", "sp")), 0o600)
	os.WriteFile(spool, []byte(strings.Join([]string{
		spoolLine("hook-a", "sp"),
		"{not json\n",
		`{"event_id":"hook-x","agent_type":"claude_code","event_type":"response"}` + "\n", // no session_id
		"\n",
		spoolLine("hook-b", "sp"),
		"   " + strings.Repeat("x", 2<<20) + "\n", // longer than an event may be
		spoolLine("hook-a", "sp"),
		strings.TrimSuffix(spoolLine("hook-d", "sp"), "\n"), // last line without its newline
	}, "")), 0o600)

	api.SetSpoolGrace(t, 50*time.Millisecond)
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) { c.SpoolPath = spool }))
	want := []string{"hook-a", "hook-b", "hook-c", "hook-d"}
	eventually(t, waitLong, "spooled events stored", func() bool {
		return slices.Equal(storedIDs(h, "sp"), want) && gone(spool) && gone(spool+".draining")
	})
	for _, e := range h.events("limit=-1&session_id=sp").Events {
		if e.Source != "hook" || e.AgentType != "claude_code" || str(e.ClientTimestamp) != "2026-02-18T15:04:05.123Z" {
			t.Errorf("stored %+v", e)
		}
	}
}

// TestSpoolDrainTakesLateWriters: a hook that opened the spool before the drain renamed it, and
// one that starts a new spool during the drain, both get their events stored.
func TestSpoolDrainTakesLateWriters(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool.jsonl")
	early, err := os.OpenFile(spool, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	early.WriteString(spoolLine("hook-1", "late"))

	api.SetSpoolGrace(t, time.Second)
	h := newHarness(t, withRun(), withConfig(func(c *api.Config) { c.SpoolPath = spool }))
	eventually(t, waitLong, "the spool renamed", func() bool { return gone(spool) })
	if _, err := early.WriteString(spoolLine("hook-2", "late")); err != nil { // into the renamed file
		t.Fatal(err)
	}
	os.WriteFile(spool, []byte(spoolLine("hook-3", "late")), 0o600) // a new spool
	eventually(t, waitLong, "late events stored", func() bool {
		return slices.Equal(storedIDs(h, "late"), []string{"hook-1", "hook-2", "hook-3"}) &&
			gone(spool) && gone(spool+".draining")
	})
}
