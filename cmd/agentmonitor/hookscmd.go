package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/agentmonitor/agentmonitor/hooks"
)

const hooksUsage = `usage: agentmonitor hooks COMMAND AGENT [flags]

Connects coding agents to AgentMonitor.

  install claude     add AgentMonitor's hook entries to Claude Code's settings.json
  uninstall claude   remove them again, leaving everything else as it was
  status [claude]    show which Claude Code hook events are connected (exit 3 when one is not)
  print claude       print the settings.json snippet instead of editing a file
  print codex        print the [otel] block that points Codex at this server

The entries run "<this binary> hook" on SessionStart, UserPromptSubmit, PreToolUse, PostToolUse,
PostToolUseFailure, Notification, Stop, SubagentStop, PreCompact and SessionEnd, each in a matcher
group of its own; the user's groups and every other setting are never changed. Before a change the
file is copied to settings.json.agentmonitor.bak. Installing twice changes nothing.

The settings file is ~/.claude/settings.json (the Claude directory is AGENTMONITOR_CLAUDE_DIR or
CLAUDE_CONFIG_DIR when set), ./.claude/settings.json with --project, or FILE with --settings.
Codex has no hooks: it reports through OpenTelemetry, so add the printed block to
~/.codex/config.toml.
`

// hooksCmd is `agentmonitor hooks`.
func hooksCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("hooks", flag.ContinueOnError)
	project := flags.Bool("project", false, "edit this project's .claude/settings.json instead of the user's")
	settings := flags.String("settings", "", "edit this settings file")
	printOnly := flags.Bool("print", false, "print the snippet and change nothing (with install)")
	command := flags.String("command", "", `the hook command to write (default: this binary's absolute path, then " hook")`)
	pos, err := parseFlags(flags, args, hooksUsage, stdout)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("hooks: name a command: install, uninstall, status or print (see agentmonitor hooks --help)")
	}
	verb, agent := pos[0], "claude"
	if len(pos) > 1 {
		agent = pos[1]
	}
	if len(pos) > 2 {
		return usageErrorf("hooks: unexpected %q", pos[2])
	}
	switch verb {
	case "install", "uninstall", "status", "print":
	default:
		return usageErrorf("hooks: unknown command %q (install, uninstall, status or print)", verb)
	}
	switch agent {
	case "claude", "claude-code", "claude_code":
	case "codex":
		if verb != "print" {
			return usageErrorf("hooks: Codex has no hooks; it reports through OpenTelemetry: run agentmonitor hooks print codex and add the block to ~/.codex/config.toml")
		}
		fmt.Fprint(stdout, hooks.CodexSnippet(serverURL(), os.Getenv("AGENTMONITOR_TOKEN")))
		return nil
	default:
		return usageErrorf("hooks: unknown agent %q (claude or codex)", agent)
	}

	cmd := *command
	if cmd == "" {
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.Abs(exe)
		}
		if err != nil {
			return fmt.Errorf("hooks: find this binary: %w", err)
		}
		cmd = hooks.Command(exe)
	}
	if verb == "print" || verb == "install" && *printOnly {
		stdout.Write(hooks.ClaudeSnippet(cmd))
		return nil
	}
	path, err := claudeSettings(*project, *settings)
	if err != nil {
		return err
	}
	switch verb {
	case "install":
		changed, err := hooks.InstallClaudeFile(path, cmd)
		if err != nil {
			return err
		}
		if !changed {
			fmt.Fprintf(stdout, "hooks: already installed in %s\n", path)
			return nil
		}
		fmt.Fprintf(stdout, "hooks: installed in %s (it runs %s)\n", path, cmd)
		if _, err := os.Stat(path + hooks.BackupSuffix); err == nil {
			fmt.Fprintf(stdout, "hooks: the previous file is kept as %s\n", path+hooks.BackupSuffix)
		}
	case "uninstall":
		changed, err := hooks.UninstallClaudeFile(path, cmd)
		if err != nil {
			return err
		}
		if !changed {
			fmt.Fprintf(stdout, "hooks: nothing of AgentMonitor's in %s\n", path)
			return nil
		}
		fmt.Fprintf(stdout, "hooks: removed from %s (the previous file is kept as %s)\n", path, path+hooks.BackupSuffix)
	case "status":
		states, err := hooks.ClaudeStatusFile(path, cmd)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", path)
		all := true
		for _, st := range states {
			fmt.Fprintf(stdout, "  %-20s %s\n", st.Event, st.State)
			all = all && st.State == hooks.StateInstalled
		}
		if !all {
			return &exitError{code: exitNotInstalled}
		}
	}
	return nil
}

// claudeSettings is the settings file to edit: FILE, this project's, or the user's.
func claudeSettings(project bool, file string) (string, error) {
	switch {
	case file != "" && project:
		return "", usageErrorf("hooks: --project and --settings name different files; pick one")
	case file != "":
		return file, nil
	case project:
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("hooks: %w", err)
		}
		return filepath.Join(wd, ".claude", "settings.json"), nil
	}
	dir, _ := agentDirs()
	if dir == "" {
		return "", errors.New("hooks: no home directory: pass --settings FILE")
	}
	return filepath.Join(dir, "settings.json"), nil
}
