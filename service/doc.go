// Package service registers the AgentMonitor server as a per-user background service that starts
// at login and is restarted when it fails: a systemd user unit on Linux, a launchd agent on macOS.
//
// # Definitions
//
// Systemd and Launchd are pure functions from a Definition (the binary's absolute path, the
// environment the server gets, the user's home) to the bytes of the unit file or property list.
// The server runs as "<binary> serve" with the user's home as its working directory. Its log goes
// where the platform expects it: the journal (journalctl --user -u agentmonitor) on Linux,
// ~/Library/Logs/agentmonitor/agentmonitor.log on macOS.
//
// # Managers
//
// A Manager writes or removes the definition under a home directory and then asks the platform's
// service manager (systemctl --user, launchctl) to load, start or unload it, but only when that
// tool is on PATH: without it the file is still written and Result.Skipped says why nothing ran.
// Nothing in this package reads AGENTMONITOR_* itself; Passthrough picks what a caller hands over.
package service
