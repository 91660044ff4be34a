package ui

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

const (
	feedMax       = 200                    // events the feed keeps: older ones drop off
	flushEvery    = 150 * time.Millisecond // stream messages wait this long and render together
	refreshAfter  = time.Second            // an unknown session refreshes the cards this late
	maxReconnect  = 5 * time.Second        // longest wait before reopening the stream
	sessionsLimit = "100"
)

// feedFilter selects the events the live feed shows.
type feedFilter struct {
	Agent     string
	EventType string
	Tool      string
	Errors    bool
}

func (f feedFilter) match(e *contract.Event) bool {
	switch {
	case f.Agent != "" && e.AgentType != f.Agent:
		return false
	case f.EventType != "" && e.EventType != f.EventType:
		return false
	case f.Tool != "" && str(e.ToolName) != f.Tool:
		return false
	case f.Errors && e.Status == contract.StatusSuccess:
		return false
	}
	return true
}

// liveData is what the Live page shows. Its methods are pure: the page calls them in
// ctx.Dispatch and tests call them directly.
type liveData struct {
	stats    contract.Stats
	sessions []contract.Session        // active and idle sessions, the cards
	last     map[string]contract.Event // each card's latest event
	lastText map[string]string         // and what it did, for the card
	feed     []contract.Event          // newest first, at most feedMax
	seen     map[int64]bool            // ids in feed
	details  map[int64]string          // each shown event's detail (metadata is JSON: parse once)
	held     int                       // events held back while paused
}

// setFeed replaces the feed with events (newest first), as GET /api/events returns them.
func (d *liveData) setFeed(events []contract.Event) {
	if len(events) > feedMax {
		events = events[:feedMax]
	}
	d.feed = events
	d.seen = make(map[int64]bool, len(events))
	d.details = make(map[int64]string, len(events))
	for i := range events {
		d.seen[events[i].ID] = true
		d.details[events[i].ID] = eventDetail(&events[i])
	}
	d.noteLast(events)
}

// eventDetail is what an event's transcript entry shows: its prompt, command, file or error.
func eventDetail(e *contract.Event) string {
	return clip(contract.NewTranscriptEntry(e).Detail, 160)
}

// noteLast remembers the latest event of each session among events.
func (d *liveData) noteLast(events []contract.Event) {
	if d.last == nil {
		d.last = make(map[string]contract.Event)
		d.lastText = make(map[string]string)
	}
	changed := map[string]bool{}
	for _, e := range events {
		if prev, ok := d.last[e.SessionID]; !ok || prev.ID < e.ID {
			d.last[e.SessionID] = e
			changed[e.SessionID] = true
		}
	}
	for id := range changed {
		e := d.last[id]
		text := e.EventType
		if t := str(e.ToolName); t != "" {
			text = t
		}
		if detail := contract.NewTranscriptEntry(&e).Detail; detail != "" {
			text += " · " + clip(detail, 80)
		}
		d.lastText[id] = text
	}
}

// setSessions replaces the cards with the active and idle sessions.
func (d *liveData) setSessions(ss []contract.Session) {
	d.sessions = ss
	sortCards(d.sessions)
}

// apply adds streamed events (oldest first) to the cards, the stats and, when they pass the
// filter and the feed is not paused, the feed. It reports whether an event named a session the
// cards do not know, so the caller refreshes them from the server.
func (d *liveData) apply(events []contract.Event, f feedFilter, paused bool) (unknown bool) {
	if d.seen == nil {
		d.seen = make(map[int64]bool)
	}
	var add []contract.Event
	for _, e := range events {
		if d.seen[e.ID] {
			continue
		}
		d.stats.TotalEvents++
		d.stats.TotalTokensIn += e.TokensIn
		d.stats.TotalTokensOut += e.TokensOut
		if e.CostUSD != nil {
			d.stats.TotalCostUSD += *e.CostUSD
		}
		if !d.touch(&e) {
			unknown = true
			d.stats.TotalSessions++ // until the next stats message
			d.stats.LiveSessions++
			d.stats.ActiveSessions++
			d.stats.ActiveAgents = max(d.stats.ActiveAgents, agentTypes(d.sessions))
		}
		if !f.match(&e) {
			continue
		}
		if paused {
			d.held++
			continue
		}
		d.seen[e.ID] = true
		if d.details == nil {
			d.details = make(map[int64]string)
		}
		d.details[e.ID] = eventDetail(&e)
		add = append(add, e)
	}
	d.noteLast(events)
	sortCards(d.sessions)
	if len(add) == 0 {
		return unknown
	}
	reverse(add)
	feed := append(add, d.feed...)
	if len(feed) > feedMax {
		for _, e := range feed[feedMax:] {
			delete(d.seen, e.ID)
			delete(d.details, e.ID)
		}
		feed = feed[:feedMax]
	}
	d.feed = feed
	return unknown
}

// touch updates the card of e's session; false when there is none yet, in which case a
// provisional card is added from the event until the server's row arrives.
func (d *liveData) touch(e *contract.Event) bool {
	for i := range d.sessions {
		s := &d.sessions[i]
		if s.ID != e.SessionID {
			continue
		}
		s.EventCount++
		s.TokensIn += e.TokensIn
		s.TokensOut += e.TokensOut
		if e.CostUSD != nil {
			s.TotalCostUSD += *e.CostUSD
		}
		s.LastEventAt = e.CreatedAt
		s.Status = contract.SessionActive
		if e.EventType == "session_end" {
			s.Status = contract.SessionEnded
		}
		if e.Project != nil {
			s.Project = e.Project
		}
		if e.Branch != nil {
			s.Branch = e.Branch
		}
		return true
	}
	s := contract.Session{
		ID: e.SessionID, AgentID: e.AgentType + "-default", AgentType: e.AgentType,
		Project: e.Project, Branch: e.Branch, Status: contract.SessionActive,
		StartedAt: e.CreatedAt, LastEventAt: e.CreatedAt, Metadata: "{}", EventCount: 1,
		TokensIn: e.TokensIn, TokensOut: e.TokensOut,
	}
	if e.CostUSD != nil {
		s.TotalCostUSD = *e.CostUSD
	}
	if e.EventType == "session_end" {
		s.Status = contract.SessionEnded
	}
	d.sessions = append(d.sessions, s)
	return false
}

// agentTypes counts the distinct agent types of the cards.
func agentTypes(ss []contract.Session) int64 {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s.AgentType] = true
	}
	return int64(len(seen))
}

// sortCards puts active sessions first, then idle, then the rest; the latest event first within.
func sortCards(ss []contract.Session) {
	rank := func(s string) int {
		switch s {
		case contract.SessionActive:
			return 0
		case contract.SessionIdle:
			return 1
		}
		return 2
	}
	sortBy(ss, func(a, b contract.Session) bool {
		if ra, rb := rank(a.Status), rank(b.Status); ra != rb {
			return ra < rb
		}
		return a.LastEventAt > b.LastEventAt
	})
}

// streamMessage is one SSE message (CONTRACT 9); Payload is decoded by Type.
type streamMessage struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// statsPayload is the payload of a "stats" message.
type statsPayload struct {
	contract.Stats
	UsageMonitor []contract.Usage `json:"usage_monitor"`
}

// decodeBatch splits raw SSE messages into events (in order), the latest stats and whether a
// session_update asks for fresh cards.
func decodeBatch(raw []string) (events []contract.Event, stats *contract.Stats, refresh bool) {
	for _, data := range raw {
		var m streamMessage
		if json.Unmarshal([]byte(data), &m) != nil {
			continue
		}
		switch m.Type {
		case "event":
			var e contract.Event
			if json.Unmarshal(m.Payload, &e) == nil {
				events = append(events, e)
			}
		case "stats":
			var p statsPayload
			if json.Unmarshal(m.Payload, &p) == nil {
				stats = &p.Stats
			}
		case "session_update":
			refresh = true
		}
	}
	return events, stats, refresh
}

// decodeChunked decodes a batch a hundred messages at a time, sleeping a millisecond in
// between: the wasm has one thread, and the pause lets the browser handle input and paint
// during a burst.
func decodeChunked(raw []string) (events []contract.Event, stats *contract.Stats, refresh bool) {
	for len(raw) > 0 {
		n := min(len(raw), 100)
		e, s, r := decodeBatch(raw[:n])
		events = append(events, e...)
		if s != nil {
			stats = s
		}
		refresh = refresh || r
		if raw = raw[n:]; len(raw) > 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return events, stats, refresh
}

// livePage is the Live page (/): the stats bar, a card per active or idle session and the
// live event feed, kept current by /api/stream.
type livePage struct {
	app.Compo
	api *client

	data      liveData
	statsSt   loadState
	cardsSt   loadState
	feedSt    loadState
	cardsErr  error
	feedErr   error
	options   contract.FilterOptions
	filter    feedFilter
	paused    bool
	streaming bool // the stream is open
	now       time.Time

	mu        sync.Mutex // guards inbox: the stream's callbacks fill it off the UI goroutine
	inbox     []string
	done      chan struct{}
	closeES   func()
	backoff   time.Duration // wait before the next reconnection
	wasOpen   bool          // the stream has been open before: a reopening reloads the page
	refreshAt time.Time     // a card refresh is scheduled
}

func newLivePage(api *client) *livePage { return &livePage{api: api, now: time.Now()} }

func (p *livePage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *livePage) OnMount(ctx app.Context) {
	ctx.Handle(actionOnline, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
	if p.api == nil {
		return
	}
	p.done = make(chan struct{})
	p.connect(ctx, 0)
	done := p.done
	ctx.Async(func() {
		tick := time.NewTicker(flushEvery)
		defer tick.Stop()
		clockTick := time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			p.mu.Lock()
			raw := p.inbox
			p.inbox = nil
			p.mu.Unlock()
			now := time.Now()
			if len(raw) == 0 {
				if now.Sub(clockTick) >= 5*time.Second { // keep "12s ago" current
					clockTick = now
					ctx.Dispatch(func(ctx app.Context) { p.now = now })
				}
				continue
			}
			events, stats, refresh := decodeChunked(raw)
			ctx.Dispatch(func(ctx app.Context) { p.receive(ctx, events, stats, refresh, now) })
		}
	})
}

func (p *livePage) OnDismount() {
	if p.done != nil {
		close(p.done)
		p.done = nil
	}
	if p.closeES != nil {
		p.closeES()
		p.closeES = nil
	}
}

// connect opens the stream after wait. On failure it closes it and tries again, waiting longer
// each time up to maxReconnect (the server may be restarting); once open again, the page
// reloads what it missed.
func (p *livePage) connect(ctx app.Context, wait time.Duration) {
	done := p.done
	ctx.Async(func() {
		select {
		case <-done:
			return
		case <-time.After(wait):
		}
		ctx.Dispatch(func(ctx app.Context) {
			if p.done == nil || p.closeES != nil {
				return
			}
			p.closeES = openStream(p.api.base+"/api/stream", p.enqueue,
				func() { ctx.Dispatch(p.opened) },
				func() { ctx.Dispatch(p.broken) })
		})
	})
}

// enqueue keeps a stream message for the next batch; it runs outside the UI goroutine.
func (p *livePage) enqueue(data string) {
	p.mu.Lock()
	p.inbox = append(p.inbox, data)
	p.mu.Unlock()
}

func (p *livePage) opened(ctx app.Context) {
	p.streaming = true
	p.backoff = 0
	if p.wasOpen {
		p.load(ctx) // catch up with what happened while away
	}
	p.wasOpen = true
}

func (p *livePage) broken(ctx app.Context) {
	if p.closeES == nil {
		return
	}
	p.closeES()
	p.closeES = nil
	p.streaming = false
	ctx.NewAction(actionOffline)
	p.backoff = min(max(2*p.backoff, time.Second), maxReconnect)
	p.connect(ctx, p.backoff)
}

// receive applies one batch of stream messages.
func (p *livePage) receive(ctx app.Context, events []contract.Event, stats *contract.Stats, refresh bool, now time.Time) {
	p.now = now
	if stats != nil {
		p.data.stats = *stats
		p.statsSt = loaded
	}
	if len(events) > 0 && p.data.apply(events, p.filter, p.paused) {
		refresh = true
	}
	if refresh {
		p.refreshCards(ctx)
	}
}

// refreshCards reloads the cards soon, once for any number of requests in between.
func (p *livePage) refreshCards(ctx app.Context) {
	if !p.refreshAt.IsZero() {
		return
	}
	p.refreshAt = time.Now().Add(refreshAfter)
	ctx.After(refreshAfter, func(ctx app.Context) {
		p.refreshAt = time.Time{}
		p.loadCards(ctx)
	})
}

// load fetches everything the page shows.
func (p *livePage) load(ctx app.Context) {
	if p.api == nil {
		return
	}
	api := p.api
	ctx.Async(func() {
		var st contract.Stats
		err := api.get("/api/stats", &st)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.statsSt = failed
				reportErr(ctx, err)
				return
			}
			p.data.stats, p.statsSt = st, loaded
		})
	})
	ctx.Async(func() {
		var fo contract.FilterOptions
		if api.get("/api/filter-options", &fo) == nil {
			ctx.Dispatch(func(ctx app.Context) { p.options = fo })
		}
	})
	p.loadCards(ctx)
	p.loadFeed(ctx)
}

func (p *livePage) loadCards(ctx app.Context) {
	api := p.api
	ctx.Async(func() {
		var r struct {
			Sessions []contract.Session `json:"sessions"`
		}
		err := api.get(query("/api/sessions", "exclude_status", "ended", "limit", sessionsLimit), &r)
		now := time.Now()
		ctx.Dispatch(func(ctx app.Context) {
			p.now = now
			if err != nil {
				p.cardsSt, p.cardsErr = failed, err
				reportErr(ctx, err)
				return
			}
			p.data.setSessions(r.Sessions)
			p.cardsSt, p.cardsErr = loaded, nil
		})
	})
}

func (p *livePage) loadFeed(ctx app.Context) {
	api := p.api
	f := p.filter
	ctx.Async(func() {
		var r struct {
			Events []contract.Event `json:"events"`
		}
		err := api.get(query("/api/events", "agent_type", f.Agent, "event_type", f.EventType,
			"tool_name", f.Tool, "limit", strconv.Itoa(feedMax)), &r)
		ctx.Dispatch(func(ctx app.Context) {
			if f != p.filter {
				return // a newer filter's answer is on its way
			}
			if err != nil {
				p.feedSt, p.feedErr = failed, err
				return
			}
			events := r.Events
			if f.Errors {
				kept := events[:0]
				for _, e := range events {
					if f.match(&e) {
						kept = append(kept, e)
					}
				}
				events = kept
			}
			p.data.setFeed(events)
			p.feedSt, p.feedErr = loaded, nil
		})
	})
}

func (p *livePage) setFilter(ctx app.Context, f feedFilter) {
	p.filter = f
	p.feedSt = loading
	p.loadFeed(ctx)
}

func (p *livePage) Render() app.UI {
	return frame("/", p.api,
		pageHead("Live", "Sessions and events as they happen",
			span().ID("live-status").Class("pill", pick(p.streaming, "on", "off")).
				DataSet("state", pick(p.streaming, "streaming", "waiting")).
				Text(pick(p.streaming, "● streaming", "○ waiting for stream")),
		),
		p.renderStats(),
		panel(
			textEl("h2", "", "Agents"),
			p.renderCards(),
		),
		panel(
			box("panel-head",
				textEl("h2", "", "Event feed"),
				p.renderFilters(),
			),
			p.renderFeed(),
		),
	)
}

func (p *livePage) renderStats() app.UI {
	s := p.data.stats
	if p.statsSt != loaded {
		v, _ := stateView(p.statsSt, errOffline, false, "")
		return box("statsbar", v)
	}
	return app.Div().ID("stats-bar").Class("statsbar").Body(
		stat("Events", count(s.TotalEvents), ""),
		stat("Active sessions", count(s.ActiveSessions), count(s.LiveSessions)+" live · "+count(s.TotalSessions)+" total"),
		stat("Agents", count(s.ActiveAgents), "active"),
		stat("Tokens in", compact(float64(s.TotalTokensIn)), ""),
		stat("Tokens out", compact(float64(s.TotalTokensOut)), ""),
		stat("Cost", usd(s.TotalCostUSD), ""),
	)
}

// stat is one figure of a stats bar.
func stat(label, value, sub string) app.UI {
	return box("stat",
		textEl("div", "stat-label", label),
		textEl("div", "stat-value", value),
		app.If(sub != "", func() app.UI { return textEl("div", "stat-sub", sub) }),
	)
}

func (p *livePage) renderCards() app.UI {
	if v, ok := stateView(p.cardsSt, p.cardsErr, len(p.data.sessions) == 0,
		"No active sessions. Cards appear here as soon as an agent sends an event."); !ok {
		return v
	}
	ss := p.data.sessions
	return app.Div().ID("agent-cards").Class("cards").Body(
		app.Range(ss).Slice(func(i int) app.UI {
			id := ss[i].ID
			return agentCard(ss[i], p.data.lastText[id], p.data.last[id].Status == contract.StatusError, p.now)
		}),
	)
}

// agentCard renders one session as a card linking to its page.
func agentCard(s contract.Session, lastText string, lastErr bool, now time.Time) app.UI {
	where := str(s.Project)
	if b := str(s.Branch); b != "" {
		if where != "" {
			where += " / "
		}
		where += b
	}
	lastAt, _ := parseTime(s.LastEventAt)
	return anchor(sessionHref(s.ID, 0)).Class("card", "agent-card", "st-"+s.Status).DataSet("session", s.ID).Body(
		box("card-top",
			agentBadge(s.AgentType),
			statusBadge(s.Status),
			textEl("span", "card-cost", usd(s.TotalCostUSD)),
		),
		textEl("div", "card-where", or(where, "no project")),
		app.Div().Class("card-id mono").Title(s.ID).Text(shortID(s.ID)),
		app.If(lastText != "", func() app.UI {
			return app.Div().Class("card-last", pick(lastErr, "err", "")).Body(
				textEl("span", "mono", lastText),
			)
		}),
		box("card-foot",
			textEl("span", "", plural(s.EventCount, "event")),
			textEl("span", "", compact(float64(s.TokensIn+s.TokensOut))+" tokens"),
			textEl("span", "muted", ago(lastAt, now)),
		),
	)
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (p *livePage) renderFilters() app.UI {
	f := p.filter
	return box("filters",
		selectBox("Agent", f.Agent, p.options.AgentTypes, agentLabel, func(ctx app.Context, v string) {
			f.Agent = v
			p.setFilter(ctx, f)
		}),
		selectBox("Type", f.EventType, contract.EventTypes, nil, func(ctx app.Context, v string) {
			f.EventType = v
			p.setFilter(ctx, f)
		}),
		selectBox("Tool", f.Tool, p.options.ToolNames, nil, func(ctx app.Context, v string) {
			f.Tool = v
			p.setFilter(ctx, f)
		}),
		label().Class("check").Body(
			input("checkbox").Attr("checked", f.Errors).OnChange(func(ctx app.Context, e app.Event) {
				f.Errors = ctx.JSSrc().Get("checked").Bool()
				p.setFilter(ctx, f)
			}),
			textEl("span", "", "Errors only"),
		),
		button().Class("btn small").ID("pause").
			Text(pick(p.paused, "Resume", "Pause")).
			OnClick(func(ctx app.Context, e app.Event) {
				p.paused = !p.paused
				if !p.paused && p.data.held > 0 {
					p.data.held = 0
					p.loadFeed(ctx)
				}
			}),
	)
}

func (p *livePage) renderFeed() app.UI {
	if v, ok := stateView(p.feedSt, p.feedErr, len(p.data.feed) == 0,
		"No events yet. Send one with POST /api/events, or start an agent with the hooks installed."); !ok {
		return v
	}
	feed := p.data.feed
	return box("",
		app.If(p.paused && p.data.held > 0, func() app.UI {
			return textEl("div", "held", count(int64(p.data.held))+" new events held while paused")
		}),
		box("table-wrap",
			table().ID("feed").Class("table feed").Body(
				headRow("Time", "Agent", "Event", "Detail", "Session", "#Tokens", "#Cost"),
				tbody().Body(app.Range(feed).Slice(func(i int) app.UI {
					return feedRow(&feed[i], p.data.details[feed[i].ID], p.now)
				})),
			),
		),
	)
}

// feedRow renders one event of the feed; errors are highlighted.
func feedRow(e *contract.Event, detail string, now time.Time) app.UI {
	kind := e.EventType
	if t := str(e.ToolName); t != "" {
		kind += " · " + t
	}
	tokens := ""
	if n := e.TokensIn + e.TokensOut; n > 0 {
		tokens = compact(float64(n))
	}
	cost := ""
	if e.CostUSD != nil && *e.CostUSD > 0 {
		cost = usd(*e.CostUSD)
	}
	return tr().Class("st-"+e.Status).DataSet("id", e.ID).Body(
		cell("mono muted nowrap", clock(eventTime(e.CreatedAt, e.ClientTimestamp), now)),
		cellOf(agentBadge(e.AgentType)),
		td().Class("nowrap").Body(
			span().Class("etype", "et-"+e.EventType).Text(kind),
			app.If(e.Status != contract.StatusSuccess, func() app.UI { return textEl("span", "badge st-error", e.Status) }),
		),
		cell("mono detail", detail),
		cellOf(anchor(sessionHref(e.SessionID, e.ID)).Class("mono").Title(e.SessionID).Text(shortID(e.SessionID))),
		cell("num", tokens),
		cell("num", cost),
	)
}
