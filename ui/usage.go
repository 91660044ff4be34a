package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// usagePage is the usage monitor (/usage): each agent's use of its limits over its windows
// (CONTRACT 8.8), refreshed every 30 seconds.
type usagePage struct {
	app.Compo
	api *client

	st    loadState
	err   error
	usage []contract.Usage
	done  chan struct{}
}

func newUsagePage(api *client) *usagePage { return &usagePage{api: api} }

func (p *usagePage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *usagePage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
	if p.api == nil {
		return
	}
	done := make(chan struct{})
	p.done = done
	ctx.Async(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(30 * time.Second):
			}
			ctx.Dispatch(p.load)
		}
	})
}

func (p *usagePage) OnDismount() {
	if p.done != nil {
		close(p.done)
		p.done = nil
	}
}

func (p *usagePage) load(ctx app.Context) {
	if p.api == nil {
		return
	}
	api := p.api
	ctx.Async(func() {
		var u []contract.Usage
		err := api.get("/api/stats/usage-monitor", &u)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			p.usage, p.st, p.err = u, loaded, nil
		})
	})
}

func (p *usagePage) Render() app.UI {
	return frame("/usage", p.api,
		pageHead("Usage monitor", "Use of each agent's limits over its rolling windows"),
		p.renderBody(),
	)
}

func (p *usagePage) renderBody() app.UI {
	if v, ok := stateView(p.st, p.err, len(p.usage) == 0,
		"No usage yet for an agent with limits (Claude Code counts tokens, Codex cost). Limits are set with AGENTMONITOR_* variables."); !ok {
		return v
	}
	usage := p.usage
	return app.Div().ID("usage").Class("cards wide").Body(
		app.Range(usage).Slice(func(i int) app.UI {
			u := usage[i]
			return section().Class("card usage-card").DataSet("agent", u.AgentType).Body(
				box("card-top",
					agentBadge(u.AgentType),
					textEl("span", "muted", "limits in "+u.LimitType),
				),
				usageWindow("Session", &u.Session, u.LimitType),
				app.If(u.Extended != nil, func() app.UI { return usageWindow("Extended", u.Extended, u.LimitType) }),
				app.If(u.Weekly != nil, func() app.UI { return usageWindow("Weekly", u.Weekly, u.LimitType) }),
			)
		}),
	)
}

// usageWindow renders one window's use against its limit.
func usageWindow(name string, w *contract.UsageWindow, limitType string) app.UI {
	f := func(v float64) string { return compact(v) + " tokens" }
	if limitType == "cost" {
		f = usd
	}
	ratio := 0.0
	if w.Limit > 0 {
		ratio = w.Used / w.Limit
	}
	level := "low"
	switch {
	case ratio >= 0.9:
		level = "high"
	case ratio >= 0.7:
		level = "mid"
	}
	return box("window",
		box("window-head",
			textEl("strong", "", name),
			textEl("span", "muted", " last "+strconv.Itoa(w.WindowHours)+" h"),
			span().Class("window-pct", "lv-"+level).Text(percent(ratio)),
		),
		meter(ratio, f(w.Used)+" of "+f(w.Limit), level),
	)
}
