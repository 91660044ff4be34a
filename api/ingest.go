package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/api/contract"
)

// readEventBody reads an ingest body and decodes it leniently; nil means "no JSON value": a wrong
// Content-Type, an empty body or text that is not JSON (all fail validation as "not an object").
func (s *Server) readEventBody(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	if !jsonContentType(r) {
		return nil, nil
	}
	b, err := readBody(w, r, maxIngestBody)
	if err != nil {
		return nil, err
	}
	return contract.Lenient(b), nil
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	raw, err := s.readEventBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, errs := contract.ParseEvent(raw, s.cfg.MaxPayloadBytes)
	if len(errs) > 0 {
		s.fail(w, r, &contract.ValidationError{Details: errs})
		return
	}
	s.prepare(&in)
	out, err := s.store.Ingest(r.Context(), []contract.Input{in})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if out[0].Duplicate {
		writeJSON(w, http.StatusOK, contract.IngestResult{IDs: []int64{}, Duplicates: 1})
		return
	}
	writeJSON(w, http.StatusCreated, contract.IngestResult{Received: 1, IDs: []int64{out[0].ID}})
}

func (s *Server) postBatch(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	raw, err := s.readEventBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, ok := contract.BatchEvents(raw)
	if !ok {
		writeError(w, http.StatusBadRequest, "Expected { events: [...] }")
		return
	}
	rejected := []contract.Rejected{}
	inputs := make([]contract.Input, 0, len(items))
	for i, item := range items {
		in, errs := contract.ParseEvent(item, s.cfg.MaxPayloadBytes)
		if len(errs) > 0 {
			msgs := make([]string, len(errs))
			for j, e := range errs {
				msgs[j] = e.String()
			}
			rejected = append(rejected, contract.Rejected{Index: i, Errors: msgs})
			continue
		}
		s.prepare(&in)
		inputs = append(inputs, in)
	}
	res := contract.IngestResult{IDs: []int64{}, Rejected: &rejected}
	if len(inputs) > 0 {
		out, err := s.store.Ingest(r.Context(), inputs)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, o := range out {
			if o.Duplicate {
				res.Duplicates++
				continue
			}
			res.Received++
			res.IDs = append(res.IDs, o.ID)
		}
	}
	writeJSON(w, http.StatusCreated, res)
}

// prepare does the pipeline steps that need no stored state and must stay off the writer: the git
// branch lookup (CONTRACT 5 step 6, which may start a process) and auto cost (step 7).
func (s *Server) prepare(in *contract.Input) {
	if in.CostUSD == nil && in.Model != "" && (in.TokensIn > 0 || in.TokensOut > 0) {
		if cost, ok := s.prices.Cost(in.Model, in.TokensIn, in.TokensOut, in.CacheReadTokens, in.CacheWriteTokens); ok {
			in.CostUSD, in.CostSource = &cost, contract.CostAuto
		}
	}
	if s.historical(in) {
		return
	}
	project := in.Project
	if project == "" {
		project = s.store.SessionProject(in.SessionID)
	}
	if project != "" {
		in.GitBranch = s.git.branch(project)
	}
}

// historical is CONTRACT 5 step 1; the writer decides it again at commit time.
func (s *Server) historical(in *contract.Input) bool {
	return in.Source == contract.SourceImport &&
		(in.ClientTime.IsZero() || in.ClientTime.Before(time.Now().Add(-s.cfg.HistoricalWindow)))
}
