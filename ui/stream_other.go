//go:build !(js && wasm)

package ui

// openStream has no EventSource outside a browser: it reports nothing and close is nil.
func openStream(string, func(string), func(), func()) (close func()) { return nil }
