package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// --- trust ---

// trustEdge is one principal a role's trust policy lets assume it: who,
// of which kind, in which account, and the conditions that guard it.
type trustEdge struct {
	Role, RoleArn      string
	Kind               string // AWS, Service, Federated
	Principal, Account string // Account: the principal's account, "" for services and federation
	ExternalID, MFA    bool
	External           bool // the principal is outside the role's account
}

// trustGroup is the aggregated edges from one source (an account, a
// service, a federated provider) into the signed-in account.
type trustGroup struct {
	Source string
	Count  int
	Roles  int
}

type trustData struct {
	Account  string
	Filter   string
	Expand   string
	Roles    int
	Groups   []trustGroup
	Edges    []trustEdge
	Shown    int
	Total    int
	Truncate bool
}

// trustEdgesShown caps the edges a page lists; aggregation tells the rest.
const trustEdgesShown = 500

// trust lists who may assume the roles of the signed-in account: every
// role's trust policy (iam:ListRoles, every page, as the signed-in user),
// its Allow statements on sts:AssumeRole*, aggregated by the principal's
// source, filtered on the server by q (account, role name, principal, or
// "externalid" / "mfa" for the guarded edges).
func (c *Console) trust(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Trust", "trust"
	q := v.request.URL.Query()
	d := trustData{Account: v.s.Account, Filter: strings.TrimSpace(q.Get("q")), Expand: q.Get("source")}
	var all []trustEdge
	marker := ""
	for {
		params := url.Values{"MaxItems": {"1000"}}
		if marker != "" {
			params.Set("Marker", marker)
		}
		var raw rawResult
		if f := c.iamCall(v.ctx, v.a, "ListRoles", params, &raw); f != nil {
			c.fail(w, v.request, v.page, f)
			return
		}
		for _, m := range raw.members("Roles") {
			var name, arn, doc string
			for _, fl := range m.Fields {
				switch fl.XMLName.Local {
				case "RoleName":
					name = fl.Value
				case "Arn":
					arn = fl.Value
				case "AssumeRolePolicyDocument":
					doc = fl.Value
				}
			}
			d.Roles++
			all = append(all, trustEdges(name, arn, v.s.Account, doc)...)
		}
		if !raw.IsTruncated || raw.Marker == "" {
			break
		}
		marker = raw.Marker
	}
	groups := map[string]*trustGroup{}
	roles := map[string]map[string]bool{}
	for _, e := range all {
		if !e.match(d.Filter) {
			continue
		}
		src := e.source()
		g := groups[src]
		if g == nil {
			g = &trustGroup{Source: src}
			groups[src] = g
			roles[src] = map[string]bool{}
		}
		g.Count++
		roles[src][e.Role] = true
		d.Total++
		if (d.Expand == "" || d.Expand == src) && len(d.Edges) < trustEdgesShown {
			d.Edges = append(d.Edges, e)
		}
	}
	for src, g := range groups {
		g.Roles = len(roles[src])
		d.Groups = append(d.Groups, *g)
	}
	sort.Slice(d.Groups, func(i, j int) bool {
		if d.Groups[i].Count != d.Groups[j].Count {
			return d.Groups[i].Count > d.Groups[j].Count
		}
		return d.Groups[i].Source < d.Groups[j].Source
	})
	d.Shown = len(d.Edges)
	if d.Expand != "" {
		d.Total = 0
		if g := groups[d.Expand]; g != nil {
			d.Total = g.Count
		}
	}
	d.Truncate = d.Shown < d.Total
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "trust", v.page)
}

// source is what the edge is aggregated under: the principal's account,
// or the service or provider.
func (e trustEdge) source() string {
	if e.Account != "" {
		return e.Account
	}
	return e.Principal
}

func (e trustEdge) match(q string) bool {
	if q == "" {
		return true
	}
	l := strings.ToLower(q)
	switch l {
	case "externalid":
		return e.ExternalID
	case "mfa":
		return e.MFA
	case "external":
		return e.External
	}
	return strings.Contains(strings.ToLower(e.Role), l) || strings.Contains(strings.ToLower(e.Principal), l) || e.Account == q
}

// trustEdges reads a role's trust policy (URL-encoded JSON, as IAM returns
// it) into its edges: the principals of Allow statements whose actions
// include an sts:AssumeRole action. It shows the document; the engine
// decides (the simulator answers for one request).
func trustEdges(role, roleArn, account, encoded string) []trustEdge {
	doc, err := url.PathUnescape(encoded)
	if err != nil {
		doc = encoded
	}
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return nil
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(p.Statement, &one) != nil {
			return nil
		}
		stmts = append(stmts, one)
	}
	var out []trustEdge
	for _, s := range stmts {
		var effect string
		if json.Unmarshal(s["Effect"], &effect) != nil || effect != "Allow" || !assumes(strings1(s["Action"])) {
			continue
		}
		cond := strings.ToLower(string(s["Condition"]))
		ext, mfa := strings.Contains(cond, "sts:externalid"), strings.Contains(cond, "aws:multifactorauth")
		var principals map[string]json.RawMessage
		if json.Unmarshal(s["Principal"], &principals) != nil {
			var star string
			if json.Unmarshal(s["Principal"], &star) == nil && star == "*" {
				out = append(out, trustEdge{Role: role, RoleArn: roleArn, Kind: "AWS", Principal: "*", ExternalID: ext, MFA: mfa, External: true})
			}
			continue
		}
		for _, kind := range []string{"AWS", "Service", "Federated", "CanonicalUser"} {
			for _, pr := range strings1(principals[kind]) {
				e := trustEdge{Role: role, RoleArn: roleArn, Kind: kind, Principal: pr, ExternalID: ext, MFA: mfa}
				if kind == "AWS" {
					e.Account = principalAccount(pr)
					e.External = e.Account != account
				}
				if kind == "Federated" {
					e.Account = principalAccount(pr)
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// strings1 reads a string or a list of strings.
func strings1(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	return many
}

func assumes(actions []string) bool {
	for _, a := range actions {
		l := strings.ToLower(a)
		if l == "*" || l == "sts:*" || strings.HasPrefix(l, "sts:assumerole") {
			return true
		}
	}
	return false
}

// principalAccount is the account of an AWS principal: a bare account ID,
// or the account field of an ARN; "*" for anyone.
func principalAccount(p string) string {
	if p == "*" {
		return "*"
	}
	if len(p) == 12 {
		if _, err := strconv.ParseUint(p, 10, 64); err == nil {
			return p
		}
	}
	if parts := strings.SplitN(p, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}
