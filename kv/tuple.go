package kv

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Filterable fields of an event other than its session, in tuple order.
var tupleFields = [...]byte{fieldAgent, fieldEventType, fieldTool, fieldModel, fieldBranch, fieldSource}

// tuple is an event's filterable values as dictionary ids (0: null), stored as the value of its
// by_created and session index keys. A filtered listing then walks one index and compares small
// integers, without reading or decoding any event, and an event costs two index keys instead of
// one per field.
type tuple [len(tupleFields)]uint32

func (t *tuple) encode() []byte {
	b := make([]byte, 0, len(t)*2)
	for _, id := range t {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// decodeTuple reads a tuple; a malformed value reads as all-null.
func decodeTuple(b []byte) (t tuple) {
	for i := range t {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return tuple{}
		}
		t[i], b = uint32(v), b[n:]
	}
	return t
}

func tupleValues(r *eventRow) [len(tupleFields)]string {
	return [...]string{r.AgentType, r.EventType, deref(r.ToolName), deref(r.Model), deref(r.Branch), r.Source}
}

// dictionary maps each field's values to small ids, persisted in the dict bucket
// (field, value → uvarint id). Ids are per field and start at 1.
type dictionary struct {
	ids   map[string]uint32 // countKey(field, value) → id
	next  [256]uint32       // per field: the last id given out
	names [256][]string     // per field: id → value (index 0 unused)
}

func newDictionary() *dictionary { return &dictionary{ids: map[string]uint32{}} }

type dictEntry struct {
	id    uint32
	value string
}

// add records an id given out for a value (key is countKey(field, value)).
func (d *dictionary) add(key string, id uint32, value string) {
	field := key[0]
	d.ids[key] = id
	d.next[field] = max(d.next[field], id)
	names := d.names[field]
	for uint32(len(names)) <= id {
		names = append(names, "")
	}
	names[id] = value
	d.names[field] = names
}

// name returns the value of a field's id, "" for 0 or an unknown id.
func (d *dictionary) name(field byte, id uint32) string {
	if names := d.names[field]; id < uint32(len(names)) {
		return names[id]
	}
	return ""
}

func (d *dictionary) load(tx *bolt.Tx) error {
	return tx.Bucket(bucketDict).ForEach(func(k, v []byte) error {
		id, n := binary.Uvarint(v)
		if n <= 0 || len(k) == 0 {
			return fmt.Errorf("dictionary entry %q: bad id", k)
		}
		d.add(string(k), uint32(id), string(v[n:]))
		return nil
	})
}

// lookup returns the id of a value, 0 if it has none yet.
func (d *dictionary) lookup(field byte, value string) uint32 {
	return d.ids[string(countKey(field, keyPartStr(value)))]
}

// dictNameLocked resolves dictionary ids outside the writer.
func (s *Store) dictNameLocked(field byte, id uint32) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.dict.name(field, id)
}
