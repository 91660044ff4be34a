package service

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// trickyEnv holds every character the two formats must escape.
var trickyEnv = []string{
	`AGENTMONITOR_DB_PATH=/home/dev/My Data/agent%monitor.db`,
	`AGENTMONITOR_PORT=3142`,
	`AGENTMONITOR_TOKEN=a"b\c$HOME&<x>'y'`,
}

// unitFile is a parsed systemd unit: section → key → values in order.
type unitFile map[string]map[string][]string

// parseUnit reads a unit file as systemd does for the settings we write: sections, key=value
// lines, # comments.
func parseUnit(t *testing.T, b []byte) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("unit line %d: %q is not key=value in a section", i+1, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// unitWords splits a value into words the way systemd does (systemd.syntax(7) "Quoting"), then
// resolves the %% specifier and, for a command line, $$.
func unitWords(t *testing.T, v string, command bool) []string {
	t.Helper()
	var words []string
	for v = strings.TrimLeft(v, " "); v != ""; v = strings.TrimLeft(v, " ") {
		var w strings.Builder
		if v[0] == '"' {
			i := 1
			for ; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
					switch v[i] {
					case 't':
						w.WriteByte('\t')
					case '"', '\\':
						w.WriteByte(v[i])
					default:
						t.Fatalf("unexpected escape \\%c in %q", v[i], v)
					}
					continue
				}
				w.WriteByte(v[i])
			}
			if i == len(v) {
				t.Fatalf("unterminated quote in %q", v)
			}
			v = v[i+1:]
		} else {
			end := strings.IndexByte(v, ' ')
			if end < 0 {
				end = len(v)
			}
			w.WriteString(v[:end])
			v = v[end:]
		}
		word := w.String()
		if strings.Contains(strings.ReplaceAll(word, "%%", ""), "%") {
			t.Fatalf("word %q holds a bare %% specifier", word)
		}
		word = strings.ReplaceAll(word, "%%", "%")
		if command {
			word = strings.ReplaceAll(word, "$$", "$")
		}
		words = append(words, word)
	}
	return words
}

func TestSystemdUnit(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, `Agent Monitor 100%`, "agentmonitor")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := Systemd(Definition{Executable: exe, Env: trickyEnv, Home: dir})
	u := parseUnit(t, unit)

	one := func(section, key, want string) {
		t.Helper()
		if got := u[section][key]; len(got) != 1 || got[0] != want {
			t.Errorf("[%s] %s = %q, want %q", section, key, got, want)
		}
	}
	one("Service", "Type", "simple")
	one("Service", "Restart", "on-failure")
	one("Service", "WorkingDirectory", "~")
	one("Service", "StandardError", "journal")
	one("Service", "StandardOutput", "journal")
	one("Install", "WantedBy", "default.target")
	if got := unitWords(t, u["Service"]["ExecStart"][0], true); !reflect.DeepEqual(got, []string{exe, "serve"}) {
		t.Errorf("ExecStart words %q, want %q", got, []string{exe, "serve"})
	}
	var env []string
	for _, v := range u["Service"]["Environment"] {
		w := unitWords(t, v, false)
		if len(w) != 1 {
			t.Fatalf("Environment=%s is %d words", v, len(w))
		}
		env = append(env, w[0])
	}
	if !reflect.DeepEqual(env, trickyEnv) {
		t.Errorf("environment read back\n%q\nwant\n%q", env, trickyEnv)
	}

	// systemd's own check of the file, where systemd is installed; a machine without a running
	// manager cannot run it (no runtime directory) and skips it.
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		path := filepath.Join(dir, Unit)
		if err := os.WriteFile(path, unit, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", path).CombinedOutput()
		switch {
		case err == nil:
		case bytes.Contains(out, []byte("Failed to initialize manager")):
			t.Logf("systemd-analyze verify cannot run here: %s", out)
		default:
			t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, unit)
		}
	}
}

// plistValue decodes the next plist value of d, whose start element is se: string, integer, bool,
// array ([]any) or dict (map[string]any); anything else is an error, as for plutil -lint.
func plistValue(d *xml.Decoder, se xml.StartElement) (any, error) {
	switch se.Name.Local {
	case "string", "integer", "key":
		var s string
		if err := d.DecodeElement(&s, &se); err != nil {
			return nil, err
		}
		if se.Name.Local == "integer" {
			return strconv.ParseInt(s, 10, 64)
		}
		return s, nil
	case "true", "false":
		if err := d.Skip(); err != nil {
			return nil, err
		}
		return se.Name.Local == "true", nil
	case "array":
		arr := []any{}
		for {
			tok, err := nextElement(d)
			if err != nil {
				return nil, err
			}
			if tok == nil {
				return arr, nil
			}
			v, err := plistValue(d, *tok)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case "dict":
		m := map[string]any{}
		for {
			tok, err := nextElement(d)
			if err != nil {
				return nil, err
			}
			if tok == nil {
				return m, nil
			}
			if tok.Name.Local != "key" {
				return nil, fmt.Errorf("dict holds <%s> where a <key> belongs", tok.Name.Local)
			}
			var k string
			if err := d.DecodeElement(&k, tok); err != nil {
				return nil, err
			}
			vt, err := nextElement(d)
			if err != nil || vt == nil {
				return nil, fmt.Errorf("key %q has no value", k)
			}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("key %q twice", k)
			}
			if m[k], err = plistValue(d, *vt); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil, fmt.Errorf("unknown plist element <%s>", se.Name.Local)
}

// nextElement returns the next start element, or nil at the enclosing end element; text between
// elements must be blank.
func nextElement(d *xml.Decoder) (*xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return &tok, nil
		case xml.EndElement:
			return nil, nil
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) > 0 {
				return nil, fmt.Errorf("stray text %q", tok)
			}
		}
	}
}

// parsePlist checks b the way plutil -lint does for an XML property list (declaration, Apple's
// doctype, <plist version="1.0"> around one value) and returns that value.
func parsePlist(b []byte) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var sawDecl, sawDoctype bool
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.ProcInst:
			sawDecl = tok.Target == "xml" && bytes.Contains(tok.Inst, []byte(`encoding="UTF-8"`))
		case xml.Directive:
			sawDoctype = bytes.Contains(tok, []byte(`DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"`))
		case xml.StartElement:
			if !sawDecl || !sawDoctype {
				return nil, errors.New("missing the XML declaration or the plist doctype")
			}
			if tok.Name.Local != "plist" || len(tok.Attr) != 1 || tok.Attr[0].Name.Local != "version" || tok.Attr[0].Value != "1.0" {
				return nil, fmt.Errorf("root element %v, want <plist version=\"1.0\">", tok)
			}
			first, err := nextElement(d)
			if err != nil || first == nil {
				return nil, fmt.Errorf("empty plist: %v", err)
			}
			v, err := plistValue(d, *first)
			if err != nil {
				return nil, err
			}
			if next, err := nextElement(d); err != nil || next != nil {
				return nil, errors.New("more than one value in <plist>")
			}
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return v, nil
				}
				if err != nil {
					return nil, err
				}
				if cd, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
					return nil, fmt.Errorf("content after </plist>: %v", tok)
				}
			}
		}
	}
}

func TestLaunchdPlist(t *testing.T) {
	home := "/Users/dev & co"
	exe := "/Applications/Agent <Monitor>/agentmonitor"
	b := Launchd(Definition{Executable: exe, Env: trickyEnv, Home: home})
	got, err := parsePlist(b)
	if err != nil {
		t.Fatalf("plist does not parse: %v\n%s", err, b)
	}
	log := filepath.Join(LogDir(home), LogName)
	want := map[string]any{
		"Label":            Label,
		"ProgramArguments": []any{exe, "serve"},
		"WorkingDirectory": home,
		"EnvironmentVariables": map[string]any{
			"AGENTMONITOR_DB_PATH": `/home/dev/My Data/agent%monitor.db`,
			"AGENTMONITOR_PORT":    "3142",
			"AGENTMONITOR_TOKEN":   `a"b\c$HOME&<x>'y'`,
		},
		"RunAtLoad":         true,
		"KeepAlive":         map[string]any{"SuccessfulExit": false},
		"ThrottleInterval":  int64(5),
		"ProcessType":       "Background",
		"StandardOutPath":   log,
		"StandardErrorPath": log,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plist read back\n%#v\nwant\n%#v", got, want)
	}
	if _, err := parsePlist(Launchd(Definition{Executable: exe, Home: home})); err != nil {
		t.Errorf("plist without environment: %v", err)
	}
	if plutil, err := exec.LookPath("plutil"); err == nil {
		path := filepath.Join(t.TempDir(), Label+".plist")
		os.WriteFile(path, b, 0o600)
		if out, err := exec.Command(plutil, "-lint", path).CombinedOutput(); err != nil {
			t.Errorf("plutil -lint: %v\n%s", err, out)
		}
	}
}

func TestParsePlistRejects(t *testing.T) {
	good := string(Launchd(Definition{Executable: "/bin/agentmonitor", Home: "/home/x"}))
	f := func(name, doc string) {
		t.Helper()
		if _, err := parsePlist([]byte(doc)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	f("no doctype", strings.Replace(good, "<!DOCTYPE", "<!-- ", 1))
	f("unescaped ampersand", strings.Replace(good, "/bin/agentmonitor", "/bin/a&b", 1))
	f("key without value", strings.Replace(good, "\t<true/>\n", "", 1))
	f("unknown element", strings.Replace(good, "<true/>", "<yes/>", 1))
	f("two values", strings.Replace(good, "</dict>\n</plist>", "</dict>\n<dict></dict>\n</plist>", 1))
}

func TestPassthrough(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin", "HOME=/home/dev", "AGENTMONITOR_PORT=3142", "AGENTMONITOR_EMPTY=",
		"AGENTMONITOR_DB_PATH=data/x.db", "AGENTMONITOR_PRICING_FILE=/etc/rates.json",
		"XDG_DATA_HOME=xdg", "CODEX_HOME=/home/dev/.codex", "GOPATH=/go", "AGENTMONITOR_TOKEN=s3cret",
		"AGENTMONITOR_TEST_CHILD=cli", "AGENTMONITOR_BENCH_EVENTS=9", "AGENTMONITOR_BASE_URL=http://x",
	}
	got, err := Passthrough(environ, "/work")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"AGENTMONITOR_DB_PATH=/work/data/x.db", "AGENTMONITOR_PORT=3142",
		"AGENTMONITOR_PRICING_FILE=/etc/rates.json", "AGENTMONITOR_TOKEN=s3cret",
		"CODEX_HOME=/home/dev/.codex", "XDG_DATA_HOME=/work/xdg",
	}
	if runtime.GOOS == "windows" {
		t.Skip("paths are POSIX here")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Passthrough\n%q\nwant\n%q", got, want)
	}
	if _, err := Passthrough([]string{"AGENTMONITOR_TOKEN=a\nb"}, "/"); err == nil {
		t.Error("a value with a line break passed")
	}
}

// emptyPath points PATH at an empty folder: no service manager is found.
func emptyPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
}

func TestManagerWithoutServiceManager(t *testing.T) {
	emptyPath(t)
	ctx := context.Background()
	for _, tc := range []struct{ goos, path, tool string }{
		{"linux", ".config/systemd/user/agentmonitor.service", "systemctl"},
		{"darwin", "Library/LaunchAgents/" + Label + ".plist", "launchctl"},
	} {
		t.Run(tc.goos, func(t *testing.T) {
			home := t.TempDir()
			m := Manager{GOOS: tc.goos, Home: home, UID: 501}
			def := Definition{Executable: "/usr/local/bin/agentmonitor", Env: []string{"AGENTMONITOR_PORT=3142"}}
			if st, err := m.Status(ctx); err != nil || st.Installed {
				t.Fatalf("status before install: %+v, %v", st, err)
			}
			res, err := m.Install(ctx, def)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(home, tc.path)
			if res.Path != want || !res.Changed || len(res.Ran) > 0 || res.Skipped != tc.tool+" not found on PATH" {
				t.Errorf("install: %+v", res)
			}
			fi, err := os.Stat(want)
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600 (the file may hold the token)", fi.Mode().Perm())
			}
			b, _ := os.ReadFile(want)
			if !bytes.Contains(b, []byte("3142")) || !bytes.Contains(b, []byte("/usr/local/bin/agentmonitor")) {
				t.Errorf("definition lacks the binary or the environment:\n%s", b)
			}
			if tc.goos == "darwin" {
				if _, err := parsePlist(b); err != nil {
					t.Errorf("installed plist: %v", err)
				}
				if fi, err := os.Stat(LogDir(home)); err != nil || !fi.IsDir() {
					t.Errorf("log folder not created: %v", err)
				}
			}
			if res, err := m.Install(ctx, def); err != nil || res.Changed {
				t.Errorf("second install: %+v, %v", res, err)
			}
			st, err := m.Status(ctx)
			if err != nil || !st.Installed || st.Path != want || st.Skipped == "" {
				t.Errorf("status: %+v, %v", st, err)
			}
			if res, err := m.Uninstall(ctx); err != nil || !res.Changed {
				t.Errorf("uninstall: %+v, %v", res, err)
			}
			if _, err := os.Stat(want); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("definition still there: %v", err)
			}
			if _, err := m.Uninstall(ctx); !errors.Is(err, ErrNotInstalled) {
				t.Errorf("second uninstall: %v, want ErrNotInstalled", err)
			}
		})
	}
	m := Manager{GOOS: "windows", Home: t.TempDir()}
	if _, err := m.Install(ctx, Definition{Executable: "/x"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("windows install: %v", err)
	}
	if _, err := (Manager{GOOS: "linux", Home: t.TempDir()}).Install(ctx, Definition{Executable: "bin/x"}); err == nil {
		t.Error("a relative binary path was accepted")
	}
}

// toolScripts are stand-ins for systemctl and launchctl: shell scripts that append their
// arguments to $TOOL_LOG and answer the queries as a loaded, running service would.
// launchctl keeps "loaded" as a file next to the log, set by bootstrap and cleared by bootout.
var toolScripts = map[string]string{
	"systemctl": `#!/bin/sh
echo "systemctl $*" >> "$TOOL_LOG"
case "$*" in
*is-active*) echo active ;;
*is-enabled*) echo enabled ;;
esac
`,
	"launchctl": `#!/bin/sh
echo "launchctl $*" >> "$TOOL_LOG"
loaded="$TOOL_LOG.loaded"
case "$1" in
print) [ -f "$loaded" ] || exit 113; printf 'gui/501/x = {\n\tstate = running\n\tpid = 42\n}\n' ;;
bootstrap) touch "$loaded" ;;
bootout) rm -f "$loaded" ;;
esac
`,
}

// TestManagerRunsServiceManager checks the exact commands run, through stand-in scripts on PATH.
func TestManagerRunsServiceManager(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-ins are shell scripts")
	}
	ctx := context.Background()
	bin := t.TempDir()
	for name, script := range toolScripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/bin"+string(os.PathListSeparator)+"/usr/bin")
	def := Definition{Executable: "/usr/local/bin/agentmonitor"}

	t.Run("linux", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "log")
		t.Setenv("TOOL_LOG", logFile)
		m := Manager{GOOS: "linux", Home: t.TempDir()}
		res, err := m.Install(ctx, def)
		wantRan(t, "install", res, err, "systemctl --user daemon-reload", "systemctl --user enable agentmonitor.service", "systemctl --user restart agentmonitor.service")
		res, err = m.Install(ctx, def)
		wantRan(t, "install again", res, err, "systemctl --user daemon-reload", "systemctl --user enable agentmonitor.service", "systemctl --user start agentmonitor.service")
		st, err := m.Status(ctx)
		if err != nil || st.Manager != "active" || st.Enabled != "enabled" || !st.Installed || st.Skipped != "" {
			t.Errorf("status: %+v, %v", st, err)
		}
		res, err = m.Uninstall(ctx)
		wantRan(t, "uninstall", res, err, "systemctl --user disable --now agentmonitor.service", "systemctl --user daemon-reload")
	})
	t.Run("darwin", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "log")
		t.Setenv("TOOL_LOG", logFile)
		home := t.TempDir()
		m := Manager{GOOS: "darwin", Home: home, UID: 501}
		plist := PlistPath(home)
		res, err := m.Install(ctx, def)
		wantRan(t, "install", res, err, "launchctl bootstrap gui/501 "+plist)
		res, err = m.Install(ctx, def)
		wantRan(t, "install again", res, err)
		changed := def
		changed.Env = []string{"AGENTMONITOR_PORT=3999"}
		res, err = m.Install(ctx, changed)
		wantRan(t, "install changed", res, err, "launchctl bootout gui/501/"+Label, "launchctl bootstrap gui/501 "+plist)
		st, err := m.Status(ctx)
		if err != nil || st.Manager != "running" || !st.Installed {
			t.Errorf("status: %+v, %v", st, err)
		}
		res, err = m.Uninstall(ctx)
		wantRan(t, "uninstall", res, err, "launchctl bootout gui/501/"+Label)
		if st, err := m.Status(ctx); err != nil || st.Manager != "not loaded" || st.Installed {
			t.Errorf("status after uninstall: %+v, %v", st, err)
		}
		log, _ := os.ReadFile(logFile)
		if !strings.Contains(string(log), "launchctl print gui/501/"+Label) {
			t.Errorf("launchctl was never asked whether the agent is loaded:\n%s", log)
		}
	})
}

func wantRan(t *testing.T, what string, res Result, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(res.Ran, want) || res.Skipped != "" {
		t.Errorf("%s ran %q (skipped %q), want %q", what, res.Ran, res.Skipped, want)
	}
}

// TestManagerCommandFails: a service manager that fails (no user bus) is an error on install,
// and uninstall still removes the file.
func TestManagerCommandFails(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	ctx := context.Background()
	m := Manager{GOOS: "linux", Home: t.TempDir()}
	_, err := m.Install(ctx, Definition{Executable: "/usr/local/bin/agentmonitor"})
	if err == nil || !strings.Contains(err.Error(), "Failed to connect to bus") {
		t.Errorf("install: %v, want the manager's message", err)
	}
	st, err := m.Status(ctx)
	if err != nil || !st.Installed || !strings.Contains(st.Skipped, "is-active") {
		t.Errorf("status: %+v, %v", st, err)
	}
	if _, err := m.Uninstall(ctx); err == nil {
		t.Error("uninstall hid the manager's failure")
	}
	if _, err := os.Stat(UnitPath(m.Home)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unit file kept: %v", err)
	}
}
