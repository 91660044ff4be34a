package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Element constructors. Most markup is built from go-app's one generic element type
// (app.Elem), plus the typed ones go-app's client already links (Div, P, Img, Code, H1): every
// other typed element would add its whole method set, about 8 KB, to the wasm, which must stay
// under 2 MiB gzipped. Attributes are set with Attr, events with On….

func anchor(href string) app.HTMLElem { return app.Elem("a").Attr("href", href) }
func span() app.HTMLElem              { return app.Elem("span") }
func strong() app.HTMLElem            { return app.Elem("strong") }
func mark() app.HTMLElem              { return app.Elem("mark") }
func pre() app.HTMLElem               { return app.Elem("pre") }
func h2() app.HTMLElem                { return app.Elem("h2") }
func header() app.HTMLElem            { return app.Elem("header") }
func nav() app.HTMLElem               { return app.Elem("nav") }
func mainEl() app.HTMLElem            { return app.Elem("main") }
func section() app.HTMLElem           { return app.Elem("section") }
func form() app.HTMLElem              { return app.Elem("form") }
func label() app.HTMLElem             { return app.Elem("label") }
func selectEl() app.HTMLElem          { return app.Elem("select") }
func ol() app.HTMLElem                { return app.Elem("ol") }
func ul() app.HTMLElem                { return app.Elem("ul") }
func li() app.HTMLElem                { return app.Elem("li") }
func table() app.HTMLElem             { return app.Elem("table") }
func thead() app.HTMLElem             { return app.Elem("thead") }
func tbody() app.HTMLElem             { return app.Elem("tbody") }
func tr() app.HTMLElem                { return app.Elem("tr") }
func th() app.HTMLElem                { return app.Elem("th") }
func td() app.HTMLElem                { return app.Elem("td") }

// button is a push button (type "button": it never submits a form).
func button() app.HTMLElem { return app.Elem("button").Attr("type", "button") }

// input is an <input> of the given type.
func input(typ string) app.HTMLElemSelfClosing { return app.ElemSelfClosing("input").Attr("type", typ) }

// option is one choice of a select.
func option(value, text string, selected bool) app.UI {
	return app.Elem("option").Attr("value", value).Attr("selected", selected).Text(text)
}

// cell is a table cell holding text.
func cell(class, text string) app.UI { return td().Class(class).Text(text) }

// headRow is a table's header; a column named with a leading "#" holds numbers.
func headRow(cols ...string) app.UI {
	cells := make([]app.UI, len(cols))
	for i, c := range cols {
		if n, ok := strings.CutPrefix(c, "#"); ok {
			cells[i] = th().Class("num").Text(n)
		} else {
			cells[i] = th().Text(c)
		}
	}
	return thead().Body(tr().Body(cells...))
}

// textEl is an element of tag with a class holding text.
func textEl(tag, class, text string) app.UI { return app.Elem(tag).Class(class).Text(text) }

// pick returns a when cond holds, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// box is a div of class holding body.
func box(class string, body ...app.UI) app.UI { return app.Div().Class(class).Body(body...) }

// panel is a section framed as a panel.
func panel(body ...app.UI) app.HTMLElem { return section().Class("panel").Body(body...) }

// spanOf is a span of class holding body.
func spanOf(class string, body ...app.UI) app.UI { return span().Class(class).Body(body...) }

// cellOf is a table cell holding body.
func cellOf(body ...app.UI) app.UI { return td().Body(body...) }
