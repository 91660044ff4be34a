package otel

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"

	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// attrs is an attribute list; a key that appears twice reads as its first occurrence.
type attrs []*commonv1.KeyValue

// get returns the value of key, or nil.
func (a attrs) get(key string) *commonv1.AnyValue {
	for _, kv := range a {
		if kv.GetKey() == key {
			if kv.GetValue() == nil {
				return emptyValue
			}
			return kv.GetValue()
		}
	}
	return nil
}

var emptyValue = new(commonv1.AnyValue)

// str reads key as a string (CONTRACT 11.1): its stringValue, else its intValue in decimal, else
// its doubleValue as JavaScript prints it. Surrounding white space is trimmed and an empty result
// is absent, as for the string fields of ingest (CONTRACT 4.1).
func (a attrs) str(key string) (string, bool) {
	v := a.get(key)
	if v == nil {
		return "", false
	}
	s, ok := valueText(v)
	s = strings.TrimSpace(s)
	return s, ok && s != ""
}

// num reads key as a number (CONTRACT 11.1): its intValue, else its doubleValue, else a numeric
// stringValue. Non-finite numbers are absent.
func (a attrs) num(key string) (float64, bool) {
	v := a.get(key)
	if v == nil {
		return 0, false
	}
	return valueNumber(v)
}

// valueText is a value read as a string: string, integer or double; false for other kinds.
func valueText(v *commonv1.AnyValue) (string, bool) {
	switch x := v.GetValue().(type) {
	case *commonv1.AnyValue_StringValue:
		return x.StringValue, true
	case *commonv1.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10), true
	case *commonv1.AnyValue_DoubleValue:
		return jsNumber(x.DoubleValue), true
	}
	return "", false
}

// valueNumber is a value read as a number: integer, finite double or numeric string.
func valueNumber(v *commonv1.AnyValue) (float64, bool) {
	switch x := v.GetValue().(type) {
	case *commonv1.AnyValue_IntValue:
		return float64(x.IntValue), true
	case *commonv1.AnyValue_DoubleValue:
		f := x.DoubleValue
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case *commonv1.AnyValue_StringValue:
		return numericText(x.StringValue)
	}
	return 0, false
}

// numericText parses a decimal number (optional sign, digits, fraction, exponent) surrounded by
// optional white space; hexadecimal, "Inf", "NaN" and out-of-range values are not numbers.
func numericText(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// jsNumber formats f as JavaScript's String(number) does: shortest round-trip digits, plain
// notation from 1e-6 up to 1e21, exponent notation ("1e+21", "1.5e-7") outside it.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}

// appendValue appends the JSON form of v: strings, booleans and numbers as themselves (a
// non-finite double as null), arrays and key-value lists as arrays and objects, bytes as base64,
// an empty value as null (the conversion of CONTRACT 11.2 step 2).
func appendValue(b []byte, v *commonv1.AnyValue) []byte {
	switch x := v.GetValue().(type) {
	case *commonv1.AnyValue_StringValue:
		return contract.AppendString(b, x.StringValue)
	case *commonv1.AnyValue_BoolValue:
		return strconv.AppendBool(b, x.BoolValue)
	case *commonv1.AnyValue_IntValue:
		return strconv.AppendInt(b, x.IntValue, 10)
	case *commonv1.AnyValue_DoubleValue:
		return appendFloat(b, x.DoubleValue)
	case *commonv1.AnyValue_ArrayValue:
		b = append(b, '[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case *commonv1.AnyValue_KvlistValue:
		b = append(b, '{')
		for i, kv := range x.KvlistValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			b = contract.AppendString(b, kv.GetKey())
			b = append(b, ':')
			b = appendValue(b, kv.GetValue())
		}
		return append(b, '}')
	case *commonv1.AnyValue_BytesValue:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x.BytesValue)
		return append(b, '"')
	}
	return append(b, "null"...)
}

func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64) // contract.Metadata rewrites it the JavaScript way
}

// object is a JSON object under construction that keeps its keys in insertion order; values are
// JSON texts held in one buffer.
type object struct {
	keys []string
	vals [][2]int // [start, end) of each value in buf
	buf  []byte
}

func (o *object) reset() {
	o.keys, o.vals, o.buf = o.keys[:0], o.vals[:0], o.buf[:0]
}

func (o *object) len() int { return len(o.keys) }

func (o *object) index(key string) int {
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// value returns the JSON text of key, or nil.
func (o *object) value(key string) []byte {
	if o == nil {
		return nil
	}
	if i := o.index(key); i >= 0 {
		return o.buf[o.vals[i][0]:o.vals[i][1]]
	}
	return nil
}

// set gives key the JSON text held in buf[start:]: a new key goes last, an existing one keeps its
// place and takes the new value (as JavaScript's JSON.parse does with a repeated key).
func (o *object) set(key string, start int) {
	span := [2]int{start, len(o.buf)}
	if i := o.index(key); i >= 0 {
		o.vals[i] = span
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, span)
}

// setRaw sets key to the JSON text v.
func (o *object) setRaw(key string, v []byte) {
	start := len(o.buf)
	o.buf = append(o.buf, v...)
	o.set(key, start)
}

// setString sets key to the JSON string s.
func (o *object) setString(key, s string) {
	start := len(o.buf)
	o.buf = contract.AppendString(o.buf, s)
	o.set(key, start)
}

// setInt sets key to the integer n.
func (o *object) setInt(key string, n int64) {
	start := len(o.buf)
	o.buf = strconv.AppendInt(o.buf, n, 10)
	o.set(key, start)
}

// remove deletes key.
func (o *object) remove(key string) {
	if i := o.index(key); i >= 0 {
		o.keys = append(o.keys[:i], o.keys[i+1:]...)
		o.vals = append(o.vals[:i], o.vals[i+1:]...)
	}
}

// appendTo appends the object's JSON text.
func (o *object) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = contract.AppendString(b, k)
		b = append(b, ':')
		b = append(b, o.buf[o.vals[i][0]:o.vals[i][1]]...)
	}
	return append(b, '}')
}

// str reads key as a JSON string ("" and false when absent or not a string).
func (o *object) str(key string) (string, bool) {
	return jsonString(o.value(key))
}

// num reads key as a JSON number (numbers only: a string is not read as one).
func (o *object) num(key string) (float64, bool) {
	raw := o.value(key)
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// parseObject reads the members of the JSON object text into o, in order; false when text is not
// one JSON object.
func parseObject(o *object, text []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, ok := tok.(string)
		if !ok {
			return false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return false
		}
		o.setRaw(key, raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF // nothing after the object
}

// truthy is JavaScript's truthiness of a JSON text: false for absent, null, false, 0 and "".
func truthy(raw []byte) bool {
	switch string(raw) {
	case "", "null", "false", `""`:
		return false
	}
	if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
		f, err := strconv.ParseFloat(string(raw), 64)
		return err != nil || f != 0
	}
	return true
}
