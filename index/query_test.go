package index_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/agentmonitor/agentmonitor/index"
)

func TestParse(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		q, err := index.Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			return
		}
		if got := q.String(); got != want {
			t.Errorf("Parse(%q) = %s, want %s", in, got, want)
		}
	}
	f("", "")
	f("  go   test ", "go test")
	f(`"go test ./..."`, `"go test ./..."`)
	f(`-vendor -"generated code"`, `-vendor -"generated code"`)
	f("Command:make PROMPT:fix", "command:make prompt:fix")
	f(`file:"/src/app/main.go" file:main.go`, "file:/src/app/main.go file:main.go")
	f(`tool_name:Bash -agent_type:codex`, "tool_name:Bash -agent_type:codex")
	f(`https://example.com/a?b=c`, `"https://example.com/a?b=c"`)
	f(`10:30`, `"10:30"`)
	f(`prompt:a:b`, `prompt:"a:b"`)
	f(`"" " "`, "")
	f(`"-x"`, `"-x"`)
	f("a\tb\nc", "a b c")
}

func TestParseErrors(t *testing.T) {
	f := func(in, wantMsg string) {
		t.Helper()
		_, err := index.Parse(in)
		var syn *index.SyntaxError
		if !errors.As(err, &syn) {
			t.Errorf("Parse(%q) err = %v, want a SyntaxError", in, err)
			return
		}
		if !strings.Contains(syn.Msg, wantMsg) {
			t.Errorf("Parse(%q) = %q, want it to say %q", in, syn.Msg, wantMsg)
		}
	}
	f(`"go test`, "unterminated quote at character 1")
	f(`login file:"main.go`, "unterminated quote at character 12")
	f(`foo:bar`, `unknown field "foo"`)
	f(`foo:bar`, `quote it: "foo:bar"`)
	f(`C:\src`, `unknown field "C"`)
	f(`-`, "nothing after -")
	f(`a - b`, "nothing after -")
	f(`prompt:`, "nothing after prompt:")
	f(`-prompt: x`, "nothing after prompt:")
	f(`ab"cd"`, "quote inside a word")
	f(`"a"b`, "closing quote must be followed by a space")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "go test", `"a phrase" -word`, `file:"/src/app/main.go"`, "tool_name:Bash",
		`-agent_type:codex`, `"unterminated`, "foo:bar", "https://x.y/z", `prompt:"a:b" -"-x"`, "é ü ß 漢字", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := index.Parse(s)
		if err != nil {
			var syn *index.SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("Parse(%q): %v is not a SyntaxError", s, err)
			}
			return
		}
		again, err := index.Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, q.String(), err)
		}
		if again.String() != q.String() {
			t.Fatalf("round trip of %q: %q then %q", s, q.String(), again.String())
		}
	})
}
