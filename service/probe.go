package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// Probe asks the server at base (http://host:port) for GET /api/health, with the bearer token when
// one is given. Nothing listening is ErrNotRunning; any other answer than 200 with the contract's
// body is an error that names it.
func Probe(ctx context.Context, client *http.Client, base, token string) (contract.Health, error) {
	var h contract.Health
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/api/health", nil)
	if err != nil {
		return h, fmt.Errorf("service: probe %s: %w", base, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return h, fmt.Errorf("%w at %s: %v", ErrNotRunning, base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("service: %s/api/health answered %s", base, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Status != "ok" {
		return h, fmt.Errorf("service: %s/api/health: not AgentMonitor's answer", base)
	}
	return h, nil
}
