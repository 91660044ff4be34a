package contract

import "encoding/json"

// Lenient applies the lenient JSON decoding of CONTRACT 2.4 to a request body:
//
//  1. trim white space (JavaScript's set); an empty result produces no value;
//  2. at most 3 times: if the candidate is JSON, its value is the result, unless it is a string whose
//     trimmed text starts with '{' or '[' (double encoding), which becomes the next candidate; if it
//     is not JSON but is at least 2 bytes long and starts and ends with '"', those quotes are
//     stripped, the rest trimmed, and that is the next candidate; otherwise stop.
//
// It returns the JSON text of the resulting value (a string value as its JSON encoding), or nil when
// no step produced one: the raw text itself is then the value, which callers treat as "not an
// object". So `""just a string""` gives the JSON string "just a string", a double-encoded object
// gives the object, and a triple-encoded object gives a JSON string (rejected as not an object).
//
// The result may share memory with body. For a plain JSON body it costs one validation pass.
func Lenient(body []byte) json.RawMessage {
	cand := trimJS(body)
	if len(cand) == 0 {
		return nil
	}
	for range 3 {
		if valid(cand) {
			if cand[0] != '"' {
				return cand
			}
			text := trimJS(stringText(cand[1 : len(cand)-1]))
			if len(text) == 0 || text[0] != '{' && text[0] != '[' {
				return cand
			}
			cand = text
			continue
		}
		if len(cand) >= 2 && cand[0] == '"' && cand[len(cand)-1] == '"' {
			cand = trimJS(cand[1 : len(cand)-1])
			continue
		}
		break
	}
	return nil
}
