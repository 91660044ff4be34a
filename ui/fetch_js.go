//go:build js && wasm

package ui

import (
	"errors"
	"syscall/js"
)

// fetchText GETs url with the browser's fetch API (net/http would add over 1 MB to the wasm).
// It blocks the calling goroutine, never the UI one: call it from ctx.Async.
func fetchText(url string) (status int, body string, err error) {
	done := make(chan struct{})
	var funcs []js.Func
	fn := func(f func(args []js.Value)) js.Func {
		jf := js.FuncOf(func(_ js.Value, args []js.Value) any {
			f(args)
			return nil
		})
		funcs = append(funcs, jf)
		return jf
	}
	defer func() {
		for _, f := range funcs {
			f.Release()
		}
	}()
	fail := fn(func(args []js.Value) {
		msg := "fetch failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		err = errors.New(msg)
		close(done)
	})
	text := fn(func(args []js.Value) {
		body = args[0].String()
		close(done)
	})
	answer := fn(func(args []js.Value) {
		status = args[0].Get("status").Int()
		args[0].Call("text").Call("then", text, fail)
	})
	opts := map[string]any{"cache": "no-store", "headers": map[string]any{"Accept": "application/json"}}
	js.Global().Call("fetch", url, opts).Call("then", answer, fail)
	<-done
	return status, body, err
}
