package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// searchReply is the reply of GET /api/search (CONTRACT 18.5).
type searchReply struct {
	Total   int64       `json:"total"`
	Results []searchHit `json:"results"`
}

// searchHit is one matching event with its highlighted fragments.
type searchHit struct {
	Event     contract.Event      `json:"event"`
	Score     float64             `json:"score"`
	Fragments map[string][]string `json:"fragments"`
}

// fragmentFields are the fields a hit may highlight, in the order they are shown.
var fragmentFields = []string{"prompt", "response", "command", "file", "error", "text"}

const searchLimit = 50

// searchQuery is what the Search page asks; it lives in the page's URL.
type searchQuery struct {
	Q, Agent, EventType, Tool, Project, Sort string
}

func (q searchQuery) href() string {
	return query("/search", "q", q.Q, "agent_type", q.Agent, "event_type", q.EventType, "tool_name", q.Tool,
		"project", q.Project, "sort", q.Sort)
}

func searchQueryFrom(u *url.URL) searchQuery {
	v := u.Query()
	return searchQuery{Q: v.Get("q"), Agent: v.Get("agent_type"), EventType: v.Get("event_type"),
		Tool: v.Get("tool_name"), Project: v.Get("project"), Sort: v.Get("sort")}
}

// searchPageC searches every stored event (/search): a query box, filters and hits with their
// highlighted fragments, each linking to the event in its session's transcript.
type searchPageC struct {
	app.Compo
	api *client

	q       searchQuery // asked (from the URL)
	input   string      // being typed
	st      loadState
	err     error
	total   int64
	hits    []searchHit
	more    bool // loading the next page
	options contract.FilterOptions
	now     time.Time
}

func newSearchPage(api *client) *searchPageC { return &searchPageC{api: api, now: time.Now()} }

func (p *searchPageC) OnPreRender(ctx app.Context) {
	if u := ctx.Page().URL(); u.Path == "/search" {
		p.q = searchQueryFrom(u)
		p.input = p.q.Q
		p.run(ctx, 0)
	}
}

func (p *searchPageC) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.run(ctx, 0) })
	if p.api == nil {
		return
	}
	api := p.api
	ctx.Async(func() {
		var fo contract.FilterOptions
		if api.get("/api/filter-options", &fo) == nil {
			ctx.Dispatch(func(ctx app.Context) { p.options = fo })
		}
	})
	ctx.Defer(func(app.Context) {
		if in := app.Window().GetElementByID("search-input"); in.Truthy() {
			in.Call("focus")
		}
	})
}

// OnNav reads the query from the URL: submitting the form navigates, so a search is a link.
func (p *searchPageC) OnNav(ctx app.Context) {
	q := searchQueryFrom(ctx.Page().URL())
	if q == p.q && p.st == loaded {
		return
	}
	p.q, p.input = q, q.Q
	p.run(ctx, 0)
}

// run asks the server for the hits from offset on.
func (p *searchPageC) run(ctx app.Context, offset int) {
	if p.api == nil {
		return
	}
	q := p.q
	if strings.TrimSpace(q.Q) == "" {
		p.st, p.hits, p.total, p.err = loaded, nil, 0, nil
		return
	}
	if offset == 0 {
		p.st = loading
	} else {
		p.more = true
	}
	api := p.api
	ctx.Async(func() {
		var r searchReply
		err := api.get(query("/api/search", "q", q.Q, "agent_type", q.Agent, "event_type", q.EventType,
			"tool_name", q.Tool, "project", q.Project, "sort", q.Sort, "limit", strconv.Itoa(searchLimit),
			"offset", strconv.Itoa(offset)), &r)
		now := time.Now()
		ctx.Dispatch(func(ctx app.Context) {
			if q != p.q {
				return
			}
			p.now, p.more = now, false
			if err != nil {
				p.st, p.err = failed, err
				reportErr(ctx, err)
				return
			}
			if offset == 0 {
				p.hits = r.Results
			} else {
				p.hits = append(p.hits, r.Results...)
			}
			p.total, p.st, p.err = r.Total, loaded, nil
		})
	})
}

func (p *searchPageC) submit(ctx app.Context, q searchQuery) {
	ctx.Navigate(q.href())
}

func (p *searchPageC) Render() app.UI {
	q := p.q
	return frame("/search", p.api,
		pageHead("Search", "Every prompt, response, command, file and error the agents reported"),
		form().Class("searchbox").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			nq := p.q
			nq.Q = p.input
			p.submit(ctx, nq)
		}).Body(
			input("search").ID("search-input").Attr("name", "q").Attr("value", p.input).Attr("autocomplete", "off").
				Attr("placeholder", `Search: words, "a phrase", -word, tool:Bash, file:main.go`).Aria("label", "Search query").
				OnInput(func(ctx app.Context, e app.Event) { p.input = ctx.JSSrc().Get("value").String() }),
			app.Elem("button").Attr("type", "submit").Class("btn accent").Text("Search"),
		),
		box("filters",
			selectBox("Agent", q.Agent, p.options.AgentTypes, agentLabel, func(ctx app.Context, v string) {
				nq := p.q
				nq.Agent, nq.Q = v, p.input
				p.submit(ctx, nq)
			}),
			selectBox("Type", q.EventType, contract.EventTypes, nil, func(ctx app.Context, v string) {
				nq := p.q
				nq.EventType, nq.Q = v, p.input
				p.submit(ctx, nq)
			}),
			selectBox("Tool", q.Tool, p.options.ToolNames, nil, func(ctx app.Context, v string) {
				nq := p.q
				nq.Tool, nq.Q = v, p.input
				p.submit(ctx, nq)
			}),
			selectBox("Project", q.Project, p.options.Projects, nil, func(ctx app.Context, v string) {
				nq := p.q
				nq.Project, nq.Q = v, p.input
				p.submit(ctx, nq)
			}),
			label().Class("field").Body(
				textEl("span", "", "Order"),
				selectEl().Aria("label", "Order").OnChange(func(ctx app.Context, e app.Event) {
					nq := p.q
					nq.Sort, nq.Q = ctx.JSSrc().Get("value").String(), p.input
					p.submit(ctx, nq)
				}).Body(
					option("", "Most recent", q.Sort == "" || q.Sort == "recent"),
					option("relevance", "Relevance", q.Sort == "relevance"),
				),
			),
		),
		p.renderResults(),
	)
}

func (p *searchPageC) renderResults() app.UI {
	if strings.TrimSpace(p.q.Q) == "" && p.st != failed {
		return box("state empty help",
			textEl("p", "", "Type words to find the events that hold them all. Press / anywhere to come back to this box."),
			ul().Body(
				li().Body(textEl("code", "", `"go test"`), app.Text(" a phrase")),
				li().Body(textEl("code", "", `migration -rollback`), app.Text(" without a word")),
				li().Body(textEl("code", "", `tool:Bash`), app.Text(", "), textEl("code", "", `project:myapp`), app.Text(" a field")),
				li().Body(textEl("code", "", `file:main.go`), app.Text(" a file, by base name or full path")),
			),
		)
	}
	if p.st == failed {
		if e, ok := p.err.(*apiError); ok {
			switch e.Status {
			case 404, 503:
				return app.Div().ID("search-error").Class("state error").Body(
					textEl("strong", "", "Search is not available"),
					textEl("p", "", "This server does not search (GET /api/search: "+e.Error()+"). Sessions and the live feed still work."),
				)
			case 400:
				return app.Div().ID("search-error").Class("state error").Body(
					textEl("strong", "", "The query could not be read"), textEl("p", "", e.Message))
			}
		}
	}
	if v, ok := stateView(p.st, p.err, len(p.hits) == 0, "No events match “"+p.q.Q+"”."); !ok {
		return app.Div().ID("search-results").Body(v)
	}
	hits := p.hits
	return app.Div().ID("search-results").Body(
		textEl("p", "muted", plural(p.total, "matching event")),
		ol().Class("hits").Body(app.Range(hits).Slice(func(i int) app.UI {
			return hitView(&hits[i], p.now)
		})),
		app.If(int64(len(hits)) < p.total, func() app.UI {
			return button().Class("btn").Text(pick(p.more, "Loading…", "More results")).
				OnClick(func(ctx app.Context, e app.Event) {
					if !p.more {
						p.run(ctx, len(p.hits))
					}
				})
		}),
	)
}

// hitView renders one hit: the event, its highlighted fragments and a link into its transcript.
func hitView(h *searchHit, now time.Time) app.UI {
	e := &h.Event
	kind := e.EventType
	if t := str(e.ToolName); t != "" {
		kind += " · " + t
	}
	var frags []app.UI
	for _, f := range fragmentFields {
		for _, frag := range h.Fragments[f] {
			frags = append(frags, box("frag",
				textEl("span", "frag-field", f),
				spanOf("frag-text mono", highlight(frag)...),
			))
		}
	}
	if len(frags) == 0 {
		if d := contract.NewTranscriptEntry(e).Detail; d != "" {
			frags = append(frags, box("frag", textEl("span", "frag-text mono", clip(d, 300))))
		}
	}
	href := sessionHref(e.SessionID, e.ID)
	return li().Class("hit", "st-"+e.Status).DataSet("id", e.ID).Body(
		box("hit-head",
			span().Class("etype", "et-"+e.EventType).Text(kind),
			agentBadge(e.AgentType),
			app.If(e.Status != contract.StatusSuccess, func() app.UI { return textEl("span", "badge st-error", e.Status) }),
			textEl("span", "muted", or(str(e.Project), "")),
			textEl("span", "muted mono", clock(eventTime(e.CreatedAt, e.ClientTimestamp), now)),
			anchor(href).Class("hit-link").Text("session "+shortID(e.SessionID)+" →"),
		),
		box("frags", frags...),
	)
}

// highlight turns a fragment (HTML-escaped text with <mark> tags, CONTRACT 18.5) into text
// and Mark elements. Nothing in it becomes markup except the marks.
func highlight(frag string) []app.UI {
	var out []app.UI
	for frag != "" {
		i := strings.Index(frag, "<mark>")
		if i < 0 {
			out = append(out, app.Text(unescape(frag)))
			break
		}
		if i > 0 {
			out = append(out, app.Text(unescape(frag[:i])))
		}
		frag = frag[i+len("<mark>"):]
		j := strings.Index(frag, "</mark>")
		if j < 0 {
			j = len(frag)
		}
		out = append(out, textEl("mark", "", unescape(frag[:j])))
		frag = frag[min(j+len("</mark>"), len(frag)):]
	}
	return out
}

// entities are the escapes html.EscapeString writes, and &quot;.
var entities = [...][2]string{{"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}, {"&#34;", `"`}, {"&quot;", `"`}, {"&amp;", "&"}}

// unescape undoes html.EscapeString; the html package's entity table would weigh on the wasm.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		rest := s[1:]
		out := "&"
		for _, e := range entities {
			if strings.HasPrefix(s, e[0]) {
				out, rest = e[1], s[len(e[0]):]
				break
			}
		}
		b.WriteString(out)
		s = rest
	}
}
