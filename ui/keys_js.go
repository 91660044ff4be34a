//go:build js && wasm

package ui

import (
	"strings"
	"sync"
	"syscall/js"
)

var keysOnce sync.Once

// bindKeys makes "/" focus the search box of the current page (unless typing in a field).
func bindKeys() {
	keysOnce.Do(func() {
		doc := js.Global().Get("document")
		doc.Call("addEventListener", "keydown", js.FuncOf(func(_ js.Value, args []js.Value) any {
			e := args[0]
			if e.Get("key").String() != "/" || e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("altKey").Bool() {
				return nil
			}
			t := e.Get("target")
			if t.Truthy() {
				tag := strings.ToUpper(t.Get("tagName").String())
				if tag == "INPUT" || tag == "TEXTAREA" || tag == "SELECT" || t.Get("isContentEditable").Truthy() {
					return nil
				}
			}
			if in := doc.Call("getElementById", "search-input"); in.Truthy() {
				e.Call("preventDefault")
				in.Call("focus")
				in.Call("select")
			}
			return nil
		}))
	})
}
