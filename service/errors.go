package service

import "errors"

var (
	// ErrUnsupported is returned for an operating system without a per-user service manager this
	// package knows (Windows).
	ErrUnsupported = errors.New("service: no per-user service manager on this system")
	// ErrNotInstalled is returned by Uninstall when there is no definition to remove.
	ErrNotInstalled = errors.New("service: not installed")
	// ErrNotRunning is returned by Probe when nothing answers at the address.
	ErrNotRunning = errors.New("service: no server answers")
)
