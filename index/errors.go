package index

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by searches and indexing after Close.
var ErrClosed = errors.New("index: closed")

// SyntaxError is a query that cannot be read (CONTRACT 18.5: bad syntax is a 400). Its message is
// meant for the person who typed the query.
type SyntaxError struct {
	Msg string
}

func (e *SyntaxError) Error() string { return "bad query: " + e.Msg }

func syntaxErrorf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}
