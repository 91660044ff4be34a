package ui

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// client reads the API. base is the server's origin ("" in the browser: the page's own origin).
// A nil *client is a page without a backend (the server's prerender): it never fetches.
type client struct {
	base string
}

// errOffline is a request that got no HTTP answer: the server is down or unreachable.
var errOffline = errors.New("server offline")

// apiError is an HTTP answer other than 200, with the contract's error text when the body has one.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return "HTTP " + strconv.Itoa(e.Status)
}

// get fetches path (with its query) and decodes the JSON body into v.
func (c *client) get(path string, v any) error {
	status, body, err := fetchText(c.base + path)
	if err != nil {
		return errOffline
	}
	if status != 200 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		return &apiError{Status: status, Message: e.Error}
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return errors.New("unexpected reply from " + path + ": " + err.Error())
	}
	return nil
}

// query builds a query string from name/value pairs, skipping empty values.
func query(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// sessionPath is the API path of a session; ids may hold any character.
func sessionPath(id string) string {
	return "/api/sessions/" + url.PathEscape(id)
}

// sessionHref is the dashboard link to a session, optionally to one of its events.
func sessionHref(id string, eventID int64) string {
	h := "/sessions/" + url.PathEscape(id)
	if eventID > 0 {
		h += "#e-" + strconv.FormatInt(eventID, 10)
	}
	return h
}

// sessionIDFromPath returns the session id of a /sessions/<id> path (escaped form).
func sessionIDFromPath(escapedPath string) string {
	rest, ok := strings.CutPrefix(escapedPath, "/sessions/")
	if !ok || rest == "" {
		return ""
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return rest
	}
	return id
}

// loadState is where a page's data is: loading, loaded or failed.
type loadState int

const (
	loading loadState = iota
	loaded
	failed
)
