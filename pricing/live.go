package pricing

import "sync/atomic"

// ForFile returns the table for a user rate file: [Default] when path is empty, else [Load].
func ForFile(path string) (*Table, error) {
	if path == "" {
		return Default(), nil
	}
	return Load(path)
}

// Pricer prices token counts; *Table and *Live are Pricers.
type Pricer interface {
	Cost(model string, tokensIn, tokensOut, cacheRead, cacheWrite int64) (usd float64, ok bool)
}

// Live is the table a long-running process prices with. It reads the user rate file again on
// demand, so someone who adds a model to the file and recalculates costs needs no restart.
// It is safe for concurrent use.
type Live struct {
	path string
	t    atomic.Pointer[Table]
}

// NewLive returns a Live table for the user rate file at path ("" for the embedded table alone).
func NewLive(path string) (*Live, error) {
	t, err := ForFile(path)
	if err != nil {
		return nil, err
	}
	l := &Live{path: path}
	l.t.Store(t)
	return l, nil
}

// Path is the user rate file ("" : none).
func (l *Live) Path() string { return l.path }

// Table is the table in use.
func (l *Live) Table() *Table { return l.t.Load() }

// Read reads the rate file again and returns its table without putting it in use.
func (l *Live) Read() (*Table, error) { return ForFile(l.path) }

// Use puts t in use.
func (l *Live) Use(t *Table) { l.t.Store(t) }

// Cost prices with the table in use (see [Table.Cost]).
func (l *Live) Cost(model string, tokensIn, tokensOut, cacheRead, cacheWrite int64) (float64, bool) {
	return l.t.Load().Cost(model, tokensIn, tokensOut, cacheRead, cacheWrite)
}
