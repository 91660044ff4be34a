package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// costsPage shows spending (/costs): over time, by model, by project and by agent.
type costsPage struct {
	app.Compo
	api *client

	hours   int // time range: hours back, 0 for all time
	agent   string
	st      loadState
	err     error
	cost    contract.Cost
	agents  []agentCost
	options contract.FilterOptions
	now     time.Time
}

// agentCost is one agent type's totals over the page's range.
type agentCost struct {
	Agent     string
	CostUSD   float64
	TokensIn  int64
	TokensOut int64
	Events    int64
}

func newCostsPage(api *client) *costsPage {
	return &costsPage{api: api, hours: 24 * 7, now: time.Now()}
}

func (p *costsPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *costsPage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
}

func (p *costsPage) load(ctx app.Context) {
	if p.api == nil {
		return
	}
	api, agent, hours, now := p.api, p.agent, p.hours, time.Now()
	since := sinceParam(hours, now)
	ctx.Async(func() {
		var c contract.Cost
		err := api.get(query("/api/stats/cost", "since", since, "agent_type", agent, "limit", "12"), &c)
		var fo contract.FilterOptions
		if err == nil {
			err = api.get("/api/filter-options", &fo)
		}
		// By agent: the cost endpoint has no such grouping, so one /api/stats per agent type.
		var agents []agentCost
		for _, a := range fo.AgentTypes {
			if err != nil || agent != "" && a != agent {
				continue
			}
			var st contract.Stats
			if err = api.get(query("/api/stats", "agent_type", a, "since", since), &st); err == nil && st.TotalEvents > 0 {
				agents = append(agents, agentCost{a, st.TotalCostUSD, st.TotalTokensIn, st.TotalTokensOut, st.TotalEvents})
			}
		}
		sortBy(agents, func(a, b agentCost) bool {
			if a.CostUSD != b.CostUSD {
				return a.CostUSD > b.CostUSD
			}
			return a.TokensIn+a.TokensOut > b.TokensIn+b.TokensOut
		})
		ctx.Dispatch(func(ctx app.Context) {
			if agent != p.agent || hours != p.hours {
				return
			}
			p.now = now
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			p.cost, p.agents, p.options, p.st, p.err = c, agents, fo, loaded, nil
		})
	})
}

func (p *costsPage) Render() app.UI {
	return frame("/costs", p.api,
		pageHead("Costs", "What the agents spent, by hour, model, project and agent",
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

func (p *costsPage) renderBody() app.UI {
	if v, ok := stateView(p.st, p.err, false, ""); !ok {
		return v
	}
	var total float64
	var in, out, events int64
	for _, b := range p.cost.Timeline {
		total += b.CostUSD
		in += b.TokensIn
		out += b.TokensOut
		events += b.EventCount
	}
	if events == 0 {
		return textEl("div", "state empty", "No events in this range. Costs appear once agents report tokens or cost.")
	}
	costPts, tokenPts, unit := timelinePoints(p.cost.Timeline)
	models := make([]bar, 0, len(p.cost.ByModel))
	for _, m := range p.cost.ByModel {
		models = append(models, bar{Label: m.Model, Value: m.CostUSD, Text: usd(m.CostUSD),
			Sub: compact(float64(m.TokensIn)) + " in / " + compact(float64(m.TokensOut)) + " out · " + plural(m.EventCount, "event")})
	}
	projects := make([]bar, 0, len(p.cost.ByProject))
	for _, pr := range p.cost.ByProject {
		projects = append(projects, bar{Label: pr.Project, Value: pr.CostUSD, Text: usd(pr.CostUSD),
			Sub: plural(pr.SessionCount, "session") + " · " + plural(pr.EventCount, "event")})
	}
	agents := make([]bar, 0, len(p.agents))
	for _, a := range p.agents {
		agents = append(agents, bar{Label: agentLabel(a.Agent), Value: a.CostUSD, Text: usd(a.CostUSD),
			Sub: compact(float64(a.TokensIn+a.TokensOut)) + " tokens · " + plural(a.Events, "event")})
	}
	return box("",
		box("statsbar",
			stat("Cost", usd(total), ""),
			stat("Tokens in", compact(float64(in)), ""),
			stat("Tokens out", compact(float64(out)), ""),
			stat("Events", count(events), ""),
		),
		panel(
			textEl("h2", "", "Cost per "+unit),
			newColumnChart().Points(costPts).Money(true).Class("c-cost").Label("Cost per "+unit),
		),
		panel(
			textEl("h2", "", "Tokens per "+unit),
			newColumnChart().Points(tokenPts).Class("c-tokens").Label("Tokens per "+unit),
		),
		box("grid2",
			chartPanel("By model", "costs-by-model", models, "c-model", "No priced model calls in this range."),
			chartPanel("By project", "costs-by-project", projects, "c-project", "No priced events in this range."),
		),
		chartPanel("By agent", "costs-by-agent", agents, "c-agent", "No agent activity in this range."),
	)
}

// chartPanel is a titled bar chart, or its empty text.
func chartPanel(title, id string, bars []bar, class, emptyText string) app.UI {
	return section().ID(id).Class("panel").Body(
		textEl("h2", "", title),
		app.If(len(bars) == 0, func() app.UI { return textEl("div", "state empty", emptyText) }).
			Else(func() app.UI { return newBarChart().Bars(bars).Class(class).Label(title) }),
	)
}

// timelinePoints turns hourly buckets into continuous columns (empty hours as zero): per hour
// up to three days, per day beyond. unit names the column width.
func timelinePoints(buckets []contract.CostBucket) (cost, tokens []point, unit string) {
	if len(buckets) == 0 {
		return nil, nil, "hour"
	}
	type agg struct {
		cost   float64
		tokens int64
	}
	first, _ := parseTime(buckets[0].Bucket)
	last, _ := parseTime(buckets[len(buckets)-1].Bucket)
	step, unit, layout := time.Hour, "hour", "15:04"
	if last.Sub(first) > 72*time.Hour {
		step, unit, layout = 24*time.Hour, "day", "Jan 2"
	}
	slot := func(t time.Time) time.Time {
		if step == time.Hour {
			return t.Truncate(time.Hour)
		}
		y, m, d := t.Local().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	}
	sums := map[time.Time]*agg{}
	for _, b := range buckets {
		t, ok := parseTime(b.Bucket)
		if !ok {
			continue
		}
		k := slot(t)
		if sums[k] == nil {
			sums[k] = &agg{}
		}
		sums[k].cost += b.CostUSD
		sums[k].tokens += b.TokensIn + b.TokensOut
	}
	next := func(t time.Time) time.Time {
		if step == time.Hour {
			return t.Add(time.Hour)
		}
		return slot(t.Add(25 * time.Hour)) // the next midnight, whatever daylight saving does
	}
	for t := slot(first); !t.After(slot(last)); t = next(t) {
		a := sums[t]
		if a == nil {
			a = &agg{}
		}
		label := t.Local().Format(layout)
		full := t.Local().Format("Jan 2 15:04")
		if step != time.Hour {
			full = t.Local().Format("Mon Jan 2")
		}
		cost = append(cost, point{Tick: label, Value: a.cost, Title: full + " · " + usd(a.cost)})
		tokens = append(tokens, point{Tick: label, Value: float64(a.tokens), Title: full + " · " + count(a.tokens) + " tokens"})
		if len(cost) > 400 {
			break
		}
	}
	return cost, tokens, unit
}
