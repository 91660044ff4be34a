package index

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/blevesearch/bleve/v2"
)

// keyDropGen is the store's drop generation whose dropped events the index has deleted.
var keyDropGen = []byte("agentmonitor.drop_generation")

// pruneBatch is how many documents one deletion batch removes.
const pruneBatch = 1000

// Prune deletes the documents of the events that retention dropped from the store: those created
// before its cutoff (kv.Store.DropBefore). It returns how many it deleted.
func (x *Index) Prune(ctx context.Context) (int, error) {
	gen := x.store.DropGeneration()
	if gen == 0 {
		return 0, nil
	}
	cut := x.store.RetainedFrom().Unix()
	bi, err := x.startWork()
	if err != nil {
		return 0, err
	}
	defer x.work.Unlock()
	if v, err := bi.GetInternal(keyDropGen); err == nil && len(v) == 8 && binary.BigEndian.Uint64(v) >= gen {
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
			binary.BigEndian.PutUint64(v[:], gen)
			b.SetInternal(keyDropGen, v[:])
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
