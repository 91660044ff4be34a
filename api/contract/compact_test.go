package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestCompactJSON(t *testing.T) {
	many := func(dup bool) (in, want string) {
		var b, w strings.Builder
		b.WriteString("{")
		w.WriteString("{")
		for i := range 40 {
			if i > 0 {
				b.WriteString(",")
				w.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
			v := i
			if dup && i == 3 {
				v = 99
			}
			fmt.Fprintf(&w, `"k%d":%d`, i, v)
		}
		if dup {
			b.WriteString(`,"k3":99`)
		}
		return b.String() + "}", w.String() + "}"
	}
	manyIn, manyWant := many(false)
	dupIn, dupWant := many(true)
	tests := []struct{ name, in, want string }{
		{"whitespace", " { \"a\" : 1 ,\n\t\"b\" : [ 1 , 2 , { } , [ ] ] } ", `{"a":1,"b":[1,2,{},[]]}`},
		{"key order", `{"b":1,"a":2,"10":3,"2":4}`, `{"b":1,"a":2,"10":3,"2":4}`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
		{"scalar string", `"hello"`, `"hello"`},
		{"scalar number", ` 42 `, `42`},

		{"int", `123`, `123`},
		{"negative int", `-123`, `-123`},
		{"zero", `0`, `0`},
		{"negative zero", `-0`, `0`},
		{"negative zero float", `-0.0e5`, `0`},
		{"one point zero", `1.0`, `1`},
		{"exp", `1e3`, `1000`},
		{"exp upper", `1E+2`, `100`},
		{"trailing zero", `1.50`, `1.5`},
		{"fraction", `123.456`, `123.456`},
		{"tenth", `0.1`, `0.1`},
		{"small plain", `0.000001`, `0.000001`},
		{"small plain exp", `1e-6`, `0.000001`},
		{"small exp", `1e-7`, `1e-7`},
		{"small exp digits", `1.5e-7`, `1.5e-7`},
		{"negative small exp", `-1.25e-10`, `-1.25e-10`},
		{"1e20", `1e20`, `100000000000000000000`},
		{"1e21", `1e21`, `1e+21`},
		{"big exp digits", `123456789012345678901234`, `1.2345678901234569e+23`},
		{"20 digits", `12345678901234567890`, `12345678901234567000`},
		{"16 digits", `9007199254740993`, `9007199254740992`},
		{"15 digits", `999999999999999`, `999999999999999`},
		{"max", `1.7976931348623157e308`, `1.7976931348623157e+308`},
		{"min subnormal", `5e-324`, `5e-324`},
		{"underflow", `1e-400`, `0`},
		{"overflow", `1e400`, `null`},
		{"negative overflow", `[-1e400]`, `[null]`},
		{"long fraction", `0.30000000000000004`, `0.30000000000000004`},
		{"rounded fraction", `0.1000000000000000055511151231257827`, `0.1`},

		{"html not escaped", `"\u003c\u003e\u0026 <>&"`, `"<>& <>&"`},
		{"solidus", `"a\/b"`, `"a/b"`},
		{"short escapes", `"\"\\\b\f\n\r\t"`, `"\"\\\b\f\n\r\t"`},
		{"control escapes", `"\u0000\u001F\u0008\u000C\u000a\u007f"`, `"\u0000\u001f\b\f\n` + "\x7f" + `"`},
		{"escaped quote and backslash", `"\u0022\u005c"`, `"\"\\"`},
		{"non-ascii escapes", `"\u00e9\u4E2D"`, `"é中"`},
		{"non-ascii literal", `"é中😀"`, `"é中😀"`},
		{"surrogate pair", `"\ud83d\ude00"`, `"😀"`},
		{"surrogate pair upper", `"\uD83D\uDE00"`, `"😀"`},
		{"lone high", `"\ud800"`, `"\ud800"`},
		{"lone high then text", `"\uD83Dx"`, `"\ud83dx"`},
		{"high then non-low escape", `"\ud83d\u0041"`, `"\ud83dA"`},
		{"high then high", `"\ud83d\ud83d\ude00"`, `"\ud83d😀"`},
		{"lone low", `"\udc00\ud800"`, `"\udc00\ud800"`},
		{"line separators stay", `"\u2028\u2029"`, "\"\u2028\u2029\""},
		{"replacement char literal", "\"\uFFFD\"", "\"\uFFFD\""},
		{"invalid byte", "\"a\xffb\"", "\"a\uFFFDb\""},
		{"truncated sequence is one replacement", "\"\xe2\x82a\"", "\"\uFFFDa\""},
		{"encoded surrogate is three", "\"\xed\xa0\x80\"", "\"\uFFFD\uFFFD\uFFFD\""},
		{"overlong", "\"\xc0\xaf\"", "\"\uFFFD\uFFFD\""},
		{"cut four-byte", "\"\xf0\x9f\x98\"", "\"\uFFFD\""},

		{"duplicate keys", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"duplicate escaped key", `{"a":1,"\u0061":2}`, `{"a":2}`},
		{"nested duplicates", `{"x":{"a":1,"a":{"b":1,"c":0,"b":2}},"y":[{"k":1,"k":2}]}`, `{"x":{"a":{"b":2,"c":0}},"y":[{"k":2}]}`},
		{"many keys", manyIn, manyWant},
		{"many keys with duplicate", dupIn, dupWant},
		{"empty key", `{"":1,"":2}`, `{"":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CompactJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON")
			}
			again, err := CompactJSON(got)
			if err != nil || string(again) != string(got) {
				t.Errorf("not idempotent: %s, %v", again, err)
			}
		})
	}
}

func TestCompactJSONInvalid(t *testing.T) {
	bad := []string{
		"", "  ", "{", "}", "[", "[1,]", "[,1]", `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":}`, `{a:1}`, `{'a':1}`,
		"01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "tru", "nul", "fals", "True",
		`"a`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\tb\"", "\"a\nb\"", `"\`, "1 2", `{} {}`, `[1 2]`, `{"a":1 "b":2}`,
		"\ufeff{}", `["a",]`, `{"a":1}}`, "[]]",
	}
	for _, s := range bad {
		t.Run(s, func(t *testing.T) {
			if json.Valid([]byte(s)) {
				t.Fatalf("test case %q is valid JSON", s)
			}
			if got, err := CompactJSON([]byte(s)); !errors.Is(err, ErrInvalidJSON) {
				t.Errorf("got %q, %v", got, err)
			}
			if valid([]byte(s)) {
				t.Error("valid() accepted it")
			}
		})
	}
}

// The nesting limit is encoding/json's: 10000 levels pass, 10001 fail, for both scanners.
func TestNestingLimit(t *testing.T) {
	for _, depth := range []int{maxDepth, maxDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			closing := "]"
			if open != "[" {
				closing = "}"
			}
			in := []byte(strings.Repeat(open, depth) + "1" + strings.Repeat(closing, depth))
			want := json.Valid(in)
			if want != (depth <= maxDepth) {
				t.Fatalf("json.Valid at depth %d = %v", depth, want)
			}
			if got := valid(in); got != want {
				t.Errorf("valid(%s × %d) = %v", open, depth, got)
			}
			out, err := CompactJSON(in)
			if (err == nil) != want {
				t.Errorf("CompactJSON(%s × %d) error %v", open, depth, err)
			}
			if err == nil && string(out) != string(in) {
				t.Errorf("CompactJSON changed a compact text")
			}
		}
	}
}

// testdata/compact_js.json holds [input, JSON.stringify(JSON.parse(input))] pairs computed by
// Node.js v20: random values (numbers of every shape, escapes, surrogates, repeated keys) and edge
// cases. CompactJSON must give JavaScript's text byte for byte. (Keys that are array indexes, which
// JavaScript moves first, are deliberately absent: the contract keeps input order.)
func TestCompactJSONMatchesJavaScript(t *testing.T) {
	data, err := os.ReadFile("testdata/compact_js.json")
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]string
	if err := json.Unmarshal(data, &pairs); err != nil {
		t.Fatal(err)
	}
	for i, p := range pairs {
		got, err := CompactJSON([]byte(p[0]))
		if err != nil || string(got) != p[1] {
			t.Errorf("case %d %s:\n got  %s (%v)\n want %s", i, p[0], got, err, p[1])
		}
	}
}
