package api

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/api/contract"
	"github.com/agentmonitor/agentmonitor/kv"
)

// Hub fans committed events and server messages out to SSE clients (CONTRACT 9, 18.8). Publishing
// never waits: a client whose queue is full is dropped, and its browser reconnects.
type Hub struct {
	max       int
	queueSize int

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
	count   atomic.Int64
	dropped atomic.Int64
}

type client struct {
	agentType, eventType string // per-client filters; "" matches anything
	queue                chan []byte
	gone                 chan struct{} // closed when the hub drops the client
	once                 sync.Once
}

func (c *client) drop() { c.once.Do(func() { close(c.gone) }) }

// NewHub returns a hub admitting at most maxClients streams, each with a queue of queueSize frames.
func NewHub(maxClients, queueSize int) *Hub {
	return &Hub{max: maxClients, queueSize: queueSize, clients: map[*client]struct{}{}}
}

// Clients is the number of connected streams.
func (h *Hub) Clients() int64 { return h.count.Load() }

// Dropped is the number of streams dropped for not keeping up.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

func (h *Hub) join(agentType, eventType string) *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.clients) >= h.max {
		return nil
	}
	c := &client{agentType: agentType, eventType: eventType,
		queue: make(chan []byte, h.queueSize), gone: make(chan struct{})}
	h.clients[c] = struct{}{}
	h.count.Store(int64(len(h.clients)))
	return c
}

func (h *Hub) leave(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.count.Store(int64(len(h.clients)))
	h.mu.Unlock()
	c.drop()
}

// send queues a frame for c, dropping c when its queue is full. Called with h.mu held.
func (h *Hub) send(c *client, f []byte) {
	select {
	case c.queue <- f:
	default:
		h.dropped.Add(1)
		delete(h.clients, c)
		h.count.Store(int64(len(h.clients)))
		c.drop()
	}
}

// PublishEvents sends each committed event as an "event" message. It is the store's OnCommit.
func (h *Hub) PublishEvents(rows []kv.Committed) {
	if h.count.Load() == 0 {
		return
	}
	frames := make([][]byte, len(rows))
	for i, r := range rows {
		f := make([]byte, 0, len(r.JSON)+40)
		f = append(f, `data: {"type":"event","payload":`...)
		f = append(f, r.JSON...)
		frames[i] = append(f, "}\n\n"...)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		for i, r := range rows {
			if c.matches(r.Row) {
				h.send(c, frames[i])
			}
		}
	}
}

func (c *client) matches(e *contract.Event) bool {
	return (c.agentType == "" || c.agentType == e.AgentType) && (c.eventType == "" || c.eventType == e.EventType)
}

// BroadcastUnfiltered sends a frame to the clients without filters: messages other than events
// carry no agent_type or event_type, so a filtered client never matches them (CONTRACT 17.5).
func (h *Hub) BroadcastUnfiltered(f []byte) {
	if f == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.agentType == "" && c.eventType == "" {
			h.send(c, f)
		}
	}
}

// Close ends every stream and admits no more.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		c.drop()
	}
	h.count.Store(0)
}

// maxFlush bounds the bytes of queued frames written with one flush.
const maxFlush = 256 << 10

func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	c := s.hub.join(q.Get("agent_type"), q.Get("event_type"))
	if c == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"error": "SSE client limit reached", "max_clients": s.cfg.MaxSSEClients,
		})
		return
	}
	defer s.hub.leave(c)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	failures := 0
	// write sends p with a deadline, so a client that stops reading fails instead of hanging;
	// three failed flushes in a row drop it (CONTRACT 9).
	write := func(p []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, err := w.Write(p)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			failures++
			return failures < 3
		}
		failures = 0
		return true
	}
	connected := `{"type":"connected","timestamp":"` + contract.FormatClientTime(time.Now()) + `"}`
	if !write(frame([]byte(connected))) {
		return
	}
	heartbeat := time.NewTicker(s.cfg.HeartbeatInterval)
	defer heartbeat.Stop()
	buf := make([]byte, 0, 64<<10)
	for {
		select {
		case f := <-c.queue:
			buf = append(buf[:0], f...)
		drain:
			for len(buf) < maxFlush {
				select {
				case f := <-c.queue:
					buf = append(buf, f...)
				default:
					break drain
				}
			}
			if !write(buf) {
				return
			}
		case <-heartbeat.C:
			if !write([]byte(": heartbeat\n\n")) {
				return
			}
		case <-c.gone:
			return
		case <-r.Context().Done():
			return
		}
	}
}
