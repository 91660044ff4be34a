package kv

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

func TestEventsAfterAndByID(t *testing.T) {
	s := openTest(t, Options{})
	if s.LastID() != 0 {
		t.Fatal("empty store has a last id")
	}
	for range 5 {
		ingest(t, s, ev("s", "codex", "tool_use"))
	}
	var ids []uint64
	last, err := s.EventsAfter(1, 3, func(id uint64, row []byte) error {
		var e contract.Event
		if err := json.Unmarshal(row, &e); err != nil || uint64(e.ID) != id {
			t.Errorf("row of %d: %s", id, row)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil || last != 4 || len(ids) != 3 || ids[0] != 2 {
		t.Fatalf("EventsAfter(1, 3): %v last %d %v", ids, last, err)
	}
	if last, _ := s.EventsAfter(5, 10, func(uint64, []byte) error { return nil }); last != 5 || s.LastID() != 5 {
		t.Errorf("at the end: last %d, LastID %d", last, s.LastID())
	}
	rows, err := s.EventsByID([]uint64{3, 99, 1})
	if err != nil || rows[1] != nil || rows[0] == nil || rows[2] == nil {
		t.Fatalf("EventsByID: %q %v", rows, err)
	}
}

func TestImportStateCommitsWithEvents(t *testing.T) {
	s := openTest(t, Options{})
	in := ev("imp", "codex", "tool_use")
	in.Source = "import"
	out, err := s.IngestImport(context.Background(), []contract.Input{in}, map[string][]byte{"file-a": []byte("offset=10")})
	if err != nil || out[0].ID == 0 {
		t.Fatalf("IngestImport: %+v %v", out, err)
	}
	if got := string(s.ImportState("file-a")); got != "offset=10" {
		t.Errorf("state %q", got)
	}
	if _, err := s.IngestImport(context.Background(), nil, map[string][]byte{"file-a": nil, "file-b": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	_ = s.ImportStates(func(k string, _ []byte) error { keys = append(keys, k); return nil })
	if len(keys) != 1 || keys[0] != "file-b" || s.ImportState("file-a") != nil {
		t.Errorf("after delete: %v", keys)
	}
}
