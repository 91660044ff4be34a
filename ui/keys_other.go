//go:build !(js && wasm)

package ui

// bindKeys does nothing outside a browser.
func bindKeys() {}
