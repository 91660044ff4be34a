package ui

import (
	"net/url"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Actions pages and the top bar exchange (go-app actions, handled on the UI goroutine).
const (
	// actionOnline: the server answers again after being offline; pages reload their data.
	actionOnline = "am-online"
	// actionOffline: a request got no answer; the top bar shows the offline banner at once.
	actionOffline = "am-offline"
)

// connState is what the top bar knows of the server.
type connState int

const (
	connUnknown connState = iota
	connOnline
	connOffline
)

// navItem is one entry of the top bar.
type navItem struct{ path, label string }

var navItems = []navItem{
	{"/", "Live"}, {"/sessions", "Sessions"}, {"/costs", "Costs"}, {"/tools", "Tools"},
	{"/search", "Search"}, {"/usage", "Usage"},
}

// frame lays out a page: the top bar, then the page's content.
func frame(active string, api *client, content ...app.UI) app.UI {
	return box("app",
		newTopBar().Active(active).API(api),
		mainEl().Class("content").Body(content...),
	)
}

// topBar is the header every page shares: navigation, the search box, the server's state and
// the offline banner. It polls /api/health (every 15 s, every 3 s while offline).
type topBar struct {
	app.Compo
	IActive string  // attribute: the current page's path
	IAPI    *client // attribute: nil in the prerender (no polling)

	state       connState
	version     string
	query       string
	installable bool
	updated     bool
	done        chan struct{}
}

func newTopBar() *topBar { return &topBar{} }

// Active sets the path of the current page.
func (b *topBar) Active(path string) *topBar { b.IActive = path; return b }

// API sets the backend the bar watches.
func (b *topBar) API(c *client) *topBar { b.IAPI = c; return b }

func (b *topBar) OnMount(ctx app.Context) {
	bindKeys()
	b.installable = ctx.IsAppInstallable()
	ctx.Handle(actionOffline, func(ctx app.Context, _ app.Action) { b.setState(ctx, connOffline) })
	if b.IAPI == nil {
		return
	}
	done := make(chan struct{})
	b.done = done
	api := b.IAPI
	ctx.Async(func() {
		for {
			var h contract.Health
			err := api.get("/api/health", &h)
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					b.setState(ctx, connOffline)
					return
				}
				b.version = h.Version
				b.setState(ctx, connOnline)
			})
			wait := 15 * time.Second
			if err != nil {
				wait = 3 * time.Second
			}
			select {
			case <-done:
				return
			case <-time.After(wait):
			}
		}
	})
}

func (b *topBar) OnDismount() {
	if b.done != nil {
		close(b.done)
		b.done = nil
	}
}

func (b *topBar) OnAppInstallChange(ctx app.Context) { b.installable = ctx.IsAppInstallable() }

func (b *topBar) OnAppUpdate(ctx app.Context) { b.updated = ctx.AppUpdateAvailable() }

// setState records the server's state; coming back online tells every page to reload.
func (b *topBar) setState(ctx app.Context, s connState) {
	was := b.state
	b.state = s
	if s == connOnline && was == connOffline {
		ctx.NewAction(actionOnline)
	}
}

func (b *topBar) Render() app.UI {
	status, statusText := "unknown", "connecting…"
	switch b.state {
	case connOnline:
		status, statusText = "online", "live"
		if b.version != "" {
			statusText = "live · " + b.version
		}
	case connOffline:
		status, statusText = "offline", "offline"
	}
	return header().Class("topbar").Body(
		box("topbar-row",
			anchor("/").Class("brand").Body(
				app.Img().Src("/web/icon.svg").Alt("").Class("brand-icon"),
				textEl("span", "", "AgentMonitor"),
			),
			nav().Class("nav").Body(
				app.Range(navItems).Slice(func(i int) app.UI {
					it := navItems[i]
					a := anchor(it.path).Text(it.label)
					if it.path == b.IActive {
						a = a.Class("active").Aria("current", "page")
					}
					return a
				}),
			),
			app.If(b.IActive != "/search", func() app.UI {
				return form().Class("topsearch").OnSubmit(b.onSearch).Body(
					input("search").
						ID("search-input").
						Attr("placeholder", "Search events  ( / )").
						Aria("label", "Search events").
						Attr("value", b.query).
						Attr("autocomplete", "off").
						OnInput(func(ctx app.Context, e app.Event) {
							b.query = ctx.JSSrc().Get("value").String()
						}),
				)
			}),
			app.If(b.installable, func() app.UI {
				return button().ID("install-app").Class("btn small").Text("Install app").OnClick(func(ctx app.Context, e app.Event) {
					ctx.ShowAppInstallPrompt()
				})
			}),
			app.If(b.updated, func() app.UI {
				return button().Class("btn small accent").Text("Update ready · reload").OnClick(func(ctx app.Context, e app.Event) {
					ctx.Reload()
				})
			}),
			span().ID("server-state").Class("conn", status).DataSet("state", status).Body(
				span().Class("dot"),
				textEl("span", "", statusText),
			),
		),
		app.If(b.state == connOffline, func() app.UI {
			return app.Div().ID("offline-banner").Class("banner offline").Aria("live", "polite").Body(
				textEl("strong", "", "Server offline."),
				textEl("span", "", " The AgentMonitor server is not answering, so this is the app shell alone. "+
					"It retries every 3 seconds and reloads the data when the server is back. "+
					"Start it with "),
				textEl("code", "", "agentmonitor serve"),
				textEl("span", "", "."),
			)
		}),
	)
}

func (b *topBar) onSearch(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx.Navigate("/search?q=" + url.QueryEscape(b.query))
}

// reportErr tells the top bar a request found the server offline.
func reportErr(ctx app.Context, err error) {
	if err == errOffline {
		ctx.NewAction(actionOffline)
	}
}

// stateView renders the loading, empty and error states of a panel; ok is true when the data
// is loaded and not empty, and the caller renders it.
func stateView(st loadState, err error, empty bool, emptyText string) (app.UI, bool) {
	switch st {
	case loading:
		return box("state loading", span().Class("spinner"), textEl("span", "", "Loading…")), false
	case failed:
		if err == errOffline {
			return box("state error",
				textEl("strong", "", "Server offline"),
				textEl("p", "", "No answer from the AgentMonitor server. This view reloads when it is back."),
			), false
		}
		msg := "Something went wrong"
		if err != nil {
			msg = err.Error()
		}
		return box("state error", textEl("strong", "", "Could not load"), textEl("p", "", msg)), false
	}
	if empty {
		return textEl("div", "state empty", emptyText), false
	}
	return nil, true
}

// pageHead is a page's title line with optional controls on the right.
func pageHead(title, sub string, controls ...app.UI) app.UI {
	return box("page-head",
		box("",
			app.H1().Text(title),
			app.If(sub != "", func() app.UI { return textEl("p", "sub", sub) }),
		),
		box("controls", controls...),
	)
}

// selectBox is a labelled <select> of options; "" is the "all" choice.
func selectBox(name, value string, options []string, format func(string) string, onChange func(ctx app.Context, v string)) app.UI {
	if format == nil {
		format = func(s string) string { return s }
	}
	return label().Class("field").Body(
		textEl("span", "", name),
		selectEl().Aria("label", name).OnChange(func(ctx app.Context, e app.Event) {
			onChange(ctx, ctx.JSSrc().Get("value").String())
		}).Body(
			option("", "All", value == ""),
			app.Range(options).Slice(func(i int) app.UI {
				return option(options[i], format(options[i]), options[i] == value)
			}),
		),
	)
}

// sinceChoices are the time ranges pages offer, as hours back (0: all time).
var sinceChoices = []struct {
	label string
	hours int
}{{"24 hours", 24}, {"7 days", 24 * 7}, {"30 days", 24 * 30}, {"All time", 0}}

// sinceParam turns hours back into the API's since parameter ("" for all time).
func sinceParam(hours int, now time.Time) string {
	if hours <= 0 {
		return ""
	}
	return now.Add(-time.Duration(hours) * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
}

// rangeTabs renders the time-range choice as a segmented control.
func rangeTabs(hours int, onPick func(ctx app.Context, hours int)) app.UI {
	return app.Div().Class("seg").Aria("label", "Time range").Body(
		app.Range(sinceChoices).Slice(func(i int) app.UI {
			c := sinceChoices[i]
			btn := button().Text(c.label).OnClick(func(ctx app.Context, e app.Event) {
				onPick(ctx, c.hours)
			})
			if c.hours == hours {
				btn = btn.Class("on").Aria("pressed", "true")
			}
			return btn
		}),
	)
}

// statusBadge renders a session's status.
func statusBadge(status string) app.UI {
	return span().Class("badge", "st-"+status).Text(status)
}

// agentBadge renders an agent type.
func agentBadge(agentType string) app.UI {
	cls := "agent-other"
	switch agentType {
	case "claude_code":
		cls = "agent-claude"
	case "codex":
		cls = "agent-codex"
	}
	return span().Class("badge", cls).Text(agentLabel(agentType))
}
