package crm

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
)

// pairsPerPage is the length of a page of the duplicate review queue.
const pairsPerPage = 25

// duplicatesView is the review queue page.
type duplicatesView struct {
	Pairs  []DuplicatePair
	Counts PairCounts
	Page   int
	Next   bool
}

// PrevPage is the number of the page before this one.
func (v duplicatesView) PrevPage() int { return v.Page - 1 }

// NextPage is the number of the page after this one.
func (v duplicatesView) NextPage() int { return v.Page + 1 }

func (h *Pages) showDuplicates(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Duplicate contacts")
	ws := workspaceOf(r)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	pairs, err := h.svc.OpenPairs(r.Context(), ws, pairsPerPage+1, (page-1)*pairsPerPage)
	if err != nil {
		h.fail(w, r, p, "duplicates", err)
		return
	}
	counts, err := h.svc.PairCounts(r.Context(), ws)
	if err != nil {
		h.fail(w, r, p, "duplicates", err)
		return
	}
	v := duplicatesView{Counts: counts, Page: page, Next: len(pairs) > pairsPerPage}
	v.Pairs = pairs[:min(len(pairs), pairsPerPage)]
	p.Data = v
	h.ui.Render(w, http.StatusOK, "duplicates", p)
}

func (h *Pages) scanDuplicates(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.ScanDuplicates(r.Context(), workspaceOf(r))
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Duplicate contacts"), "duplicates", err)
		return
	}
	ui.Redirect(w, r, "/w/"+workspaceOf(r)+"/contacts/duplicates",
		strconv.Itoa(rep.New)+" new possible duplicates found among "+strconv.Itoa(rep.Contacts)+" contacts.")
}

// pairView is the page that merges one pair.
type pairView struct {
	Pair    *DuplicatePair
	Fields  []string
	Default map[string]string // field → "a" or "b"
	Members map[string]string // user id → name, for the owner field
}

// Label names a field for people.
func (pairView) Label(f string) string { return MergeFieldLabel(f) }

// Show is a contact's value of a field as the page shows it.
func (v pairView) Show(c *Contact, f string) string {
	val := c.FieldValue(f)
	if f == "owner_id" && val != "" {
		if n := v.Members[val]; n != "" {
			return n
		}
	}
	return val
}

func (h *Pages) showPair(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Merge contacts")
	v, err := h.pairView(r)
	if err != nil {
		h.fail(w, r, p, "pair", err)
		return
	}
	p.Data = v
	h.ui.Render(w, http.StatusOK, "pair", p)
}

func (h *Pages) pairView(r *http.Request) (*pairView, error) {
	ws := workspaceOf(r)
	pair, err := h.svc.Pair(r.Context(), ws, r.PathValue("a"), r.PathValue("b"))
	if err != nil {
		return nil, err
	}
	stages, err := h.svc.Lifecycle(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	members, err := h.svc.members.Members(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	v := &pairView{Pair: pair, Fields: MergeFields(), Default: map[string]string{}, Members: map[string]string{}}
	for _, m := range members {
		v.Members[m.UserID] = memberName(members, m.UserID)
	}
	for k := range pair.B.Props {
		if _, ok := pair.A.Props[k]; !ok {
			v.Fields = append(v.Fields, "properties."+k)
		}
	}
	for k := range pair.A.Props {
		v.Fields = append(v.Fields, "properties."+k)
	}
	for _, f := range v.Fields {
		v.Default[f] = "a"
		if h.svc.defaultChoice(stages, pair.A, pair.B, f) == "other" {
			v.Default[f] = "b"
		}
	}
	return v, nil
}

func (h *Pages) mergePair(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	p := h.ui.NewPage(w, r, "Merge contacts")
	v, err := h.pairView(r)
	if err != nil {
		h.fail(w, r, p, "pair", err)
		return
	}
	p.Data, p.Form = v, r.PostForm
	survivor, other := v.Pair.A, v.Pair.B
	if r.PostForm.Get("survivor") == "b" {
		survivor, other = other, survivor
	}
	in := MergeInput{SurvivorID: survivor.ID, OtherID: other.ID, Choose: map[string]string{}}
	for _, f := range v.Fields {
		side := r.PostForm.Get("keep." + f)
		if side == "" {
			continue
		}
		from := v.Pair.A
		if side == "b" {
			from = v.Pair.B
		}
		in.Choose[f] = "other"
		if from.ID == survivor.ID {
			in.Choose[f] = "survivor"
		}
	}
	m, err := h.svc.MergeContacts(r.Context(), pageActor(r), workspaceOf(r), in)
	if err != nil {
		h.fail(w, r, p, "pair", err)
		return
	}
	ui.Redirect(w, r, "/w/"+workspaceOf(r)+"/contacts/"+m.SurvivorID,
		"Merged "+m.Merged.Name()+" into "+m.Result.Name()+". You can undo this under Merges.")
}

func (h *Pages) dismissPair(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DismissPair(r.Context(), pageActor(r), workspaceOf(r), r.PathValue("a"), r.PathValue("b")); err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Duplicate contacts"), "duplicates", err)
		return
	}
	ui.Redirect(w, r, "/w/"+workspaceOf(r)+"/contacts/duplicates", "Marked as two different people.")
}

func (h *Pages) showMerges(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Merges")
	ms, err := h.svc.Merges(r.Context(), workspaceOf(r), 200)
	if err != nil {
		h.fail(w, r, p, "merges", err)
		return
	}
	p.Data = ms
	h.ui.Render(w, http.StatusOK, "merges", p)
}

func (h *Pages) undoMerge(w http.ResponseWriter, r *http.Request) {
	m, err := h.svc.UndoMerge(r.Context(), pageActor(r), workspaceOf(r), r.PathValue("id"))
	if errors.Is(err, ErrUndoRefused) {
		ui.Redirect(w, r, "/w/"+workspaceOf(r)+"/contacts/merges", msgOf(err))
		return
	}
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Merges"), "merges", err)
		return
	}
	ui.Redirect(w, r, "/w/"+workspaceOf(r)+"/contacts/merges", "Undone: "+m.Merged.Name()+" is a contact of its own again.")
}

func (h *Pages) showQuality(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Data quality")
	rep, err := h.svc.Quality(r.Context(), workspaceOf(r))
	if err != nil {
		h.fail(w, r, p, "quality", err)
		return
	}
	p.Data = rep
	h.ui.Render(w, http.StatusOK, "quality", p)
}

func (h *API) listDuplicates(w http.ResponseWriter, r *http.Request) {
	pairs, err := h.svc.OpenPairs(r.Context(), workspace(r), 1000, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type pairJSON struct {
		A       *Contact `json:"a"`
		B       *Contact `json:"b"`
		Score   float64  `json:"score"`
		Reasons []string `json:"reasons"`
	}
	out := make([]pairJSON, len(pairs))
	for i, p := range pairs {
		out[i] = pairJSON{p.A, p.B, p.Score, p.Reasons}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (h *API) mergeContacts(w http.ResponseWriter, r *http.Request) {
	var in MergeInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.svc.MergeContacts(r.Context(), actor(r), workspace(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (h *API) undoMerge(w http.ResponseWriter, r *http.Request) {
	m, err := h.svc.UndoMerge(r.Context(), actor(r), workspace(r), r.PathValue("id"))
	if errors.Is(err, ErrUndoRefused) {
		httpx.WriteJSON(w, http.StatusConflict, errorBody{Error: err.Error()})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (h *API) dataQuality(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Quality(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}
