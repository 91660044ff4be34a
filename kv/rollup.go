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
		a.Cost = *r.CostUSD
		if *r.CostUSD > 0 {
			a.PaidEvents, a.PaidTokensIn, a.PaidTokensOut = 1, r.TokensIn, r.TokensOut
		}
	}
	return a
}

// dimValue is one (dimension, value) pair an event is rolled up under.
type dimValue struct {
	dim   byte
	value string
}

// eventDims lists the rollup dimensions of an event.
func eventDims(r *eventRow) []dimValue {
	d := make([]dimValue, 0, 4)
	d = append(d, dimValue{dimAll, ""}, dimValue{dimSession, r.SessionID})
	if r.ToolName != nil {
		d = append(d, dimValue{dimTool, *r.ToolName})
	}
	if r.Model != nil {
		d = append(d, dimValue{dimModel, *r.Model})
	}
	return d
}
