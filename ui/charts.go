package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Charts are SVG drawn by Go components; CSS classes give their colors, so both themes apply.

const svgNS = "http://www.w3.org/2000/svg"

func svgEl(tag string) app.HTMLElem { return app.Elem(tag).XMLNS(svgNS) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// svgText is a text element at x, y.
func svgText(x, y float64, anchor, class, text string) app.UI {
	return svgEl("text").Attr("x", num(x)).Attr("y", num(y)).Attr("text-anchor", anchor).
		Attr("class", class).Text(text)
}

// bar is one row of a bar chart.
type bar struct {
	Label string
	Value float64
	Part  float64 // a highlighted part of Value (errors), drawn over the bar
	Text  string  // the value as shown
	Sub   string  // more about the row, in the hover title
}

// barChart draws horizontal bars, longest first as given.
type barChart struct {
	app.Compo
	IBars  []bar  // attribute
	IClass string // attribute: the bars' color class
	ILabel string // attribute: accessible name
}

func newBarChart() *barChart { return &barChart{} }

// Bars sets the rows.
func (c *barChart) Bars(b []bar) *barChart { c.IBars = b; return c }

// Class sets the color class of the bars.
func (c *barChart) Class(cls string) *barChart { c.IClass = cls; return c }

// Label names the chart for screen readers.
func (c *barChart) Label(l string) *barChart { c.ILabel = l; return c }

func (c *barChart) Render() app.UI {
	const (
		width  = 520.0
		row    = 28.0
		labelW = 160.0
		valueW = 80.0
	)
	max := 0.0
	for _, b := range c.IBars {
		max = math.Max(max, b.Value)
	}
	height := row*float64(len(c.IBars)) + 4
	plotW := width - labelW - valueW
	return svgEl("svg").Class("chart bars").Attr("viewBox", "0 0 "+num(width)+" "+num(height)).
		Attr("role", "img").Attr("aria-label", c.ILabel).Body(
		app.Range(c.IBars).Slice(func(i int) app.UI {
			b := c.IBars[i]
			y := float64(i)*row + 4
			w := 0.0
			if max > 0 {
				w = math.Max(b.Value/max*plotW, 2)
			}
			title := b.Label + ": " + b.Text
			if b.Sub != "" {
				title += " · " + b.Sub
			}
			return svgEl("g").Body(
				svgEl("title").Text(title),
				svgText(labelW-8, y+row/2+1, "end", "lbl", clip(b.Label, 24)),
				svgEl("rect").Attr("x", num(labelW)).Attr("y", num(y+5)).Attr("width", num(w)).
					Attr("height", num(row-12)).Attr("rx", "3").Attr("class", "bar "+c.IClass),
				app.If(b.Part > 0 && b.Value > 0, func() app.UI {
					return svgEl("rect").Attr("x", num(labelW)).Attr("y", num(y+5)).
						Attr("width", num(math.Max(b.Part/b.Value*w, 2))).Attr("height", num(row-12)).
						Attr("rx", "3").Attr("class", "bar part")
				}),
				svgText(labelW+w+6, y+row/2+1, "start", "val", b.Text),
			)
		}),
	)
}

// point is one column of a column chart.
type point struct {
	Tick  string // x label, shown when there is room
	Value float64
	Title string // hover text
}

// columnChart draws a series of columns over time with a y axis.
type columnChart struct {
	app.Compo
	IPoints []point // attribute
	IMoney  bool    // attribute: y values are dollars
	IClass  string  // attribute
	ILabel  string  // attribute
}

func newColumnChart() *columnChart { return &columnChart{} }

// Points sets the columns.
func (c *columnChart) Points(p []point) *columnChart { c.IPoints = p; return c }

// Money makes the y values read as dollars.
func (c *columnChart) Money(m bool) *columnChart { c.IMoney = m; return c }

// Class sets the color class of the columns.
func (c *columnChart) Class(cls string) *columnChart { c.IClass = cls; return c }

// Label names the chart for screen readers.
func (c *columnChart) Label(l string) *columnChart { c.ILabel = l; return c }

func (c *columnChart) Render() app.UI {
	const (
		width  = 800.0
		height = 220.0
		left   = 64.0
		bottom = 24.0
		top    = 10.0
	)
	format := compact
	if c.IMoney {
		format = usd
	}
	max := 0.0
	for _, p := range c.IPoints {
		max = math.Max(max, p.Value)
	}
	top4 := niceCeil(max)
	plotH := height - bottom - top
	n := len(c.IPoints)
	slot := (width - left) / float64(max1(n))
	every := int(math.Ceil(float64(n) / 8)) // at most about 8 x labels
	grid := make([]float64, 5)
	for i := range grid {
		grid[i] = top4 * float64(i) / 4
	}
	return svgEl("svg").Class("chart columns").Attr("viewBox", "0 0 "+num(width)+" "+num(height)).
		Attr("role", "img").Attr("aria-label", c.ILabel).Body(
		app.Range(grid).Slice(func(i int) app.UI {
			y := top + plotH - grid[i]/math.Max(top4, 1e-12)*plotH
			return svgEl("g").Body(
				svgEl("line").Attr("x1", num(left)).Attr("x2", num(width)).Attr("y1", num(y)).Attr("y2", num(y)).Attr("class", "grid"),
				svgText(left-6, y+4, "end", "axis", format(grid[i])),
			)
		}),
		app.Range(c.IPoints).Slice(func(i int) app.UI {
			p := c.IPoints[i]
			h := 0.0
			if top4 > 0 {
				h = p.Value / top4 * plotH
			}
			if p.Value > 0 {
				h = math.Max(h, 1.5)
			}
			x := left + float64(i)*slot
			w := math.Max(math.Min(slot*0.76, 56), 1) // a lone column stays a column
			return svgEl("g").Body(
				svgEl("title").Text(p.Title),
				svgEl("rect").Attr("x", num(x+(slot-w)/2)).Attr("y", num(top+plotH-h)).
					Attr("width", num(w)).Attr("height", num(h)).Attr("class", "col "+c.IClass),
				app.If(i%every == 0, func() app.UI {
					return svgText(x+slot/2, height-6, "middle", "axis", p.Tick)
				}),
			)
		}),
	)
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, for axis labels.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// timeline draws a session's events along its time span: one mark per event, colored by
// transcript role, errors tall and red.
type timeline struct {
	app.Compo
	IEvents []contract.Event // attribute: oldest first
}

func newTimeline() *timeline { return &timeline{} }

// Events sets the events drawn.
func (c *timeline) Events(e []contract.Event) *timeline { c.IEvents = e; return c }

func (c *timeline) Render() app.UI {
	const (
		width  = 1000.0
		height = 56.0
		pad    = 8.0
	)
	if len(c.IEvents) == 0 {
		return textEl("div", "state empty", "No events.")
	}
	times := make([]time.Time, len(c.IEvents))
	for i, e := range c.IEvents {
		times[i] = eventTime(e.CreatedAt, e.ClientTimestamp)
	}
	first, last := times[0], times[0]
	for _, t := range times {
		if t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	spanS := last.Sub(first).Seconds()
	n := float64(len(times))
	x := func(i int) float64 {
		if spanS < 1 { // all within a second: in order, evenly
			return pad + (float64(i)+0.5)/n*(width-2*pad)
		}
		return pad + times[i].Sub(first).Seconds()/spanS*(width-2*pad)
	}
	return box("timeline",
		svgEl("svg").Class("chart strip").Attr("viewBox", "0 0 "+num(width)+" "+num(height)).
			Attr("preserveAspectRatio", "none").Attr("role", "img").Attr("aria-label", "Events over time").Body(
			svgEl("line").Attr("x1", "0").Attr("x2", num(width)).Attr("y1", num(height-10)).Attr("y2", num(height-10)).Attr("class", "grid"),
			app.Range(c.IEvents).Slice(func(i int) app.UI {
				e := &c.IEvents[i]
				t := contract.NewTranscriptEntry(e)
				cls, top := "mark role-"+t.Role, 18.0
				if t.Status == contract.StatusError || t.Type == "error" {
					cls, top = "mark err", 4.0
				}
				title := t.Type
				if t.ToolName != "" {
					title += " · " + t.ToolName
				}
				return svgEl("rect").Attr("x", num(x(i)-1)).Attr("y", num(top)).Attr("width", "2").
					Attr("height", num(height-10-top)).Attr("class", cls).Body(svgEl("title").Text(title + " · " + t.Timestamp))
			}),
		),
		box("timeline-axis muted",
			textEl("span", "", first.Local().Format("Jan 2 15:04:05")),
			spanOf("legend",
				textEl("span", "key role-user", "user"),
				textEl("span", "key role-assistant", "assistant"),
				textEl("span", "key role-tool", "tool"),
				textEl("span", "key role-system", "system"),
				textEl("span", "key err", "error"),
			),
			textEl("span", "", last.Local().Format("Jan 2 15:04:05")),
		),
	)
}
