package hooks

import "errors"

var (
	// ErrNotObject is returned by Map for input that is not one JSON object.
	ErrNotObject = errors.New("hooks: input is not a JSON object")
	// ErrNoSession is returned by Map for input without a session_id.
	ErrNoSession = errors.New("hooks: input has no session_id")
	// ErrNoEventName is returned by Map when neither the input nor the caller names the hook event.
	ErrNoEventName = errors.New("hooks: input has no hook_event_name")
	// ErrSettings is returned (wrapped) for a settings.json this package will not edit: text that is
	// not a JSON object, or a "hooks" entry of an unexpected shape.
	ErrSettings = errors.New("hooks: settings")
)
