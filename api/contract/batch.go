package contract

import "encoding/json"

// BatchEvents returns the items of a batch body's "events" array (CONTRACT 8.3), each still JSON;
// ok is false when raw is not an object whose "events" (the last one, if repeated) is an array.
// It walks the body once and copies nothing: the items alias raw.
func BatchEvents(raw json.RawMessage) (items []json.RawMessage, ok bool) {
	s := scanner{b: raw}
	s.ws()
	if s.i >= len(raw) || raw[s.i] != '{' {
		return nil, false
	}
	s.i++
	s.ws()
	var events []byte
	for s.i < len(raw) && raw[s.i] != '}' {
		if raw[s.i] != '"' {
			return nil, false
		}
		k0 := s.i + 1
		esc, ok := s.str()
		if !ok {
			return nil, false
		}
		key := raw[k0 : s.i-1]
		if esc {
			key = appendUnescaped(nil, key)
		}
		s.ws()
		if s.i >= len(raw) || raw[s.i] != ':' {
			return nil, false
		}
		s.i++
		s.ws()
		v0 := s.i
		if !s.skip(1) {
			return nil, false
		}
		if string(key) == "events" {
			events = raw[v0:s.i]
		}
		s.ws()
		if s.i < len(raw) && raw[s.i] == ',' {
			s.i++
			s.ws()
		}
	}
	if len(events) == 0 || events[0] != '[' {
		return nil, false
	}
	a := scanner{b: events, i: 1}
	items = []json.RawMessage{}
	for {
		a.ws()
		if a.i >= len(events) {
			return nil, false
		}
		if events[a.i] == ']' {
			return items, true
		}
		v0 := a.i
		if !a.skip(2) {
			return nil, false
		}
		items = append(items, json.RawMessage(events[v0:a.i]))
		a.ws()
		if a.i < len(events) && events[a.i] == ',' {
			a.i++
		}
	}
}
