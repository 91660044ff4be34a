package contract

import "errors"

// ErrInvalidJSON is returned (wrapped) by CompactJSON for text that is not one JSON value.
var ErrInvalidJSON = errors.New("contract: invalid JSON")

// FieldError is one rejected field of an event (CONTRACT 4.2). Field and Message are the exact strings
// clients compare, e.g. {"field":"agent_type","message":"must be a string"}.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String returns "<field>: <message>", the form batch responses list (CONTRACT 4.2).
func (e FieldError) String() string { return e.Field + ": " + e.Message }

// ValidationError carries the field errors of one rejected event. Its message is the contract's
// "Invalid event payload"; the HTTP layer sends Details alongside it.
type ValidationError struct {
	Details []FieldError
}

// Error returns "Invalid event payload".
func (e *ValidationError) Error() string { return "Invalid event payload" }
