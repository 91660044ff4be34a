package otel

import (
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	metricsv1 "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// metricKind is what a metric's points count.
type metricKind uint8

const (
	tokenMetric metricKind = iota + 1
	costMetric
)

// metricKinds are the metrics CONTRACT 11.3 maps; every other name produces nothing.
var metricKinds = map[string]metricKind{
	"claude_code.token.usage":   tokenMetric,
	"codex_cli_rs.token.usage":  tokenMetric,
	"gen_ai.client.token.usage": tokenMetric,
	"claude_code.cost.usage":    costMetric,
	"codex_cli_rs.cost.usage":   costMetric,
	"gen_ai.client.cost.usage":  costMetric,
}

// claudeUsageMetrics are the metrics whose usage Claude Code's api_request log events also report
// (CONTRACT 18.1).
var claudeUsageMetrics = map[string]bool{"claude_code.token.usage": true, "claude_code.cost.usage": true}

// syntheticMetadata is the metadata of every metric-derived event (CONTRACT 11.3).
const syntheticMetadata = `{"_synthetic":true,"_source":"otel_metric"}`

// seriesIdentity are the point attributes a series key names by themselves; the others are hashed
// into the key (see seriesKey).
var seriesIdentity = map[string]bool{"session.id": true, "model": true, "gen_ai.request.model": true, "type": true, "token.type": true}

// MapMetrics maps the points of the token and cost metrics of an export to synthetic llm_response
// events (CONTRACT 11.3, 18.1, 18.4), in point order:
//   - a delta or gauge point with a value > 0 gives one event carrying it (tokens truncated to an
//     integer, so a fraction of a token gives none);
//   - a point of a cumulative sum (aggregationTemporality 2) gives an Input naming its series, with
//     the raw value in SeriesValue and no tokens or cost: the store turns it into the increase since
//     the series' previous point, or into nothing. Points of every value are passed on, so that the
//     store's state follows resets.
//
// Events from Claude Code's token.usage and cost.usage are marked MetricUsage. Metadata is the
// synthetic marker, truncated to maxPayloadBytes like any metadata.
func MapMetrics(req *metricsv1.MetricsData, maxPayloadBytes int) []contract.Input {
	var out []contract.Input
	meta, truncated := contract.Metadata([]byte(syntheticMetadata), maxPayloadBytes)
	for _, rm := range req.GetResourceMetrics() {
		res := attrs(rm.GetResource().GetAttributes())
		agent := agentType(res)
		session := "unknown"
		for _, k := range [...]string{"gen_ai.session.id", "session.id", "conversation.id"} {
			if s, ok := res.str(k); ok {
				session = s
				break
			}
		}
		resModel, _ := res.str("model")
		for _, sm := range rm.GetScopeMetrics() {
			for _, metric := range sm.GetMetrics() {
				name := metric.GetName()
				kind := metricKinds[name]
				if kind == 0 {
					continue
				}
				var points []*metricsv1.NumberDataPoint
				cumulative := false
				switch d := metric.GetData().(type) {
				case *metricsv1.Metric_Sum:
					points = d.Sum.GetDataPoints()
					cumulative = d.Sum.GetAggregationTemporality() == metricsv1.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
				case *metricsv1.Metric_Gauge:
					points = d.Gauge.GetDataPoints()
				}
				for _, p := range points {
					pa := attrs(p.GetAttributes())
					in := contract.Input{
						SessionID:        session,
						AgentType:        agent,
						EventType:        "llm_response",
						Status:           contract.StatusSuccess,
						Model:            resModel,
						Source:           contract.SourceOTel,
						Metadata:         meta,
						PayloadTruncated: truncated,
						MetricUsage:      claudeUsageMetrics[name],
					}
					if s, ok := pa.str("session.id"); ok {
						in.SessionID = s
					}
					if s, ok := pa.str("model"); ok {
						in.Model = s
					} else if s, ok := pa.str("gen_ai.request.model"); ok {
						in.Model = s
					}
					tokenType, ok := pa.str("type")
					if !ok {
						tokenType, _ = pa.str("token.type")
					}
					field := contract.SeriesCost
					if kind == tokenMetric {
						field = tokenField(tokenType)
					}
					value := pointValue(p)
					if cumulative {
						if math.IsNaN(value) || math.IsInf(value, 0) {
							continue
						}
						in.Series = seriesKey(in.SessionID, agent, name, in.Model, tokenType, p.GetStartTimeUnixNano(), pa)
						in.SeriesValue, in.SeriesField = value, field
						out = append(out, in)
						continue
					}
					if !(value > 0) || math.IsInf(value, 1) {
						continue // CONTRACT 11.3: delta ≤ 0 → nothing
					}
					if !setUsage(&in, field, value) {
						continue
					}
					out = append(out, in)
				}
			}
		}
	}
	return out
}

// tokenField is where a token type's count goes (CONTRACT 11.3); any other or no type is input.
func tokenField(tokenType string) string {
	switch tokenType {
	case "output":
		return contract.SeriesTokensOut
	case "cacheRead", "cache_read":
		return contract.SeriesCacheRead
	case "cacheCreation", "cache_creation", "cache_write":
		return contract.SeriesCacheWrite
	}
	return contract.SeriesTokensIn
}

// setUsage puts a positive delta into its field; false when it rounds to no token.
func setUsage(in *contract.Input, field string, value float64) bool {
	if field == contract.SeriesCost {
		in.CostUSD, in.CostSource = &value, contract.CostClient
		return true
	}
	n := toCount(value)
	switch field {
	case contract.SeriesTokensIn:
		in.TokensIn = n
	case contract.SeriesTokensOut:
		in.TokensOut = n
	case contract.SeriesCacheRead:
		in.CacheReadTokens = n
	case contract.SeriesCacheWrite:
		in.CacheWriteTokens = n
	}
	return n > 0
}

// pointValue is CONTRACT 11.3's raw value: asDouble, else asInt, else 0.
func pointValue(p *metricsv1.NumberDataPoint) float64 {
	switch v := p.GetValue().(type) {
	case *metricsv1.NumberDataPoint_AsDouble:
		return v.AsDouble
	case *metricsv1.NumberDataPoint_AsInt:
		return float64(v.AsInt)
	}
	return 0
}

// seriesKey names a cumulative series: session|agent type|metric|model|token type (CONTRACT 11.3),
// then its start time (18.4), then a hash of the point's other attributes.
//
// note: the hash is our addition. A series is its whole attribute set in OTLP, and Claude Code
// reports two series that the contract's key cannot tell apart: token.usage and cost.usage points
// of one model and type differ only in query_source (main, auxiliary). Under one key their values
// would alternate and every increase would be wrong.
func seriesKey(session, agent, metric, model, tokenType string, start uint64, pa attrs) string {
	var b strings.Builder
	b.Grow(len(session) + len(agent) + len(metric) + len(model) + len(tokenType) + 48)
	for _, part := range [...]string{session, agent, metric, model, tokenType} {
		b.WriteString(part)
		b.WriteByte('|')
	}
	b.WriteString(strconv.FormatUint(start, 10))
	others := make([]int, 0, len(pa))
	for i, kv := range pa {
		if !seriesIdentity[kv.GetKey()] {
			others = append(others, i)
		}
	}
	if len(others) == 0 {
		return b.String()
	}
	slices.SortStableFunc(others, func(x, y int) int { return strings.Compare(pa[x].GetKey(), pa[y].GetKey()) })
	h := fnv.New64a()
	var buf []byte
	for _, i := range others {
		buf = contract.AppendString(buf[:0], pa[i].GetKey())
		buf = append(buf, '=')
		buf = appendValue(buf, pa[i].GetValue())
		buf = append(buf, ';')
		_, _ = h.Write(buf)
	}
	b.WriteByte('|')
	b.WriteString(strconv.FormatUint(h.Sum64(), 16))
	return b.String()
}
