package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/audit"
)

// auditAction is what the audit page is authorized as. iamgate's API does
// not serve the audit log (the CLI reads the store), so the page is
// authorized as AWS's console authorizes its CloudTrail event history:
// cloudtrail:LookupEvents on "*". Entries are only ever of the signed-in
// user's own account.
const auditAction = "cloudtrail:LookupEvents"

// auditPage is how many entries a page of the audit log shows; auditMax
// is how many entries past the first a query reads at most.
const (
	auditPage = 50
	auditMax  = 5000
)

type auditForm struct {
	Since, Until, Principal, Action, Decision string
}

type auditData struct {
	Form    auditForm
	Entries []auditRow
	Prev    template.URL // query strings of the neighbouring pages ("" for none)
	Next    template.URL
	From    int
}

type auditRow struct {
	Time, Caller, SourceIP, Operation, Outcome string
	Denied                                     bool
	Decisions                                  []audit.Decision
}

func parseAuditTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, awserr.ValidationError("time %s: want RFC 3339, such as 2026-12-02T13:00:00Z, or a date", strconv.Quote(s))
}

// auditLog shows the account's audit log, filtered by time range,
// principal, action (service:Operation or Operation) and decision
// (allowed: the call succeeded; denied: refused by authorization), oldest
// first, auditPage entries a page.
func (c *Console) auditLog(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Audit log", "audit"
	if f := c.authorizeRead(v, "cloudtrail", "LookupEvents", auditAction, "*"); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	q := v.request.URL.Query()
	d := auditData{Form: auditForm{Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
		Principal: strings.TrimSpace(q.Get("principal")), Action: strings.TrimSpace(q.Get("action")), Decision: q.Get("decision")}}
	bad := func(msg string) {
		v.page.Data = errorPage{Code: "ValidationError", Message: msg}
		c.render(w, v.request, http.StatusBadRequest, "error", v.page)
	}
	f := audit.Filter{Account: v.a.caller.Account.ID, Caller: d.Form.Principal, Operation: d.Form.Action}
	var err error
	if d.Form.Since != "" {
		if f.Since, err = parseAuditTime(d.Form.Since); err != nil {
			bad(err.Error())
			return
		}
	}
	if d.Form.Until != "" {
		if f.Until, err = parseAuditTime(d.Form.Until); err != nil {
			bad(err.Error())
			return
		}
	}
	switch d.Form.Decision {
	case "", "allowed", "denied":
	default:
		bad("decision " + strconv.Quote(d.Form.Decision) + ": want allowed or denied")
		return
	}
	from := 0
	if s := q.Get("from"); s != "" {
		if from, err = strconv.Atoi(s); err != nil || from < 0 || from > auditMax {
			bad("from " + strconv.Quote(s) + ": want a count up to " + strconv.Itoa(auditMax))
			return
		}
	}
	if f.Until.IsZero() {
		f.Until = c.now().Add(time.Second)
	}
	f.Limit = auditMax + auditPage + 1
	entries, err := c.cfg.State.AuditLog(v.ctx, f)
	if err != nil {
		c.internal(w, v.request, err)
		return
	}
	var rows []auditRow
	for _, e := range entries {
		denied := e.Outcome == "AccessDenied" || e.Outcome == "AccessDeniedException"
		if (d.Form.Decision == "allowed" && e.Outcome != "OK") || (d.Form.Decision == "denied" && !denied) {
			continue
		}
		rows = append(rows, auditRow{Time: e.Time.UTC().Format(time.RFC3339), Caller: e.Caller, SourceIP: e.SourceIP,
			Operation: e.Service + ":" + e.Operation, Outcome: e.Outcome, Denied: denied, Decisions: e.Decisions})
	}
	link := func(at int) template.URL {
		u := url.Values{}
		for k, val := range map[string]string{"since": d.Form.Since, "until": d.Form.Until, "principal": d.Form.Principal, "action": d.Form.Action, "decision": d.Form.Decision} {
			if val != "" {
				u.Set(k, val)
			}
		}
		u.Set("from", strconv.Itoa(at))
		return template.URL(u.Encode()) // url.Values.Encode escapes every value
	}
	if from > 0 {
		d.Prev = link(max(0, from-auditPage))
	}
	if from+auditPage < len(rows) && from+auditPage <= auditMax {
		d.Next = link(from + auditPage)
	}
	if from < len(rows) {
		d.Entries = rows[from:min(len(rows), from+auditPage)]
	}
	d.From = from
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "audit", v.page)
}
