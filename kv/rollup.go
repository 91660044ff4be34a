package kv

import (
	"encoding/binary"
	"math"
)

// agg is what a rollup key sums over its events.
type agg struct {
	Events     int64
	TokensIn   int64
	TokensOut  int64
	Cost       float64 // sum of non-null cost_usd
	CacheRead  int64
	CacheWrite int64
	Errors     int64 // status "error"
	DurSum     int64 // sum of non-null duration_ms
	DurN       int64
	// The same over events whose cost_usd > 0 (cost by project and by model count only those).
	PaidEvents    int64
	PaidTokensIn  int64
	PaidTokensOut int64
}

const aggSize = 12 * 8

func (a *agg) add(b *agg) {
	a.Events += b.Events
	a.TokensIn += b.TokensIn
	a.TokensOut += b.TokensOut
	a.Cost += b.Cost
	a.CacheRead += b.CacheRead
	a.CacheWrite += b.CacheWrite
	a.Errors += b.Errors
	a.DurSum += b.DurSum
	a.DurN += b.DurN
	a.PaidEvents += b.PaidEvents
	a.PaidTokensIn += b.PaidTokensIn
	a.PaidTokensOut += b.PaidTokensOut
}

func (a *agg) encode() []byte {
	b := make([]byte, aggSize)
	for i, v := range a.fields() {
		binary.BigEndian.PutUint64(b[i*8:], v)
	}
	return b
}

func (a *agg) fields() [12]uint64 {
	return [12]uint64{
		uint64(a.Events), uint64(a.TokensIn), uint64(a.TokensOut), math.Float64bits(a.Cost),
		uint64(a.CacheRead), uint64(a.CacheWrite), uint64(a.Errors), uint64(a.DurSum), uint64(a.DurN),
		uint64(a.PaidEvents), uint64(a.PaidTokensIn), uint64(a.PaidTokensOut),
	}
}

// decodeAgg reads an encoded agg; a short value (written by no version of this code) reads as zero.
func decodeAgg(b []byte) agg {
	if len(b) < aggSize {
		return agg{}
	}
	f := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[i*8:])) }
	return agg{
		Events: f(0), TokensIn: f(1), TokensOut: f(2), Cost: math.Float64frombits(uint64(f(3))),
		CacheRead: f(4), CacheWrite: f(5), Errors: f(6), DurSum: f(7), DurN: f(8),
		PaidEvents: f(9), PaidTokensIn: f(10), PaidTokensOut: f(11),
	}
}

// eventAgg is one event's contribution to every rollup it belongs to.
func eventAgg(r *eventRow) agg {
	a := agg{
		Events:     1,
		TokensIn:   r.TokensIn,
		TokensOut:  r.TokensOut,
		CacheRead:  r.CacheReadTokens,
		CacheWrite: r.CacheWriteTokens,
	}
	if r.Status == "error" {
		a.Errors = 1
	}
	if r.DurationMS != nil {
		a.DurSum, a.DurN = *r.DurationMS, 1
	}
	if r.CostUSD != nil {
		a.setCost(*r.CostUSD)
	}
	return a
}

func (a *agg) setCost(c float64) {
	a.Cost = c
	if c > 0 {
		a.PaidEvents, a.PaidTokensIn, a.PaidTokensOut = 1, a.TokensIn, a.TokensOut
	}
}

// dimValue is one (dimension, value) pair an event is rolled up under.
type dimValue struct {
	dim   byte
	value string
}

// brief is what the rollups need of one event. It is stored as the value of the event's time
// keys, so the partial hour of a "since" query is summed without reading any event.
type brief struct {
	ids        tuple // dictionary ids of the filterable fields (first, so decodeTuple reads it)
	agent      string
	tool       string
	model      string
	session    string
	clientTime bool // the event has a client_timestamp
	metric     bool // its usage comes from Claude Code's usage metrics (CONTRACT 18.1)
	logUsage   bool // an api_request log event with usage
	excluded   bool // metric usage superseded by its session's log events: agg holds no usage
	agg        agg
}

// exclude takes the usage out of the brief (CONTRACT 18.1).
func (b *brief) exclude() {
	u := usageOnly(b.agg)
	b.agg.sub(&u)
	b.excluded = true
}

func briefOf(r *eventRow, ids tuple) brief {
	return brief{ids: ids, agent: r.AgentType, tool: deref(r.ToolName), model: deref(r.Model),
		session: r.SessionID, clientTime: r.ClientTimestamp != nil, agg: eventAgg(r)}
}

// dims lists the rollup dimensions of the event.
func (b *brief) dims() []dimValue {
	d := make([]dimValue, 0, 4)
	d = append(d, dimValue{dimAll, ""}, dimValue{dimSession, keyPartStr(b.session)})
	if b.tool != "" {
		d = append(d, dimValue{dimTool, keyPartStr(b.tool)})
	}
	if b.model != "" {
		d = append(d, dimValue{dimModel, keyPartStr(b.model)})
	}
	return d
}

const (
	briefError = 1 << iota
	briefDuration
	briefCost
	briefClientTime
	briefMetric
	briefLogUsage
	briefExcluded
)

// encode writes ids, flags, tokens, then duration and cost when present, then the session id.
func (b *brief) encode() []byte {
	out := make([]byte, 0, 40+len(b.session))
	for _, id := range b.ids {
		out = binary.AppendUvarint(out, uint64(id))
	}
	var flags byte
	if b.agg.Errors > 0 {
		flags |= briefError
	}
	if b.agg.DurN > 0 {
		flags |= briefDuration
	}
	if b.agg.Cost != 0 || b.agg.PaidEvents > 0 {
		flags |= briefCost
	}
	for _, f := range []struct {
		on  bool
		bit byte
	}{{b.clientTime, briefClientTime}, {b.metric, briefMetric}, {b.logUsage, briefLogUsage}, {b.excluded, briefExcluded}} {
		if f.on {
			flags |= f.bit
		}
	}
	out = append(out, flags)
	for _, v := range []int64{b.agg.TokensIn, b.agg.TokensOut, b.agg.CacheRead, b.agg.CacheWrite} {
		out = binary.AppendUvarint(out, uint64(v))
	}
	if flags&briefDuration != 0 {
		out = binary.AppendUvarint(out, uint64(b.agg.DurSum))
	}
	if flags&briefCost != 0 {
		out = binary.BigEndian.AppendUint64(out, math.Float64bits(b.agg.Cost))
	}
	return append(out, b.session...)
}

// decodeBrief reads an encoded brief; name resolves dictionary ids. ok is false for a value this
// code did not write.
func decodeBrief(v []byte, name func(field byte, id uint32) string) (b brief, ok bool) {
	next := func() (uint64, bool) {
		x, n := binary.Uvarint(v)
		if n <= 0 {
			return 0, false
		}
		v = v[n:]
		return x, true
	}
	for i := range b.ids {
		x, ok := next()
		if !ok {
			return b, false
		}
		b.ids[i] = uint32(x)
	}
	if len(v) == 0 {
		return b, false
	}
	flags := v[0]
	v = v[1:]
	var nums [4]uint64
	for i := range nums {
		x, ok := next()
		if !ok {
			return b, false
		}
		nums[i] = x
	}
	b.agg = agg{Events: 1, TokensIn: int64(nums[0]), TokensOut: int64(nums[1]), CacheRead: int64(nums[2]), CacheWrite: int64(nums[3])}
	if flags&briefError != 0 {
		b.agg.Errors = 1
	}
	if flags&briefDuration != 0 {
		x, ok := next()
		if !ok {
			return b, false
		}
		b.agg.DurSum, b.agg.DurN = int64(x), 1
	}
	if flags&briefCost != 0 {
		if len(v) < 8 {
			return b, false
		}
		b.agg.setCost(math.Float64frombits(binary.BigEndian.Uint64(v)))
		v = v[8:]
	}
	b.clientTime = flags&briefClientTime != 0
	b.metric = flags&briefMetric != 0
	b.logUsage = flags&briefLogUsage != 0
	b.excluded = flags&briefExcluded != 0
	b.session = string(v)
	// Rollup keys hold long values as digests; so do the briefs they are summed with.
	b.agent = keyPartStr(name(fieldAgent, b.ids[0]))
	b.tool = keyPartStr(name(fieldTool, b.ids[2]))
	b.model = keyPartStr(name(fieldModel, b.ids[3]))
	return b, true
}
