package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// sessionsPage lists sessions (/sessions) with filters on status, agent, project and branch.
type sessionsPage struct {
	app.Compo
	api *client

	st       loadState
	err      error
	sessions []contract.Session
	options  contract.FilterOptions
	status   string
	agent    string
	project  string
	branch   string
	text     string
	now      time.Time
}

func newSessionsPage(api *client) *sessionsPage { return &sessionsPage{api: api, now: time.Now()} }

func (p *sessionsPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *sessionsPage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
}

func (p *sessionsPage) load(ctx app.Context) {
	if p.api == nil {
		return
	}
	api, status, agent := p.api, p.status, p.agent
	ctx.Async(func() {
		var r struct {
			Sessions []contract.Session `json:"sessions"`
		}
		err := api.get(query("/api/sessions", "status", status, "agent_type", agent, "limit", "500"), &r)
		now := time.Now()
		ctx.Dispatch(func(ctx app.Context) {
			if status != p.status || agent != p.agent {
				return
			}
			p.now = now
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			p.sessions, p.st, p.err = r.Sessions, loaded, nil
		})
	})
	ctx.Async(func() {
		var fo contract.FilterOptions
		if api.get("/api/filter-options", &fo) == nil {
			ctx.Dispatch(func(ctx app.Context) { p.options = fo })
		}
	})
}

// visible are the loaded sessions that pass the filters applied here (project, branch, text).
func (p *sessionsPage) visible() []contract.Session {
	if p.project == "" && p.branch == "" && p.text == "" {
		return p.sessions
	}
	text := strings.ToLower(p.text)
	var out []contract.Session
	for _, s := range p.sessions {
		if p.project != "" && str(s.Project) != p.project || p.branch != "" && str(s.Branch) != p.branch {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(s.ID+" "+str(s.Project)+" "+str(s.Branch)), text) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *sessionsPage) Render() app.UI {
	branches := make([]string, 0, len(p.options.Branches))
	for _, b := range p.options.Branches {
		branches = append(branches, b.Value)
	}
	rows := p.visible()
	var cost float64
	var tokens int64
	for _, s := range rows {
		cost += s.TotalCostUSD
		tokens += s.TokensIn + s.TokensOut
	}
	sub := ""
	if p.st == loaded {
		sub = plural(int64(len(rows)), "session") + " · " + compact(float64(tokens)) + " tokens · " + usd(cost)
	}
	return frame("/sessions", p.api,
		pageHead("Sessions", sub),
		panel(
			box("filters",
				selectBox("Status", p.status, []string{"active", "idle", "ended"}, nil, func(ctx app.Context, v string) {
					p.status, p.st = v, loading
					p.load(ctx)
				}),
				selectBox("Agent", p.agent, p.options.AgentTypes, agentLabel, func(ctx app.Context, v string) {
					p.agent, p.st = v, loading
					p.load(ctx)
				}),
				selectBox("Project", p.project, p.options.Projects, nil, func(ctx app.Context, v string) { p.project = v }),
				selectBox("Branch", p.branch, branches, nil, func(ctx app.Context, v string) { p.branch = v }),
				label().Class("field grow").Body(
					textEl("span", "", "Find"),
					input("search").Attr("placeholder", "session id, project or branch").Attr("value", p.text).
						OnInput(func(ctx app.Context, e app.Event) { p.text = ctx.JSSrc().Get("value").String() }),
				),
			),
			p.renderTable(rows),
		),
	)
}

func (p *sessionsPage) renderTable(rows []contract.Session) app.UI {
	if v, ok := stateView(p.st, p.err, len(rows) == 0, "No sessions match."); !ok {
		return v
	}
	return box("table-wrap",
		table().ID("sessions").Class("table").Body(
			headRow("Status", "Session", "Project", "Branch", "Started", "Last event", "#Events",
				"#Tokens in / out", "#Cost", "#Files · lines"),
			tbody().Body(app.Range(rows).Slice(func(i int) app.UI {
				s := rows[i]
				return tr().DataSet("session", s.ID).Body(
					cellOf(statusBadge(s.Status)),
					cellOf(
						anchor(sessionHref(s.ID, 0)).Class("mono").Title(s.ID).Text(shortID(s.ID)),
						app.Text(" "), agentBadge(s.AgentType),
					),
					cell("", or(str(s.Project), "—")),
					cell("mono", or(str(s.Branch), "—")),
					cell("nowrap muted", when(s.StartedAt, p.now)),
					cell("nowrap", when(s.LastEventAt, p.now)),
					cell("num", count(s.EventCount)),
					cell("num", compact(float64(s.TokensIn))+" / "+compact(float64(s.TokensOut))),
					cell("num", usd(s.TotalCostUSD)),
					cell("num", count(s.FilesEdited)+" · +"+count(s.LinesAdded)+" −"+count(s.LinesRemoved)),
				)
			})),
		),
	)
}

// sessionEventLimit is how many of a session's latest events its page loads at first.
const sessionEventLimit = 500

// sessionPage shows one session (/sessions/:id): its figures, a timeline and the transcript.
type sessionPage struct {
	app.Compo
	api *client

	id      string
	target  int64 // the event the URL points at (#e-<id>), highlighted
	all     bool  // load every event, not only the latest
	st      loadState
	err     error
	session contract.Session
	events  []contract.Event // oldest first
	now     time.Time
}

func newSessionPage(api *client) *sessionPage { return &sessionPage{api: api, now: time.Now()} }

func (p *sessionPage) OnPreRender(ctx app.Context) {
	p.fromURL(ctx)
	p.load(ctx)
}

func (p *sessionPage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
}

// OnNav runs on the first display and on every navigation to another session.
func (p *sessionPage) OnNav(ctx app.Context) {
	id := p.id
	p.fromURL(ctx)
	if id != p.id || p.st != loaded {
		p.st, p.all = loading, false
		p.load(ctx)
	}
	p.scrollToTarget(ctx)
}

func (p *sessionPage) fromURL(ctx app.Context) {
	u := ctx.Page().URL()
	id := sessionIDFromPath(u.EscapedPath())
	if id == "" {
		return // not a session's URL (a test's page)
	}
	p.id, p.target = id, 0
	if n, ok := strings.CutPrefix(u.Fragment, "e-"); ok {
		p.target, _ = strconv.ParseInt(n, 10, 64)
	}
}

func (p *sessionPage) load(ctx app.Context) {
	if p.api == nil || p.id == "" {
		return
	}
	api, id, limit := p.api, p.id, strconv.Itoa(sessionEventLimit)
	if p.all {
		limit = "-1"
	}
	ctx.Async(func() {
		var r struct {
			Session contract.Session `json:"session"`
			Events  []contract.Event `json:"events"`
		}
		err := api.get(query(sessionPath(id), "event_limit", limit), &r)
		now := time.Now()
		ctx.Dispatch(func(ctx app.Context) {
			if id != p.id {
				return
			}
			p.now = now
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			reverse(r.Events) // the API sends the latest first
			p.session, p.events, p.st, p.err = r.Session, r.Events, loaded, nil
			if id != "" {
				ctx.Page().SetTitle(shortID(id) + " · AgentMonitor")
			}
			p.scrollToTarget(ctx)
		})
	})
}

// scrollToTarget brings the event named by the URL into view once it is rendered.
func (p *sessionPage) scrollToTarget(ctx app.Context) {
	if p.target == 0 || p.st != loaded {
		return
	}
	id := "e-" + strconv.FormatInt(p.target, 10)
	ctx.Defer(func(app.Context) { app.Window().ScrollToID(id) })
}

func (p *sessionPage) Render() app.UI {
	return frame("/sessions", p.api, p.renderBody())
}

func (p *sessionPage) renderBody() app.UI {
	if p.st == failed {
		if e, ok := p.err.(*apiError); ok && e.Status == 404 {
			return box("state empty",
				app.H1().Text("Session not found"),
				app.P().Body(app.Text("No session has the id "), textEl("code", "", p.id), app.Text(". ")),
				anchor("/sessions").Text("All sessions"),
			)
		}
	}
	if v, ok := stateView(p.st, p.err, false, ""); !ok {
		return box("", pageHead("Session", p.id), v)
	}
	s := p.session
	where := or(str(s.Project), "no project")
	if b := str(s.Branch); b != "" {
		where += " / " + b
	}
	start, _ := parseTime(s.StartedAt)
	end, _ := parseTime(s.LastEventAt)
	if s.EndedAt != nil {
		if t, ok := parseTime(*s.EndedAt); ok {
			end = t
		}
	}
	errorsN := 0
	for _, e := range p.events {
		if e.Status != contract.StatusSuccess || e.EventType == "error" {
			errorsN++
		}
	}
	return box("",
		box("crumbs", anchor("/sessions").Text("Sessions"), app.Text(" / "),
			textEl("span", "mono", shortID(s.ID))),
		box("page-head",
			box("",
				app.H1().Class("mono session-title").Title(s.ID).Text(s.ID),
				app.P().Class("sub").Body(agentBadge(s.AgentType), app.Text(" "), statusBadge(s.Status),
					app.Text(" "+where+" · started "+when(s.StartedAt, p.now)+" · ran "+duration(float64(end.Sub(start).Milliseconds())))),
			),
		),
		box("statsbar",
			stat("Events", count(s.EventCount), pluralErr(errorsN)),
			stat("Tokens in", compact(float64(s.TokensIn)), ""),
			stat("Tokens out", compact(float64(s.TokensOut)), ""),
			stat("Cost", usd(s.TotalCostUSD), ""),
			stat("Files edited", count(s.FilesEdited), "+"+count(s.LinesAdded)+" −"+count(s.LinesRemoved)+" lines"),
		),
		panel(
			textEl("h2", "", "Timeline"),
			newTimeline().Events(p.events),
		),
		panel(
			box("panel-head",
				textEl("h2", "", "Transcript"),
				app.If(int64(len(p.events)) < s.EventCount, func() app.UI {
					return box("controls",
						textEl("span", "muted", "latest "+count(int64(len(p.events)))+" of "+count(s.EventCount)+" events"),
						button().Class("btn small").Text("Load all").OnClick(func(ctx app.Context, e app.Event) {
							p.all = true
							p.load(ctx)
						}),
					)
				}),
			),
			p.renderTranscript(),
		),
	)
}

func pluralErr(n int) string {
	switch n {
	case 0:
		return "no errors"
	case 1:
		return "1 error"
	}
	return strconv.Itoa(n) + " errors"
}

func (p *sessionPage) renderTranscript() app.UI {
	if len(p.events) == 0 {
		return textEl("div", "state empty", "This session has no events.")
	}
	events := p.events
	return ol().ID("transcript").Class("transcript").Body(
		app.Range(events).Slice(func(i int) app.UI {
			return transcriptEntry(&events[i], events[i].ID == p.target, p.now)
		}),
	)
}

// transcriptEntry renders one event as a transcript line (CONTRACT 8.11): prompts, responses,
// tool calls with their command or file, and errors highlighted.
func transcriptEntry(e *contract.Event, target bool, now time.Time) app.UI {
	t := contract.NewTranscriptEntry(e)
	isErr := t.Status == contract.StatusError || t.Type == "error"
	cls := []string{"entry", "role-" + t.Role}
	if isErr {
		cls = append(cls, "err")
	}
	if target {
		cls = append(cls, "target")
	}
	head := t.Type
	if t.ToolName != "" {
		head = t.ToolName
	}
	var meta []string
	if t.Model != "" {
		meta = append(meta, t.Model)
	}
	if t.TokensIn > 0 || t.TokensOut > 0 {
		meta = append(meta, compact(float64(t.TokensIn))+" in / "+compact(float64(t.TokensOut))+" out")
	}
	if t.CostUSD > 0 {
		meta = append(meta, usd(t.CostUSD))
	}
	if t.DurationMS > 0 {
		meta = append(meta, duration(float64(t.DurationMS)))
	}
	ts, _ := parseTime(t.Timestamp)
	return li().ID("e-"+strconv.FormatInt(e.ID, 10)).Class(cls...).Body(
		box("entry-head",
			textEl("span", "role", t.Role),
			span().Class("etype", "et-"+t.Type).Text(head),
			app.If(t.ToolName != "" && t.Type != "tool_use", func() app.UI { return textEl("span", "muted", t.Type) }),
			app.If(t.Status != "", func() app.UI { return textEl("span", "badge st-error", t.Status) }),
			textEl("span", "entry-meta muted", strings.Join(meta, " · ")),
			span().Class("entry-time muted mono").Title(t.Timestamp).Text(clock(ts, now)),
		),
		app.If(t.Detail != "", func() app.UI {
			if t.Role == "tool" {
				return textEl("pre", "entry-detail code", clip(t.Detail, 4000))
			}
			return textEl("div", "entry-detail", clip(t.Detail, 4000))
		}),
	)
}
