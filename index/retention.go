package index

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/blevesearch/bleve/v2"
)

// keyRetained is the store's retention cutoff (Unix seconds) whose dropped events the index has
// deleted.
var keyRetained = []byte("agentmonitor.retained_from")

// pruneBatch is how many documents one deletion batch removes.
const pruneBatch = 1000

// Prune deletes the documents of the events that retention dropped from the store: those created
// before its cutoff (kv.Store.DropBefore). It returns how many it deleted.
func (x *Index) Prune(ctx context.Context) (int, error) {
	retained := x.store.RetainedFrom()
	if retained.IsZero() {
		return 0, nil
	}
	cut := retained.Unix()
	x.work.Lock()
	defer x.work.Unlock()
	x.mu.RLock()
	bi, closed := x.bi, x.closed
	x.mu.RUnlock()
	if closed {
		return 0, ErrClosed
	}
	if v, err := bi.GetInternal(keyRetained); err == nil && len(v) == 8 && int64(binary.BigEndian.Uint64(v)) >= cut {
		return 0, nil
	}
	total := 0
	for {
		req := bleve.NewSearchRequestOptions(timeRange(0, cut-1), pruneBatch, 0, false)
		res, err := bi.SearchInContext(ctx, req)
		if err != nil {
			return total, fmt.Errorf("index: prune: %w", err)
		}
		b := bi.NewBatch()
		for _, h := range res.Hits {
			b.Delete(h.ID)
		}
		done := len(res.Hits) < pruneBatch
		if done {
			var v [8]byte
			binary.BigEndian.PutUint64(v[:], uint64(cut))
			b.SetInternal(keyRetained, v[:])
		}
		if err := bi.Batch(b); err != nil {
			return total, fmt.Errorf("index: prune: %w", err)
		}
		total += len(res.Hits)
		x.countDocs()
		if done {
			return total, nil
		}
	}
}
