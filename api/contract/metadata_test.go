package contract

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMetadata(t *testing.T) {
	emoji := strings.Repeat("😀", 1200)
	longCmd := strings.Repeat("a", 2000)
	tests := []struct {
		name      string
		raw       string // "" is absent
		max       int
		want      string
		truncated bool
	}{
		{"absent", "", 10240, "{}", false},
		{"null", "null", 10240, "{}", false},
		{"padded null", " null ", 10240, "{}", false},
		{"M 0", `{"a":1}`, 0, "{}", true},
		{"M 1", `{"a":1}`, 1, "{}", true},
		{"M 1 absent", "", 1, "{}", true},
		{"M negative", `1`, -5, "{}", true},
		{"M 2 absent", "", 2, "{}", false},
		{"M 2 empty object", "{}", 2, "{}", false},
		{"object", `{"command":"ls -la","n":1.0}`, 10240, `{"command":"ls -la","n":1}`, false},
		{"key order kept", `{"z":1,"a":2,"m":3}`, 10240, `{"z":1,"a":2,"m":3}`, false},
		{"html", `{"m":"\u003cb\u003e \u0026 <i>"}`, 10240, `{"m":"<b> & <i>"}`, false},
		{"string", `"hello"`, 10240, `"hello"`, false},
		{"array", `[1, "a", {"b": null}]`, 10240, `[1,"a",{"b":null}]`, false},
		{"number", `1e3`, 10240, `1000`, false},
		{"false", `false`, 10240, `false`, false},
		{"exactly M", `{"a":"xxxx"}`, 12, `{"a":"xxxx"}`, false},
		{"one over M", `{"a":"xxxxx"}`, 12, `{}`, true},

		{"emoji example (#55)", `{"command":"pnpm test","blob":"` + emoji + `"}`, 1024,
			`{"_truncated":true,"_original_bytes":4833,"command":"pnpm test"}`, true},
		{"counted after re-serialization", `{ "command" : "pnpm test" , "blob" : "` + emoji + `" }`, 1024,
			`{"_truncated":true,"_original_bytes":4833,"command":"pnpm test"}`, true},
		{"escapes counted as stored", `{"blob":"` + strings.Repeat(`\u00e9`, 600) + `"}`, 1024,
			`{"_truncated":true,"_original_bytes":1211}`, true},
		{"summary keys in list order", `{"type":"t","zz":"` + emoji + `","path":"/p","command":{"argv":["a",1.0]},"message":"m","error":null,"x":1}`, 1024,
			`{"_truncated":true,"_original_bytes":4892,"command":{"argv":["a",1]},"error":null,"message":"m","path":"/p","type":"t"}`, true},
		{"summary has every listed key", `{"command":"c","file_path":"f","query":"q","pattern":"p","error":"e","message":"m","tool_name":"t","path":"pa","type":"ty","blob":"` + strings.Repeat("x", 300) + `"}`, 256,
			`{"_truncated":true,"_original_bytes":433,"command":"c","file_path":"f","query":"q","pattern":"p","error":"e","message":"m","tool_name":"t","path":"pa","type":"ty"}`, true},
		{"summary uses last duplicate", `{"command":"old","command":"new","blob":"` + emoji + `"}`, 1024,
			`{"_truncated":true,"_original_bytes":4827,"command":"new"}`, true},
		{"summary too big falls back", `{"command":"` + longCmd + `"}`, 1024,
			`{"_truncated":true,"_original_bytes":2014}`, true},
		{"fallback too big too", `{"command":"` + longCmd + `"}`, 40, `{}`, true},
		{"array truncated", `["` + emoji + `"]`, 1024, `{"_truncated":true,"_original_bytes":4804}`, true},
		{"string truncated", `"` + emoji + `"`, 1024, `{"_truncated":true,"_original_bytes":4802}`, true},
		{"string over tiny M", `"abc"`, 4, `{}`, true},
		{"number over tiny M", `12345`, 4, `{}`, true},
		{"nested keys not summarized", `{"x":{"command":"c"},"blob":"` + emoji + `"}`, 1024,
			`{"_truncated":true,"_original_bytes":4831}`, true},
		{"invalid is absent", `{"a":`, 10240, `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var raw json.RawMessage
			if tc.raw != "" {
				raw = json.RawMessage(tc.raw)
			}
			got, truncated := Metadata(raw, tc.max)
			if got != tc.want || truncated != tc.truncated {
				t.Fatalf("got (%s, %v)\nwant (%s, %v)", got, truncated, tc.want, tc.truncated)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("stored text is not valid JSON")
			}
			if truncated && len(got) > max(tc.max, 2) {
				t.Errorf("truncated text is %d bytes, over M = %d", len(got), tc.max)
			}
		})
	}
}

// Summary fits exactly at M and not at M-1.
func TestMetadataSummaryBoundary(t *testing.T) {
	raw := json.RawMessage(`{"command":"pnpm test","blob":"` + strings.Repeat("😀", 1200) + `"}`)
	summary := `{"_truncated":true,"_original_bytes":4833,"command":"pnpm test"}`
	bare := `{"_truncated":true,"_original_bytes":4833}`
	for _, tc := range []struct {
		max  int
		want string
	}{
		{len(summary), summary},
		{len(summary) - 1, bare},
		{len(bare), bare},
		{len(bare) - 1, "{}"},
		{2, "{}"},
	} {
		if got, tr := Metadata(raw, tc.max); got != tc.want || !tr {
			t.Errorf("M=%d: got (%s, %v), want %s", tc.max, got, tr, tc.want)
		}
	}
}

// A PostToolUse-sized payload: 4 KiB of command output with escapes and non-ASCII, kept whole (M = 10 KiB).
func BenchmarkMetadata(b *testing.B) {
	out := strings.Repeat(`ok\tgithub.com/example/pkg\t0.012s (caf\u00e9 ✓)\n`, 80)
	raw := json.RawMessage(`{"tool_use_id":"toolu_01","command":"go test ./...","output":"` + out + `","exit_code":0}`)
	if text, _ := Metadata(raw, 10240); len(text) < 3500 {
		b.Fatalf("bad benchmark input: %d bytes stored", len(text))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, truncated := Metadata(raw, 10240); truncated {
			b.Fatal("truncated")
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"plain", "a\"b\\c\nd\te\r\x01\x1f", "<>&", "naïve ☃", "bad \xff utf8"} {
		b := AppendString(nil, s)
		text, _ := Metadata(b, 1<<20)
		var got string
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatalf("%q → %s → %s: %v", s, b, text, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("round trip %q → %s → %q", s, b, got)
		}
	}
}
