package importer

import "errors"

var (
	// ErrBadSource is returned by Run for a source other than claude-code, codex or all.
	ErrBadSource = errors.New("importer: unknown source")
	// ErrBadDate is returned by ParseDate for a bound it cannot read.
	ErrBadDate = errors.New("importer: bad date")
)
