package iam

import (
	"encoding/json"
	"slices"
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

// Access advisor: service last accessed data, read from the audit log's
// last-accessed table, which each stored entry keeps current (the IAM User
// Guide, "Refine permissions in AWS using last accessed information"). A
// principal "accessed" a service when the engine decided an action of that
// service for it, allowed or denied (the API Reference,
// GenerateServiceLastAccessedDetails: "all attempts to access an AWS API,
// not just the successful ones"), in a call it made through iamgate; a role's sessions count
// as the role. A report is the data as of its job's creation: the job
// keeps it.

func init() {
	registerTyped("GenerateServiceLastAccessedDetails", GenerateServiceLastAccessedDetails)
	registerTyped("GetServiceLastAccessedDetails", GetServiceLastAccessedDetails)
	registerTyped("GetServiceLastAccessedDetailsWithEntities", GetServiceLastAccessedDetailsWithEntities)
	// An entry's Policies is written empty when no policy grants the
	// service, as before (registerTypedPresent).
	registerTypedPresent("ListPoliciesGrantingServiceAccess", ListPoliciesGrantingServiceAccess)
}

type job struct {
	// Kind is empty for these reports; other jobs (orgJob) name theirs.
	Kind        string    `json:"kind,omitempty"`
	Arn         string    `json:"arn"`
	Granularity string    `json:"granularity"`
	Account     string    `json:"account"`
	Created     time.Time `json:"created"`
	// Uses are the subject's last accesses when the job was created (nil
	// in a job stored before jobs kept them: those read the table).
	Uses []jobUse `json:"uses"`
}

type jobUse struct {
	Entity string    `json:"entity"`
	Action string    `json:"action"`
	Region string    `json:"region,omitempty"`
	At     time.Time `json:"at"`
}

// subject is what a report is about: its entities and the policies that
// grant it services.
type subject struct {
	entities []iamshape.EntityInfo
	policies []grant
}

// grant is one policy with the entity it is on.
type grant struct {
	name, arn, kind   string // kind: INLINE or MANAGED
	entityType, owner string // for inline policies
	doc               []byte
}

// resolve finds what an ARN (a user, group, role or managed policy of the
// caller's account) stands for.
func resolve(c *api.Call, ref string) (*subject, *query.Error) {
	a := account(c)
	w := c.State.World()
	managed := func(refs []string) []grant {
		var out []grant
		for _, r := range refs {
			if mp, ok := w.ManagedPolicy(r); ok && mp.Default() != nil {
				out = append(out, grant{name: mp.Name, arn: r, kind: "MANAGED", doc: mp.Default().JSON})
			}
		}
		return out
	}
	inline := func(kind, owner string, in []world.FileInline) []grant {
		var out []grant
		for _, p := range in {
			out = append(out, grant{name: p.Name, kind: "INLINE", entityType: strings.ToUpper(kind), owner: owner, doc: p.Document.JSON()})
		}
		return out
	}
	userSubject := func(u *world.FileUser) ([]iamshape.EntityInfo, []grant) {
		ent := []iamshape.EntityInfo{{Arn: iamARN(a.ID, "user", u.Path, u.Name), Name: u.Name, Type: "USER", Id: u.ID, Path: cleanPath(u.Path)}}
		gs := append(inline("user", u.Name, u.Policies), managed(u.ManagedPolicies)...)
		for _, gn := range u.Groups {
			if g := fileGroup(a, gn); g != nil {
				gs = append(gs, inline("group", g.Name, g.Policies)...)
				gs = append(gs, managed(g.ManagedPolicies)...)
			}
		}
		return ent, gs
	}
	s := &subject{}
	switch {
	case strings.Contains(ref, ":user/"):
		for i := range a.Users {
			if u := &a.Users[i]; iamARN(a.ID, "user", u.Path, u.Name) == ref {
				s.entities, s.policies = userSubject(u)
				return s, nil
			}
		}
	case strings.Contains(ref, ":role/"):
		for i := range a.Roles {
			if r := &a.Roles[i]; iamARN(a.ID, "role", r.Path, r.Name) == ref {
				s.entities = []iamshape.EntityInfo{{Arn: ref, Name: r.Name, Type: "ROLE", Id: r.ID, Path: cleanPath(r.Path)}}
				s.policies = append(inline("role", r.Name, r.Policies), managed(r.ManagedPolicies)...)
				return s, nil
			}
		}
	case strings.Contains(ref, ":group/"):
		for i := range a.Groups {
			if g := &a.Groups[i]; iamARN(a.ID, "group", g.Path, g.Name) == ref {
				s.policies = append(inline("group", g.Name, g.Policies), managed(g.ManagedPolicies)...)
				for j := range a.Users {
					if slices.Contains(a.Users[j].Groups, g.Name) {
						ent, _ := userSubject(&a.Users[j])
						s.entities = append(s.entities, ent...)
					}
				}
				return s, nil
			}
		}
	case strings.Contains(ref, ":policy/"):
		s.policies = managed([]string{ref})
		if len(s.policies) == 0 {
			break
		}
		for i := range a.Users {
			if u := &a.Users[i]; slices.Contains(u.ManagedPolicies, ref) {
				ent, _ := userSubject(u)
				s.entities = append(s.entities, ent...)
			}
		}
		for i := range a.Groups {
			if g := &a.Groups[i]; slices.Contains(g.ManagedPolicies, ref) {
				for j := range a.Users {
					if slices.Contains(a.Users[j].Groups, g.Name) {
						ent, _ := userSubject(&a.Users[j])
						s.entities = append(s.entities, ent...)
					}
				}
			}
		}
		for i := range a.Roles {
			if r := &a.Roles[i]; slices.Contains(r.ManagedPolicies, ref) {
				s.entities = append(s.entities, iamshape.EntityInfo{Arn: iamARN(a.ID, "role", r.Path, r.Name), Name: r.Name, Type: "ROLE", Id: r.ID, Path: cleanPath(r.Path)})
			}
		}
		return s, nil
	}
	return nil, iamerr.NoSuchEntity("The entity %s cannot be found.", ref)
}

// services lists the service namespaces a policy document allows actions
// of, using the service catalog for wildcards.
func services(doc []byte) []string {
	p, err := policy.Parse("policy", doc)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	cat := catalog.Default()
	for _, st := range p.Statements {
		if st.Effect != policy.Allow {
			continue
		}
		if st.NotAction != nil {
			for _, svc := range cat.Services {
				seen[svc.Prefix] = true
			}
			continue
		}
		if st.Action == nil {
			continue
		}
		for _, v := range st.Action.Values {
			pattern := strings.ToLower(v.Text)
			if pattern == "*" {
				for _, svc := range cat.Services {
					seen[svc.Prefix] = true
				}
				continue
			}
			prefix, _, _ := strings.Cut(pattern, ":")
			if !strings.ContainsAny(prefix, "*?") {
				seen[prefix] = true
				continue
			}
			for _, a := range cat.Expand(pattern) {
				seen[a.Service.Prefix] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func serviceName(prefix string) string {
	if svc, ok := catalog.Default().Service(prefix); ok && svc.Name != "" {
		return svc.Name
	}
	return prefix
}

// use is an entity's last attempt at an action.
type use struct {
	entity, action, region string
	at                     time.Time
}

// usesOf reads the entities' last accesses, newest first.
func usesOf(c *api.Call, entities []iamshape.EntityInfo) ([]use, *query.Error) {
	arns := make([]string, len(entities))
	for i, e := range entities {
		arns[i] = e.Arn
	}
	las, err := c.State.LastAccessed(c.Ctx, arns)
	if err != nil {
		return nil, awserr.Lower(err, "reading the last accessed data: %v", err)
	}
	out := make([]use, len(las))
	for i, la := range las {
		out[i] = use{entity: la.Entity, action: la.Action, region: la.Region, at: la.Time}
	}
	slices.SortFunc(out, func(x, y use) int {
		if c := y.at.Compare(x.at); c != 0 {
			return c
		}
		return strings.Compare(x.entity+" "+x.action, y.entity+" "+y.action)
	})
	return out, nil
}

// GenerateServiceLastAccessedDetails starts a report job for a user, group,
// role or managed policy; the report is ready at once. It authorizes
// iam:GenerateServiceLastAccessedDetails on the ARN before it looks the
// entity up.
func GenerateServiceLastAccessedDetails(c *api.Call, in *iamshape.GenerateServiceLastAccessedDetailsRequest) (*iamshape.GenerateServiceLastAccessedDetailsResponse, *query.Error) {
	ref := in.Arn
	g := in.Granularity // SERVICE_LEVEL or ACTION_LEVEL (api/model checks the enum)
	if g == "" {
		g = "SERVICE_LEVEL"
	}
	if e := c.Authorize("iam:GenerateServiceLastAccessedDetails", ref, nil); e != nil {
		return nil, e
	}
	s, e := resolve(c, ref)
	if e != nil {
		return nil, e
	}
	uses, e := usesOf(c, s.entities)
	if e != nil {
		return nil, e
	}
	saved := make([]jobUse, len(uses))
	for i, u := range uses {
		saved[i] = jobUse{Entity: u.entity, Action: u.action, Region: u.region, At: u.at}
	}
	id := jobID()
	data, err := json.Marshal(job{Arn: ref, Granularity: g, Account: c.Account(), Created: c.Now, Uses: saved})
	if err != nil {
		return nil, iamerr.ServiceFailure("could not encode the job: %v", err)
	}
	if err := c.State.SaveJob(c.Ctx, id, data); err != nil {
		return nil, awserr.Lower(err, "saving the job: %v", err)
	}
	return &iamshape.GenerateServiceLastAccessedDetailsResponse{JobId: id}, nil
}

// loadJob reads a report job of the caller's account (another account's,
// or an Organizations report, is not found).
func loadJob(c *api.Call, id string) (job, *query.Error) {
	data, ok, err := c.State.LoadJob(c.Ctx, id)
	if err != nil {
		return job{}, awserr.Lower(err, "reading the job: %v", err)
	}
	var j job
	if !ok || json.Unmarshal(data, &j) != nil || j.Kind != "" || j.Account != c.Account() {
		return job{}, iamerr.NoSuchEntity("The job with ID %s cannot be found.", id)
	}
	return j, nil
}

// report loads a job, authorizes reading it, and gathers its subject and
// the subject's uses as of the job's creation.
func report(c *api.Call, action, id string) (job, *subject, []use, *query.Error) {
	// Authorized before the job is looked up: whether a job ID exists is
	// the account's to know.
	if e := c.Authorize(action, "*", nil); e != nil {
		return job{}, nil, nil, e
	}
	j, e := loadJob(c, id)
	if e != nil {
		return job{}, nil, nil, e
	}
	s, e := resolve(c, j.Arn)
	if e != nil {
		return job{}, nil, nil, e
	}
	if j.Uses == nil {
		uses, e := usesOf(c, s.entities)
		return j, s, uses, e
	}
	uses := make([]use, len(j.Uses))
	for i, u := range j.Uses {
		uses[i] = use{entity: u.Entity, action: u.Action, region: u.Region, at: u.At}
	}
	return j, s, uses, nil
}

// GetServiceLastAccessedDetails reads a report: every service the
// policies grant, with when it was last used and by which entity, paged by
// namespace. TrackedActionsLastAccessed is left out at the service level
// and when no tracked action was used ("This field is null if there no
// tracked actions or if the principal did not use the tracked actions
// [...]. This field is also null if the report was generated at the
// service level": the botocore model iam/2010-05-08, ServiceLastAccessed).
func GetServiceLastAccessedDetails(c *api.Call, in *iamshape.GetServiceLastAccessedDetailsRequest) (*iamshape.GetServiceLastAccessedDetailsResponse, *query.Error) {
	j, s, uses, e := report(c, "iam:GetServiceLastAccessedDetails", in.JobId)
	if e != nil {
		return nil, e
	}
	granted := map[string]bool{}
	for _, g := range s.policies {
		for _, svc := range services(g.doc) {
			granted[svc] = true
		}
	}
	var out []iamshape.ServiceLastAccessed
	for svc := range granted {
		sla := iamshape.ServiceLastAccessed{ServiceName: serviceName(svc), ServiceNamespace: svc}
		who := map[string]bool{}
		actions := map[string]*iamshape.TrackedActionLastAccessed{}
		for _, u := range uses {
			if !strings.HasPrefix(u.action, svc+":") {
				continue
			}
			if sla.LastAuthenticated == nil {
				sla.LastAuthenticated, sla.LastAuthenticatedEntity, sla.LastAuthenticatedRegion = createdAt(u.at), u.entity, u.region
			}
			who[u.entity] = true
			name := strings.TrimPrefix(u.action, svc+":")
			if _, seen := actions[name]; !seen {
				actions[name] = &iamshape.TrackedActionLastAccessed{ActionName: name, LastAccessedEntity: u.entity, LastAccessedTime: createdAt(u.at), LastAccessedRegion: u.region}
			}
		}
		sla.TotalAuthenticatedEntities = shape.Ptr(int32(len(who)))
		if j.Granularity == "ACTION_LEVEL" {
			for _, ta := range actions {
				sla.TrackedActionsLastAccessed = append(sla.TrackedActionsLastAccessed, *ta)
			}
			slices.SortFunc(sla.TrackedActionsLastAccessed, func(x, y iamshape.TrackedActionLastAccessed) int { return strings.Compare(x.ActionName, y.ActionName) })
		}
		out = append(out, sla)
	}
	out, pg := pageAt(out, func(s iamshape.ServiceLastAccessed) string { return s.ServiceNamespace }, in.Marker, in.MaxItems)
	truncated, marker := pg.typed()
	return &iamshape.GetServiceLastAccessedDetailsResponse{JobStatus: "COMPLETED", JobType: j.Granularity, JobCreationDate: createdAt(j.Created),
		ServicesLastAccessed: out, JobCompletionDate: createdAt(j.Created), IsTruncated: truncated, Marker: marker}, nil
}

// GetServiceLastAccessedDetailsWithEntities lists, for one service, the
// report's entities and when each last used it, paged by ARN.
func GetServiceLastAccessedDetailsWithEntities(c *api.Call, in *iamshape.GetServiceLastAccessedDetailsWithEntitiesRequest) (*iamshape.GetServiceLastAccessedDetailsWithEntitiesResponse, *query.Error) {
	ns := in.ServiceNamespace
	j, s, uses, e := report(c, "iam:GetServiceLastAccessedDetailsWithEntities", in.JobId)
	if e != nil {
		return nil, e
	}
	var out []iamshape.EntityDetails
	for _, en := range s.entities {
		d := iamshape.EntityDetails{EntityInfo: &en}
		for _, u := range uses {
			if u.entity == en.Arn && strings.HasPrefix(u.action, ns+":") {
				d.LastAuthenticated = createdAt(u.at)
				break
			}
		}
		out = append(out, d)
	}
	out, pg := pageAt(out, func(d iamshape.EntityDetails) string { return d.EntityInfo.Arn }, in.Marker, in.MaxItems)
	truncated, marker := pg.typed()
	return &iamshape.GetServiceLastAccessedDetailsWithEntitiesResponse{JobStatus: "COMPLETED", JobCreationDate: createdAt(j.Created), JobCompletionDate: createdAt(j.Created),
		EntityDetailsList: out, IsTruncated: truncated, Marker: marker}, nil
}

// ListPoliciesGrantingServiceAccess lists, per service, the policies of a
// user, group or role that grant it. It authorizes
// iam:ListPoliciesGrantingServiceAccess on the ARN before it looks the
// entity up. The list is never truncated (one entry per namespace asked,
// at most 200: the model's serviceNamespaceListType).
func ListPoliciesGrantingServiceAccess(c *api.Call, in *iamshape.ListPoliciesGrantingServiceAccessRequest) (*iamshape.ListPoliciesGrantingServiceAccessResponse, *query.Error) {
	ref := in.Arn
	if e := c.Authorize("iam:ListPoliciesGrantingServiceAccess", ref, nil); e != nil {
		return nil, e
	}
	s, e := resolve(c, ref)
	if e != nil {
		return nil, e
	}
	out := shape.List[iamshape.ListPoliciesGrantingServiceAccessEntry]{}
	for _, ns := range in.ServiceNamespaces {
		en := iamshape.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: ns, Policies: shape.List[iamshape.PolicyGrantingServiceAccess]{}}
		for _, g := range s.policies {
			if slices.Contains(services(g.doc), ns) {
				en.Policies = append(en.Policies, iamshape.PolicyGrantingServiceAccess{PolicyName: g.name, PolicyType: g.kind, PolicyArn: g.arn, EntityType: g.entityType, EntityName: g.owner})
			}
		}
		out = append(out, en)
	}
	return &iamshape.ListPoliciesGrantingServiceAccessResponse{PoliciesGrantingServiceAccess: out, IsTruncated: shape.Ptr(false)}, nil
}
