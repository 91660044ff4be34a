package api

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentmonitor/agentmonitor/importer"
	"github.com/agentmonitor/agentmonitor/kv"
)

// RecalcBody is the JSON body of POST /api/costs/recalc: the flags of `agentmonitor costs recalc`.
// Since is YYYY-MM-DD or ISO-8601; empty means every event.
type RecalcBody struct {
	Since  string `json:"since,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// Unpriced is the reply of GET /api/costs/unpriced.
type Unpriced struct {
	PricingFile string          `json:"pricing_file"` // the user rate file read ("" : none)
	Models      []kv.ModelUsage `json:"models"`
}

// postRecalc re-prices stored events (CONTRACT 18.2). The user rate file is read again first, so
// a model just added to it needs no restart; unless dry, its table is then also the one new events
// are priced with.
func (s *Server) postRecalc(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var body RecalcBody
	if !s.readCommand(w, r, "recalc", &body) {
		return
	}
	var since time.Time
	if body.Since != "" {
		var err error
		if since, err = importer.ParseDate(body.Since); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	table, err := s.prices.Read()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !body.DryRun {
		s.prices.Use(table)
	}
	// A recalculation of years of events takes a while: lift the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	rep, err := s.store.Recalc(r.Context(), kv.Recalc{Since: since, DryRun: body.DryRun, Price: table.Cost})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep.PricingFile = s.prices.Path()
	s.log.Info("costs recalculated", "changed", rep.Changed, "before_usd", rep.Before, "after_usd", rep.After,
		"dry_run", rep.DryRun)
	writeJSON(w, http.StatusOK, rep)
}

// unpriced lists the models of stored events that the rate table (the user file read again) does
// not know.
func (s *Server) unpriced(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	table, err := s.prices.Read()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	models, err := s.store.Unpriced(table.Known)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Unpriced{PricingFile: s.prices.Path(), Models: models})
}
