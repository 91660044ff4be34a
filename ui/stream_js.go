//go:build js && wasm

package ui

import "syscall/js"

// openStream opens an EventSource on url. onMessage gets each message's data, onOpen the
// opening of the stream, onError its failure (the caller closes and reopens it). The callbacks
// run outside the UI goroutine. close ends the stream and releases the callbacks.
func openStream(url string, onMessage func(data string), onOpen, onError func()) (close func()) {
	es := js.Global().Get("EventSource").New(url)
	msg := js.FuncOf(func(_ js.Value, args []js.Value) any {
		onMessage(args[0].Get("data").String())
		return nil
	})
	open := js.FuncOf(func(js.Value, []js.Value) any {
		onOpen()
		return nil
	})
	fail := js.FuncOf(func(js.Value, []js.Value) any {
		onError()
		return nil
	})
	es.Call("addEventListener", "message", msg)
	es.Call("addEventListener", "open", open)
	es.Call("addEventListener", "error", fail)
	return func() {
		es.Call("close")
		msg.Release()
		open.Release()
		fail.Release()
	}
}
