package iam

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// Service last accessed data for Organizations (the IAM User Guide, "View
// last accessed information for Organizations"; the IAM API Reference,
// GenerateOrganizationsAccessReport and GetOrganizationsAccessReport): for
// an entity of the organization (its root, an OU or an account), the
// services the SCPs that apply to it allow (or, given an SCP's ID, the
// services that SCP allows), each with the most recent access by a
// principal of an account under the entity. The accesses are those
// GenerateServiceLastAccessedDetails reads (lastaccessed.go): the audit
// log's last-accessed table, where a principal accessed a service when the
// engine decided an action of the service for it, allowed or denied. The report is made when the
// job is created and kept with it: JobStatus is COMPLETED at once.

func init() {
	registerTyped("GenerateOrganizationsAccessReport", GenerateOrganizationsAccessReport)
	registerTyped("GetOrganizationsAccessReport", GetOrganizationsAccessReport)
}

// orgJobKind marks an Organizations report among the jobs SaveJob keeps.
const orgJobKind = "organizations"

// orgJob is an Organizations access report as its job keeps it.
type orgJob struct {
	Kind       string       `json:"kind"`
	Account    string       `json:"account"`
	EntityPath string       `json:"entityPath"`
	PolicyID   string       `json:"policyId,omitempty"`
	Created    time.Time    `json:"created"`
	Services   []orgService `json:"services"`
}

// orgService is one service of a report: when it was last accessed, in
// which region and from which account (its entity path), and by how many
// accounts (none: never accessed).
type orgService struct {
	Namespace string    `json:"ns"`
	At        time.Time `json:"at,omitzero"`
	Region    string    `json:"region,omitempty"`
	Path      string    `json:"path,omitempty"`
	Accounts  int       `json:"accounts,omitempty"`
}

// orgTarget is the entity an entity path names: the OUs from the root down
// to it, and the account when it names one.
type orgTarget struct {
	chain   []*world.OU
	account *world.Account // nil for the root or an OU
}

// GenerateOrganizationsAccessReport starts (and completes) a report for
// the organization's root, an OU or an account, optionally for one SCP.
// It authorizes iam:GenerateOrganizationsAccessReport on the
// access-report resource of the entity path, with iam:OrganizationsPolicyId
// (the Service Authorization Reference for IAM), before it looks at the
// organization: a caller who may not ask learns nothing of it. Only the
// organization's management account may ask (the API Reference: "you must
// be signed in using your Organizations management account credentials").
func GenerateOrganizationsAccessReport(c *api.Call, in *iamshape.GenerateOrganizationsAccessReportRequest) (*iamshape.GenerateOrganizationsAccessReportResponse, *query.Error) {
	var keys map[string][]string
	if in.OrganizationsPolicyId != "" {
		keys = map[string][]string{"iam:OrganizationsPolicyId": {in.OrganizationsPolicyId}}
	}
	if e := c.Authorize("iam:GenerateOrganizationsAccessReport", "arn:aws:iam::"+c.Account()+":access-report/"+in.EntityPath, keys); e != nil {
		return nil, e
	}
	w := c.State.World()
	org, e := managementOrg(c, w)
	if e != nil {
		return nil, e
	}
	t, ok := resolveEntityPath(w, org, in.EntityPath)
	if !ok {
		return nil, iamerr.InvalidInput("The entity path %s does not name the root, an organizational unit or an account of organization %s.", in.EntityPath, org.ID)
	}
	services, scope, e := reportScope(w, org, t, in.OrganizationsPolicyId)
	if e != nil {
		return nil, e
	}
	report, e := orgReport(c, w, org, services, scope)
	if e != nil {
		return nil, e
	}
	id := jobID()
	data, err := json.Marshal(orgJob{Kind: orgJobKind, Account: c.Account(), EntityPath: in.EntityPath, PolicyID: in.OrganizationsPolicyId, Created: c.Now, Services: report})
	if err != nil {
		return nil, iamerr.ServiceFailure("could not encode the report: %v", err)
	}
	if err := c.State.SaveJob(c.Ctx, id, data); err != nil {
		return nil, awserr.Lower(err, "saving the job: %v", err)
	}
	return &iamshape.GenerateOrganizationsAccessReportResponse{JobId: id}, nil
}

// GetOrganizationsAccessReport reads a report, sorted by SortKey (by
// default SERVICE_NAMESPACE_ASCENDING, as the API Reference says) and paged
// by MaxItems and Marker (a position in that order). It authorizes
// iam:GetOrganizationsAccessReport ("*": the action has no resource type)
// before it looks the job up.
func GetOrganizationsAccessReport(c *api.Call, in *iamshape.GetOrganizationsAccessReportRequest) (*iamshape.GetOrganizationsAccessReportResponse, *query.Error) {
	if e := c.Authorize("iam:GetOrganizationsAccessReport", "*", nil); e != nil {
		return nil, e
	}
	if _, e := managementOrg(c, c.State.World()); e != nil {
		return nil, e
	}
	data, ok, err := c.State.LoadJob(c.Ctx, in.JobId)
	if err != nil {
		return nil, awserr.Lower(err, "reading the job: %v", err)
	}
	var j orgJob
	if !ok || json.Unmarshal(data, &j) != nil || j.Kind != orgJobKind || j.Account != c.Account() {
		return nil, iamerr.NoSuchEntity("The job with ID %s cannot be found.", in.JobId)
	}
	services := slices.Clone(j.Services)
	sortServices(services, in.SortKey)
	notAccessed := 0
	for _, s := range services {
		if s.At.IsZero() {
			notAccessed++
		}
	}
	max := defaultMaxItems
	if in.MaxItems != nil {
		max = int(*in.MaxItems) // 1 to 1000 (the model's maxItemsType)
	}
	start := 0
	if in.Marker != "" {
		n, err := strconv.Atoi(in.Marker)
		if err != nil || n < 0 || n > len(services) {
			return nil, awserr.ValidationError("Invalid Marker %q.", in.Marker)
		}
		start = n
	}
	end := min(start+max, len(services))
	out := &iamshape.GetOrganizationsAccessReportResponse{JobStatus: "COMPLETED", JobCreationDate: createdAt(j.Created), JobCompletionDate: createdAt(j.Created),
		NumberOfServicesAccessible: shape.Ptr(int32(len(services))), NumberOfServicesNotAccessed: shape.Ptr(int32(notAccessed)),
		AccessDetails: shape.List[iamshape.AccessDetail]{}, IsTruncated: shape.Ptr(end < len(services))}
	for _, s := range services[start:end] {
		d := iamshape.AccessDetail{ServiceName: serviceName(s.Namespace), ServiceNamespace: s.Namespace, TotalAuthenticatedEntities: shape.Ptr(int32(s.Accounts))}
		if !s.At.IsZero() {
			d.Region, d.EntityPath, d.LastAuthenticatedTime = s.Region, s.Path, &shape.Time{Time: s.At.UTC()}
		}
		out.AccessDetails = append(out.AccessDetails, d)
	}
	if end < len(services) {
		out.Marker = strconv.Itoa(end)
	}
	return out, nil
}

// sortServices orders a report by the model's sortKeyType. By time, a
// service never accessed sorts as the oldest; ties go by namespace.
func sortServices(s []orgService, key string) {
	byNS := func(a, b orgService) int { return strings.Compare(a.Namespace, b.Namespace) }
	byTime := func(a, b orgService) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return byNS(a, b)
	}
	switch key {
	case "SERVICE_NAMESPACE_DESCENDING":
		slices.SortFunc(s, func(a, b orgService) int { return byNS(b, a) })
	case "LAST_AUTHENTICATED_TIME_ASCENDING":
		slices.SortFunc(s, byTime)
	case "LAST_AUTHENTICATED_TIME_DESCENDING":
		slices.SortFunc(s, func(a, b orgService) int {
			if c := b.At.Compare(a.At); c != 0 {
				return c
			}
			return byNS(a, b)
		})
	default: // SERVICE_NAMESPACE_ASCENDING
		slices.SortFunc(s, byNS)
	}
}

// managementOrg is the caller's organization when the caller is in its
// management account. AWS documents no error for another caller; iamgate
// answers IAM's own codes for it (the model's OrganizationNotFoundException,
// "no organization is associated with your account", and
// CallerIsNotManagementAccountException, "the account making the request is
// not the management account for the organization").
func managementOrg(c *api.Call, w *world.World) (*world.Organization, *query.Error) {
	org := w.Organization
	acct := c.Account()
	if org == nil || org.Root == nil {
		return nil, iamerr.OrganizationNotFoundException("The request was rejected because no organization is associated with your account.")
	}
	if org.ManagementAccount == acct {
		return org, nil
	}
	if a := w.Accounts.Get(acct); a == nil || a.OU == nil {
		return nil, iamerr.OrganizationNotFoundException("The request was rejected because no organization is associated with your account.")
	}
	return nil, iamerr.CallerIsNotManagementAccountException("The request was rejected because the account making the request is not the management account for the organization.")
}

// resolveEntityPath finds the entity of a path o-ID/r-ID[/ou-ID...][/ACCOUNT]
// (the API Reference's EntityPath): each OU a child of the one before, the
// account in the last OU (the management account may also be left out of
// every OU, as a world file may have it). A trailing slash is taken.
func resolveEntityPath(w *world.World, org *world.Organization, path string) (orgTarget, bool) {
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) < 2 || parts[0] != org.ID || parts[1] != org.Root.ID {
		return orgTarget{}, false
	}
	t := orgTarget{chain: []*world.OU{org.Root}}
	for i, p := range parts[2:] {
		ou := t.chain[len(t.chain)-1]
		if j := slices.IndexFunc(ou.Children, func(o *world.OU) bool { return o.ID == p }); j >= 0 && p != "" {
			t.chain = append(t.chain, ou.Children[j])
			continue
		}
		if i != len(parts)-3 {
			return orgTarget{}, false
		}
		a := w.Accounts.Get(p)
		if a == nil {
			return orgTarget{}, false
		}
		if a.OU != ou && (p != org.ManagementAccount || a.OU != nil || ou != org.Root) {
			return orgTarget{}, false
		}
		t.account = a
	}
	return t, true
}

// reportScope is what a report covers: the services it lists and the
// accounts whose accesses count.
//
// The management account's report lists every service (SCPs do not limit
// it; a policy ID is ignored) and counts only that account. Otherwise the
// accounts are those under the entity, less the management account; with
// no policy ID the services are those the SCPs of every level from the
// root down to the entity allow, and with one those the SCP allows,
// counting only the accounts it applies to (attached to the account or
// above it).
func reportScope(w *world.World, org *world.Organization, t orgTarget, policyID string) ([]string, []*world.Account, *query.Error) {
	if t.account != nil && t.account.ID == org.ManagementAccount {
		return allServices(), []*world.Account{t.account}, nil
	}
	var accounts []*world.Account
	if t.account != nil {
		accounts = []*world.Account{t.account}
	} else {
		for _, id := range accountsUnder(t.chain[len(t.chain)-1]) {
			if a := w.Accounts.Get(id); a != nil && id != org.ManagementAccount {
				accounts = append(accounts, a)
			}
		}
	}
	if policyID == "" {
		levels := make([][]string, 0, len(t.chain)+1)
		for _, ou := range t.chain {
			levels = append(levels, ou.SCPs)
		}
		if t.account != nil {
			levels = append(levels, t.account.SCPs)
		}
		return allowedThrough(org, levels), accounts, nil
	}
	name, doc, e := findSCP(org, policyID)
	if e != nil {
		return nil, nil, e
	}
	var applies []*world.Account
	for _, a := range accounts {
		if scpApplies(a, name) {
			applies = append(applies, a)
		}
	}
	return allowedBy(doc), applies, nil
}

// fullAccessSCP is AWS's FullAWSAccess, which a level lists, or has when
// it lists nothing.
const (
	fullAccessSCP   = "FullAWSAccess"
	fullAccessSCPID = "p-FullAWSAccess"
)

var fullAccessDoc = []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

// findSCP finds a service control policy by ID: the organization's own or
// FullAWSAccess. AWS documents no error for another ID: iamgate answers
// NoSuchEntity for one that is not there and InvalidInput for a policy of
// another type.
func findSCP(org *world.Organization, id string) (string, []byte, *query.Error) {
	for name, p := range org.Policies {
		if p == nil || p.ID != id {
			continue
		}
		if p.Type != "scp" {
			return "", nil, iamerr.InvalidInput("The policy %s is not a service control policy.", id)
		}
		if p.Document == nil {
			return name, nil, nil
		}
		return name, p.Document.JSON, nil
	}
	if id == fullAccessSCPID {
		return fullAccessSCP, fullAccessDoc, nil
	}
	return "", nil, iamerr.NoSuchEntity("The Organizations policy with ID %s cannot be found.", id)
}

// scpApplies reports whether the SCP name is attached to the account or
// to an OU above it (FullAWSAccess also where a level lists nothing).
func scpApplies(a *world.Account, name string) bool {
	has := func(names []string) bool {
		return slices.Contains(names, name) || (names == nil && name == fullAccessSCP)
	}
	if has(a.SCPs) {
		return true
	}
	for ou := a.OU; ou != nil; ou = ou.Parent {
		if has(ou.SCPs) {
			return true
		}
	}
	return false
}

// allowedThrough is the services every level allows (each level: what its
// SCPs together allow; a level that lists none has FullAWSAccess), less
// those an SCP of any level denies outright.
func allowedThrough(org *world.Organization, levels [][]string) []string {
	var allowed map[string]bool
	denied := map[string]bool{}
	for _, names := range levels {
		docs := [][]byte{fullAccessDoc}
		if names != nil {
			docs = nil
			for _, n := range names {
				switch p := org.Policies[n]; {
				case p != nil && p.Type == "scp" && p.Document != nil:
					docs = append(docs, p.Document.JSON)
				case p == nil && n == fullAccessSCP:
					docs = append(docs, fullAccessDoc)
				}
			}
		}
		level := map[string]bool{}
		for _, d := range docs {
			for _, s := range services(d) {
				level[s] = true
			}
			for s := range deniedServices(d) {
				denied[s] = true
			}
		}
		if allowed == nil {
			allowed = level
			continue
		}
		for s := range allowed {
			if !level[s] {
				delete(allowed, s)
			}
		}
	}
	out := []string{}
	for s := range allowed {
		if !denied[s] {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// allowedBy is the services one SCP allows, less those it denies outright.
func allowedBy(doc []byte) []string {
	denied := deniedServices(doc)
	out := []string{}
	for _, s := range services(doc) {
		if !denied[s] {
			out = append(out, s)
		}
	}
	return out
}

// deniedServices are the services a document denies outright: a Deny
// statement without conditions on every resource whose actions include
// "*" or "service:*". A narrower Deny leaves the service allowed.
func deniedServices(doc []byte) map[string]bool {
	out := map[string]bool{}
	p, err := policy.Parse("policy", doc)
	if err != nil {
		return out
	}
	for _, st := range p.Statements {
		if st.Effect != policy.Deny || st.Action == nil || len(st.Conditions) > 0 || st.NotResource != nil || st.Resource == nil ||
			!slices.ContainsFunc(st.Resource.Values, func(v policy.Value) bool { return v.Text == "*" }) {
			continue
		}
		for _, v := range st.Action.Values {
			a := strings.ToLower(v.Text)
			if a == "*" {
				for _, s := range allServices() {
					out[s] = true
				}
			} else if svc, ok := strings.CutSuffix(a, ":*"); ok && !strings.ContainsAny(svc, "*?") {
				out[svc] = true
			}
		}
	}
	return out
}

// allServices is every service of the catalog, by prefix.
func allServices() []string {
	var out []string
	for _, s := range catalog.Default().Services {
		out = append(out, s.Prefix)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// accountsUnder lists the accounts of an OU and of the OUs below it.
func accountsUnder(ou *world.OU) []string {
	out := slices.Clone(ou.Accounts)
	for _, ch := range ou.Children {
		out = append(out, accountsUnder(ch)...)
	}
	return out
}

// accountPath is an account's entity path: the organization, the OUs from
// the root down to the account's, and the account.
func accountPath(org *world.Organization, a *world.Account) string {
	ids := []string{a.ID}
	ou := a.OU
	if ou == nil {
		ou = org.Root // the management account, left out of every OU
	}
	for ; ou != nil; ou = ou.Parent {
		ids = append([]string{ou.ID}, ids...)
	}
	return org.ID + "/" + strings.Join(ids, "/")
}

// orgReport reads the accesses of every principal (users, roles with their
// sessions, the root user) of the accounts in scope, and reports, for each
// service, the last access, its region and account, and how many accounts
// accessed it.
func orgReport(c *api.Call, w *world.World, org *world.Organization, svcs []string, scope []*world.Account) ([]orgService, *query.Error) {
	owner := map[string]*world.Account{}
	var arns []string
	for _, a := range scope {
		add := func(arn string) {
			owner[arn] = a
			arns = append(arns, arn)
		}
		add("arn:aws:iam::" + a.ID + ":root")
		for _, u := range a.Users.All() {
			add(iamARN(a.ID, "user", u.Path, u.Name))
		}
		for _, r := range a.Roles.All() {
			add(iamARN(a.ID, "role", r.Path, r.Name))
		}
	}
	var uses []use
	if len(arns) > 0 {
		las, err := c.State.LastAccessed(c.Ctx, arns)
		if err != nil {
			return nil, awserr.Lower(err, "reading the last accessed data: %v", err)
		}
		for _, la := range las {
			uses = append(uses, use{entity: la.Entity, action: la.Action, region: la.Region, at: la.Time})
		}
	}
	out := make([]orgService, 0, len(svcs))
	index := make(map[string]int, len(svcs))
	seen := make([]map[string]bool, len(svcs))
	for i, s := range svcs {
		index[s] = i
		out = append(out, orgService{Namespace: s})
		seen[i] = map[string]bool{}
	}
	for _, u := range uses {
		prefix, _, ok := strings.Cut(u.action, ":")
		i, listed := index[strings.ToLower(prefix)]
		a := owner[u.entity]
		if !ok || !listed || a == nil {
			continue
		}
		seen[i][a.ID] = true
		s := &out[i]
		if u.at.After(s.At) || (u.at.Equal(s.At) && accountPath(org, a) < s.Path) {
			s.At, s.Region, s.Path = u.at, u.region, accountPath(org, a)
		}
	}
	for i := range out {
		out[i].Accounts = len(seen[i])
	}
	return out, nil
}

// jobID is a new job's ID: 36 characters (the model's jobIDType), as a UUID
// is written.
func jobID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
