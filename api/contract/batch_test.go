package contract

import (
	"encoding/json"
	"testing"
)

func TestBatchEvents(t *testing.T) {
	f := func(body string, want []string, wantOK bool) {
		t.Helper()
		items, ok := BatchEvents(json.RawMessage(body))
		if ok != wantOK {
			t.Fatalf("%s: ok=%v, want %v", body, ok, wantOK)
		}
		if len(items) != len(want) {
			t.Fatalf("%s: %d items, want %d", body, len(items), len(want))
		}
		for i := range want {
			if string(items[i]) != want[i] {
				t.Errorf("%s: item %d = %s, want %s", body, i, items[i], want[i])
			}
		}
	}
	f(`{"events":[]}`, nil, true)
	f(` { "x" : 1 , "events" : [ {"a":[1,{"b":"]"}]} , 2 , "s" ] } `, []string{`{"a":[1,{"b":"]"}]}`, `2`, `"s"`}, true)
	f(`{"events":[1],"events":[{"k":2}]}`, []string{`{"k":2}`}, true) // the last key wins, as JSON.parse
	f(`{"\u0065vents":[true]}`, []string{`true`}, true)
	f(`{"not_events":[]}`, nil, false)
	f(`{"events":{}}`, nil, false)
	f(`{"events":null}`, nil, false)
	f(`[{"events":[]}]`, nil, false)
	f(`"events"`, nil, false)
	f(``, nil, false)
}

// FuzzBatchEvents checks BatchEvents against encoding/json on any valid JSON.
func FuzzBatchEvents(f *testing.F) {
	for _, s := range []string{`{"events":[{"session_id":"s"},{}]}`, `{"events":[]}`, `{"events":1}`, `[]`, `{"a":{"events":[1]}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !json.Valid([]byte(body)) {
			return
		}
		items, ok := BatchEvents(json.RawMessage(body))
		var want struct {
			Events *[]json.RawMessage `json:"events"`
		}
		err := json.Unmarshal([]byte(body), &want)
		wantOK := err == nil && want.Events != nil
		if ok != wantOK {
			// encoding/json matches keys case-insensitively; the contract's key is exact.
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(body), &m) == nil {
				if _, exact := m["events"]; !exact && !ok {
					return
				}
			}
			t.Fatalf("%q: ok=%v, encoding/json %v (%v)", body, ok, wantOK, err)
		}
		if ok && len(items) != len(*want.Events) {
			t.Fatalf("%q: %d items, want %d", body, len(items), len(*want.Events))
		}
	})
}
