// Command wasm is the dashboard's WebAssembly client: the pages of package ui, run in the
// browser. `make wasm` builds it into ui/web/static/app.wasm(.gz), which the server embeds.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/agentmonitor/agentmonitor/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
