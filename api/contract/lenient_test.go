package contract

import (
	"encoding/json"
	"testing"
)

// jsonString returns the JSON encoding of s without HTML escaping.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestLenient(t *testing.T) {
	obj := `{"session_id":"s","agent_type":"a","event_type":"tool_use"}`
	double := jsonString(obj)
	triple := jsonString(double)
	tests := []struct {
		name string
		body string
		want string // "" means nil
	}{
		{"object", obj, obj},
		{"padded object", " \r\n\t" + obj + "\n ", obj},
		{"bom and nbsp", "\ufeff\u00a0" + obj + "\u2028", obj},
		{"array", `[1, 2]`, `[1, 2]`},
		{"number", `12`, `12`},
		{"null", `null`, `null`},
		{"string", `"just a string"`, `"just a string"`},
		{"quoted string (#42)", `""just a string""`, `"just a string"`},
		{"empty string value", `""`, `""`},
		{"double-encoded object (#41)", double, obj},
		{"double-encoded array", jsonString(`[{"a":1}]`), `[{"a":1}]`},
		{"double-encoded with padding", jsonString("  " + obj + "\n"), obj},
		{"triple-encoded stays a string", triple, triple},
		{"quoted raw object", `"` + obj + `"`, obj},
		{"twice quoted raw object", `""` + obj + `""`, obj},
		{"quoted then double-encoded", `"` + double + `"`, obj},
		{"thrice quoted raw object", `"""` + obj + `"""`, ""},
		{"string of broken object", `"{bad"`, ""},
		{"string of bracket text", `"[not json"`, ""},
		{"blank", "  \t\n", ""},
		{"empty", "", ""},
		{"plain text", "not json at all", ""},
		{"truncated object", `{"a":`, ""},
		{"lone quote", `"`, ""},
		{"quote and control", "\"\t\"", ""},
		{"html form", `a=1&b=2`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Lenient([]byte(tc.body))
			if tc.want == "" {
				if got != nil {
					t.Fatalf("got %s, want nil", got)
				}
				return
			}
			if string(got) != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("result %s is not valid JSON", got)
			}
		})
	}
	if got := Lenient(nil); got != nil {
		t.Errorf("Lenient(nil) = %s", got)
	}
}

// Lenient then ParseEvent: what the ingest routes do (16.1 #8, 16.2 #41–43).
func TestLenientThenParseEvent(t *testing.T) {
	obj := `{"session_id":"s","agent_type":"a","event_type":"tool_use"}`
	body := []FieldError{fe("body", msgObject)}
	tests := []struct {
		name string
		body string
		errs []FieldError
	}{
		{"double-encoded is accepted", jsonString(obj), nil},
		{"json string is rejected", `"just a string"`, body},
		{"quoted string is rejected", `""just a string""`, body},
		{"array is rejected", `[` + obj + `]`, body},
		{"text is rejected", `hello`, body},
		{"absent body is rejected", ``, body},
		{"triple-encoded is rejected", jsonString(jsonString(obj)), body},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, errs := ParseEvent(Lenient([]byte(tc.body)), 10240)
			if len(errs) != len(tc.errs) || len(errs) > 0 && errs[0] != tc.errs[0] {
				t.Fatalf("errors %v, want %v", errs, tc.errs)
			}
			if errs == nil && in.SessionID != "s" {
				t.Errorf("SessionID %q", in.SessionID)
			}
		})
	}
}

func TestLenientSharesBody(t *testing.T) {
	body := []byte(`  {"a":1}  `)
	got := Lenient(body)
	if &got[0] != &body[2] {
		t.Error("a plain object body was copied")
	}
}
