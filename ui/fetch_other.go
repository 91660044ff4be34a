//go:build !(js && wasm)

package ui

import "errors"

// fetchText has no backend outside a browser: the server's prerendered pages never fetch
// (their client is nil), and tests set the pages' data directly.
func fetchText(string) (int, string, error) {
	return 0, "", errors.New("ui: no fetch outside a browser")
}
