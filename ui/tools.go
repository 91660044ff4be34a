package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// toolsPage shows tool use (/tools): calls, error rates and durations per tool.
type toolsPage struct {
	app.Compo
	api *client

	hours   int
	agent   string
	st      loadState
	err     error
	tools   []contract.ToolStats
	options contract.FilterOptions
}

func newToolsPage(api *client) *toolsPage { return &toolsPage{api: api, hours: 24 * 7} }

func (p *toolsPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *toolsPage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
}

func (p *toolsPage) load(ctx app.Context) {
	if p.api == nil {
		return
	}
	api, agent, hours := p.api, p.agent, p.hours
	since := sinceParam(hours, time.Now())
	ctx.Async(func() {
		var r struct {
			Tools []contract.ToolStats `json:"tools"`
		}
		err := api.get(query("/api/stats/tools", "agent_type", agent, "since", since), &r)
		var fo contract.FilterOptions
		if err == nil {
			err = api.get("/api/filter-options", &fo)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if agent != p.agent || hours != p.hours {
				return
			}
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			p.tools, p.options, p.st, p.err = r.Tools, fo, loaded, nil
		})
	})
}

func (p *toolsPage) Render() app.UI {
	return frame("/tools", p.api,
		pageHead("Tools", "Which tools the agents call, how often they fail and how long they take",
			selectBox("Agent", p.agent, p.options.AgentTypes, agentLabel, func(ctx app.Context, v string) {
				p.agent, p.st = v, loading
				p.load(ctx)
			}),
			rangeTabs(p.hours, func(ctx app.Context, h int) {
				p.hours, p.st = h, loading
				p.load(ctx)
			}),
		),
		p.renderBody(),
	)
}

func (p *toolsPage) renderBody() app.UI {
	if v, ok := stateView(p.st, p.err, len(p.tools) == 0, "No tool calls in this range."); !ok {
		return v
	}
	var calls, errs int64
	calls64 := make([]bar, 0, len(p.tools))
	var durs []bar
	for _, t := range p.tools {
		calls += t.TotalCalls
		errs += t.ErrorCount
		if len(calls64) < 20 {
			calls64 = append(calls64, bar{Label: t.ToolName, Value: float64(t.TotalCalls), Part: float64(t.ErrorCount),
				Text: count(t.TotalCalls), Sub: count(t.ErrorCount) + " errors (" + percent(t.ErrorRate) + ")"})
		}
		if t.AvgDurationMS != nil {
			durs = append(durs, bar{Label: t.ToolName, Value: *t.AvgDurationMS, Text: duration(*t.AvgDurationMS),
				Sub: "average of " + plural(t.TotalCalls, "call")})
		}
	}
	sortBy(durs, func(a, b bar) bool { return a.Value > b.Value })
	if len(durs) > 20 {
		durs = durs[:20]
	}
	rate := 0.0
	if calls > 0 {
		rate = float64(errs) / float64(calls)
	}
	tools := p.tools
	return box("",
		box("statsbar",
			stat("Tool calls", count(calls), plural(int64(len(p.tools)), "tool")),
			stat("Errors", count(errs), percent(rate)+" of calls"),
		),
		box("grid2",
			panel(
				textEl("h2", "", "Calls"),
				app.P().Class("muted small").Body(textEl("span", "key err", "errors"), app.Text(" shown over each bar")),
				newBarChart().Bars(calls64).Class("c-tool").Label("Calls per tool"),
			),
			panel(
				textEl("h2", "", "Average duration"),
				app.If(len(durs) == 0, func() app.UI { return textEl("div", "state empty", "No durations reported.") }).
					Else(func() app.UI { return newBarChart().Bars(durs).Class("c-duration").Label("Average duration per tool") }),
			),
		),
		panel(
			textEl("h2", "", "All tools"),
			box("table-wrap",
				table().ID("tools").Class("table").Body(
					headRow("Tool", "#Calls", "#Errors", "Error rate", "#Avg duration", "By agent"),
					tbody().Body(app.Range(tools).Slice(func(i int) app.UI {
						t := tools[i]
						avg := "—"
						if t.AvgDurationMS != nil {
							avg = duration(*t.AvgDurationMS)
						}
						return tr().Body(
							cell("mono", t.ToolName),
							cell("num", count(t.TotalCalls)),
							cell("num", count(t.ErrorCount)),
							cellOf(meter(t.ErrorRate, percent(t.ErrorRate), rateLevel(t.ErrorRate))),
							cell("num", avg),
							cell("muted", byAgent(t.ByAgent)),
						)
					})),
				),
			),
		),
	)
}

func rateLevel(r float64) string {
	switch {
	case r >= 0.2:
		return "high"
	case r >= 0.05:
		return "mid"
	}
	return "low"
}

// byAgent lists counts per agent type, largest first.
func byAgent(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortBy(keys, func(a, b string) bool {
		if m[a] != m[b] {
			return m[a] > m[b]
		}
		return a < b
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = agentLabel(k) + " " + count(m[k])
	}
	return strings.Join(parts, " · ")
}

// meter is a small horizontal gauge of a ratio (0..1) with its text.
func meter(ratio float64, text, level string) app.UI {
	w := min(max(ratio, 0), 1) * 100
	return app.Div().Class("meter", "lv-"+level).Body(
		svgEl("svg").Attr("viewBox", "0 0 100 8").Attr("preserveAspectRatio", "none").Attr("aria-hidden", "true").Body(
			svgEl("rect").Attr("x", "0").Attr("y", "0").Attr("width", "100").Attr("height", "8").Attr("rx", "4").Attr("class", "track"),
			svgEl("rect").Attr("x", "0").Attr("y", "0").Attr("width", num(max(w, 1))).Attr("height", "8").Attr("rx", "4").Attr("class", "fill"),
		),
		textEl("span", "", text),
	)
}
