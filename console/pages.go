package console

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/api/awserr"
)

// section is a part of a page filled by one operation: what it holds, or
// the operation's failure (shown in place, as AWS's console shows a panel
// it may not read).
type section struct {
	Failure *failure
}

// Denied is the section's failure as a page shows it.
func (s section) Denied() *errorPage {
	if s.Failure == nil {
		return nil
	}
	ep := &errorPage{Code: s.Failure.Code, Message: s.Failure.Text()}
	if s.Failure.Denied != nil {
		ep.Action, ep.Resource = s.Failure.Denied.Action, s.Failure.Denied.Resource
	}
	return ep
}

// --- home ---

type homeData struct {
	Account, Alias, UserID, ARN string
	MFA                         bool
	SignedIn                    string
	IdleTimeout                 string
	Aliases                     section
}

// home says who is signed in, in which account: what
// sts:GetCallerIdentity tells (it needs no permission), and the account's
// alias (iam:ListAccountAliases).
func (c *Console) home(w http.ResponseWriter, v *view) {
	d := homeData{Account: v.s.Account, ARN: v.a.caller.Principal, MFA: v.s.MFA, SignedIn: v.s.Created.UTC().Format(time.RFC1123),
		IdleTimeout: c.idle.String()}
	if v.a.caller.User != nil {
		d.UserID = v.a.caller.User.ID
	}
	var out struct {
		Aliases []string `xml:"AccountAliases>member"`
	}
	if f := c.iamCall(v.ctx, v.a, "ListAccountAliases", nil, &out); f != nil {
		d.Aliases.Failure = f
	} else if len(out.Aliases) > 0 {
		d.Alias = out.Aliases[0]
	}
	v.page.Title, v.page.Nav, v.page.Data = "Home", "home", d
	c.render(w, v.request, http.StatusOK, "home", v.page)
}

// --- the organization ---

type orgNode struct {
	ID, Name, Kind string // Kind: root, ou, account
	Email          string
	SCPs, RCPs     []orgPolicyRef
	// InheritedSCPs and InheritedRCPs are attached to the node's
	// ancestors, with where each is attached.
	InheritedSCPs, InheritedRCPs []orgPolicyRef
	Children                     []*orgNode
	Accounts                     []*orgNode
	Policies                     section
}

type orgPolicyRef struct {
	ID, Name, From string
}

type orgData struct {
	ID, Arn, FeatureSet, ManagementAccount, ManagementEmail string
	PolicyTypes                                             []string
	NotInOrganization                                       bool
	// Structure is why the tree is not shown (outside the management
	// account, or denied).
	Structure section
	Root      *orgNode
}

type orgSummary struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

// organization shows the organization: DescribeOrganization, then from
// the root down ListOrganizationalUnitsForParent, ListAccountsForParent
// and ListPoliciesForTarget (SCPs and RCPs) at each level, as the AWS
// Organizations console reads them. SCPs and RCPs inherited from above are
// computed from the levels above.
func (c *Console) organization(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Organization", "organization"
	var desc struct {
		Organization struct {
			ID                 string `json:"Id"`
			Arn                string `json:"Arn"`
			FeatureSet         string `json:"FeatureSet"`
			MasterAccountID    string `json:"MasterAccountId"`
			MasterAccountEmail string `json:"MasterAccountEmail"`
		} `json:"Organization"`
	}
	if f := c.orgCall(v.ctx, v.a, "DescribeOrganization", nil, &desc); f != nil {
		if f.Code == "AWSOrganizationsNotInUseException" {
			v.page.Data = orgData{NotInOrganization: true}
			c.render(w, v.request, http.StatusOK, "organization", v.page)
			return
		}
		c.fail(w, v.request, v.page, f)
		return
	}
	o := desc.Organization
	d := orgData{ID: o.ID, Arn: o.Arn, FeatureSet: o.FeatureSet, ManagementAccount: o.MasterAccountID, ManagementEmail: o.MasterAccountEmail}
	var roots struct {
		Roots []struct {
			ID          string `json:"Id"`
			Name        string `json:"Name"`
			PolicyTypes []struct {
				Type, Status string
			} `json:"PolicyTypes"`
		} `json:"Roots"`
	}
	if f := c.orgCall(v.ctx, v.a, "ListRoots", nil, &roots); f != nil {
		d.Structure.Failure = f
	} else if len(roots.Roots) > 0 {
		root := roots.Roots[0]
		for _, t := range root.PolicyTypes {
			d.PolicyTypes = append(d.PolicyTypes, t.Type)
		}
		d.Root = &orgNode{ID: root.ID, Name: root.Name, Kind: "root"}
		if f := c.walkOU(v, d.Root, nil, nil); f != nil {
			d.Structure.Failure, d.Root = f, nil
		}
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "organization", v.page)
}

// maxOrgPages bounds the pages of one Organizations list (20 items a
// page).
const maxOrgPages = 500

// orgList runs a paged Organizations list to its end.
func orgList[T any](c *Console, v *view, op string, in map[string]any, member string) ([]T, *failure) {
	var all []T
	for range maxOrgPages {
		var out map[string]any
		if f := c.orgCall(v.ctx, v.a, op, in, &out); f != nil {
			return nil, f
		}
		var page struct {
			Items     []T    `json:"items"`
			NextToken string `json:"NextToken"`
		}
		raw, _ := json.Marshal(map[string]any{"items": out[member], "NextToken": out["NextToken"]})
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, &failure{Error: awserr.InternalFailure("the result of %s could not be read: %v", op, err)}
		}
		all = append(all, page.Items...)
		if page.NextToken == "" {
			break
		}
		in["NextToken"] = page.NextToken
	}
	return all, nil
}

// policiesFor lists the SCPs and RCPs attached to a target.
func (c *Console) policiesFor(v *view, n *orgNode) *failure {
	for _, filter := range []string{"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"} {
		ps, f := orgList[orgSummary](c, v, "ListPoliciesForTarget", map[string]any{"TargetId": n.ID, "Filter": filter}, "Policies")
		if f != nil {
			return f
		}
		for _, p := range ps {
			ref := orgPolicyRef{ID: p.ID, Name: p.Name}
			if filter == "SERVICE_CONTROL_POLICY" {
				n.SCPs = append(n.SCPs, ref)
			} else {
				n.RCPs = append(n.RCPs, ref)
			}
		}
	}
	return nil
}

func inherit(above []orgPolicyRef, n *orgNode, attached []orgPolicyRef) []orgPolicyRef {
	out := slices.Clone(above)
	for _, p := range attached {
		out = append(out, orgPolicyRef{ID: p.ID, Name: p.Name, From: n.Name})
	}
	return out
}

// walkOU fills a root or OU: its policies, accounts and OUs, down the
// tree. A denial of a node's policies is shown at the node; a denial of
// its children stops the walk.
func (c *Console) walkOU(v *view, n *orgNode, scpsAbove, rcpsAbove []orgPolicyRef) *failure {
	n.InheritedSCPs, n.InheritedRCPs = scpsAbove, rcpsAbove
	if f := c.policiesFor(v, n); f != nil {
		n.Policies.Failure = f
	}
	scps, rcps := inherit(scpsAbove, n, n.SCPs), inherit(rcpsAbove, n, n.RCPs)
	accts, f := orgList[struct {
		ID    string `json:"Id"`
		Name  string `json:"Name"`
		Email string `json:"Email"`
	}](c, v, "ListAccountsForParent", map[string]any{"ParentId": n.ID}, "Accounts")
	if f != nil {
		return f
	}
	for _, a := range accts {
		an := &orgNode{ID: a.ID, Name: a.Name, Email: a.Email, Kind: "account", InheritedSCPs: scps, InheritedRCPs: rcps}
		if f := c.policiesFor(v, an); f != nil {
			an.Policies.Failure = f
		}
		n.Accounts = append(n.Accounts, an)
	}
	ous, f := orgList[orgSummary](c, v, "ListOrganizationalUnitsForParent", map[string]any{"ParentId": n.ID}, "OrganizationalUnits")
	if f != nil {
		return f
	}
	for _, ou := range ous {
		child := &orgNode{ID: ou.ID, Name: ou.Name, Kind: "ou"}
		if f := c.walkOU(v, child, scps, rcps); f != nil {
			return f
		}
		n.Children = append(n.Children, child)
	}
	return nil
}

type orgPolicyData struct {
	ID, Name, Type, Description, Arn string
	AWSManaged                       bool
	Document                         string
}

// orgPolicy shows an SCP or RCP (DescribePolicy).
func (c *Console) orgPolicy(w http.ResponseWriter, v *view) {
	v.page.Nav = "organization"
	var out struct {
		Policy struct {
			PolicySummary struct {
				ID          string `json:"Id"`
				Arn         string `json:"Arn"`
				Name        string `json:"Name"`
				Description string `json:"Description"`
				Type        string `json:"Type"`
				AwsManaged  bool   `json:"AwsManaged"`
			} `json:"PolicySummary"`
			Content string `json:"Content"`
		} `json:"Policy"`
	}
	if f := c.orgCall(v.ctx, v.a, "DescribePolicy", map[string]any{"PolicyId": v.request.PathValue("id")}, &out); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	p := out.Policy.PolicySummary
	v.page.Title = p.Name
	v.page.Data = orgPolicyData{ID: p.ID, Name: p.Name, Type: p.Type, Description: p.Description, Arn: p.Arn, AWSManaged: p.AwsManaged,
		Document: indentJSON(out.Policy.Content)}
	c.render(w, v.request, http.StatusOK, "orgpolicy", v.page)
}

// --- the account's IAM entities ---

type entity struct {
	Name, Arn, Path, Created, ID string
	// For policies.
	Attachments int
	Description string
}

type entityListing struct {
	Kind, Title string
	Items       []entity
	// Next is the marker of the next page ("" when this is the last).
	Next string
	Sec  section
}

type listKind struct {
	op, member, nameTag, idTag, title string
	extra                             url.Values
}

var listKinds = map[string]listKind{
	"users":    {op: "ListUsers", member: "Users", nameTag: "UserName", idTag: "UserId", title: "Users"},
	"groups":   {op: "ListGroups", member: "Groups", nameTag: "GroupName", idTag: "GroupId", title: "User groups"},
	"roles":    {op: "ListRoles", member: "Roles", nameTag: "RoleName", idTag: "RoleId", title: "Roles"},
	"policies": {op: "ListPolicies", member: "Policies", nameTag: "PolicyName", idTag: "PolicyId", title: "Customer managed policies", extra: url.Values{"Scope": {"Local"}}},
}

// listEntities runs one page of a list operation (MaxItems, Marker).
func (c *Console) listEntities(v *view, kind string, marker string, max int) entityListing {
	k := listKinds[kind]
	out := entityListing{Kind: kind, Title: k.title}
	params := url.Values{"MaxItems": {strconv.Itoa(max)}}
	for key, vals := range k.extra {
		params[key] = vals
	}
	if marker != "" {
		params.Set("Marker", marker)
	}
	var raw rawResult
	if f := c.iamCall(v.ctx, v.a, k.op, params, &raw); f != nil {
		out.Sec.Failure = f
		return out
	}
	for _, m := range raw.members(k.member) {
		e := entity{}
		for _, fl := range m.Fields {
			switch fl.XMLName.Local {
			case k.nameTag:
				e.Name = fl.Value
			case k.idTag:
				e.ID = fl.Value
			case "Arn":
				e.Arn = fl.Value
			case "Path":
				e.Path = fl.Value
			case "CreateDate":
				e.Created = fl.Value
			case "AttachmentCount":
				e.Attachments, _ = strconv.Atoi(fl.Value)
			case "Description":
				e.Description = fl.Value
			}
		}
		out.Items = append(out.Items, e)
	}
	if raw.IsTruncated {
		out.Next = raw.Marker
	}
	return out
}

type accountData struct {
	Account   string
	Lists     []entityListing
	Resources resourceListing
}

// overviewItems is how many of each kind the account page shows.
const overviewItems = 20

// account shows the account's users, groups, roles and customer managed
// policies (ListUsers, ListGroups, ListRoles, ListPolicies with Scope
// Local), each section on its own: a denied list says so in place; and the
// account's resources whose policy the user may read. When every list is
// denied and no resource may be read, the page is AccessDenied.
func (c *Console) account(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Account "+v.s.Account, "iam"
	d := accountData{Account: v.s.Account}
	denied := 0
	var last *failure
	for _, kind := range []string{"users", "groups", "roles", "policies"} {
		l := c.listEntities(v, kind, "", overviewItems)
		if l.Sec.Failure != nil {
			denied++
			last = l.Sec.Failure
		}
		d.Lists = append(d.Lists, l)
	}
	d.Resources = c.resources(v)
	if denied == len(d.Lists) && len(d.Resources.Rows) == 0 {
		c.fail(w, v.request, v.page, last)
		return
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "account", v.page)
}

// pageItems is how many items a list page shows.
const pageItems = 100

// entityList is one page of users, groups, roles or policies.
func (c *Console) entityList(w http.ResponseWriter, v *view) {
	kind := v.request.PathValue("kind")
	if _, ok := listKinds[kind]; !ok {
		c.render(w, v.request, http.StatusNotFound, "error", page{Title: "Not found", User: v.page.User, CSRF: v.page.CSRF,
			Data: errorPage{Code: "NotFound", Message: "There is no console page at " + v.request.URL.Path + "."}})
		return
	}
	l := c.listEntities(v, kind, v.request.URL.Query().Get("marker"), pageItems)
	v.page.Title, v.page.Nav = l.Title, "iam"
	if l.Sec.Failure != nil {
		c.fail(w, v.request, v.page, l.Sec.Failure)
		return
	}
	v.page.Data = l
	c.render(w, v.request, http.StatusOK, "list", v.page)
}

// policyDoc is a policy with its document.
type policyDoc struct {
	Name, Arn, Kind string // Kind: inline, managed, boundary, trust
	Document        string
	Sec             section
}

type entityData struct {
	Kind, Name, Arn, ID, Path, Created, Description string
	Boundary                                        string
	Trust                                           *policyDoc
	Groups                                          []string
	GroupsSection                                   section
	Members                                         []string
	Managed                                         []policyDoc
	ManagedSection                                  section
	Inline                                          []policyDoc
	InlineSection                                   section
}

type attachedList struct {
	Items []struct {
		Name string `xml:"PolicyName"`
		Arn  string `xml:"PolicyArn"`
	} `xml:"AttachedPolicies>member"`
}

type nameList struct {
	Names []string `xml:"PolicyNames>member"`
}

// permissions fills the managed and inline policies of a user, group or
// role: ListAttachedXPolicies, then ListXPolicies and GetXPolicy for each
// inline document.
func (c *Console) permissions(v *view, d *entityData, kind, param string) {
	var att attachedList
	if f := c.iamCall(v.ctx, v.a, "ListAttached"+kind+"Policies", url.Values{param: {d.Name}}, &att); f != nil {
		d.ManagedSection.Failure = f
	}
	for _, p := range att.Items {
		d.Managed = append(d.Managed, policyDoc{Name: p.Name, Arn: p.Arn, Kind: "managed"})
	}
	var names nameList
	if f := c.iamCall(v.ctx, v.a, "List"+kind+"Policies", url.Values{param: {d.Name}}, &names); f != nil {
		d.InlineSection.Failure = f
		return
	}
	for _, n := range names.Names {
		pd := policyDoc{Name: n, Kind: "inline"}
		var doc struct {
			Document string `xml:"PolicyDocument"`
		}
		if f := c.iamCall(v.ctx, v.a, "Get"+kind+"Policy", url.Values{param: {d.Name}, "PolicyName": {n}}, &doc); f != nil {
			pd.Sec.Failure = f
		} else {
			pd.Document = document(doc.Document)
		}
		d.Inline = append(d.Inline, pd)
	}
}

// user shows a user (GetUser), its groups (ListGroupsForUser) and its
// policies.
func (c *Console) user(w http.ResponseWriter, v *view) {
	name := v.request.PathValue("name")
	v.page.Title, v.page.Nav = "User "+name, "iam"
	var out struct {
		User struct {
			Name     string `xml:"UserName"`
			ID       string `xml:"UserId"`
			Arn      string `xml:"Arn"`
			Path     string `xml:"Path"`
			Created  string `xml:"CreateDate"`
			Boundary string `xml:"PermissionsBoundary>PermissionsBoundaryArn"`
		} `xml:"User"`
	}
	if f := c.iamCall(v.ctx, v.a, "GetUser", url.Values{"UserName": {name}}, &out); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	u := out.User
	d := entityData{Kind: "user", Name: u.Name, Arn: u.Arn, ID: u.ID, Path: u.Path, Created: u.Created, Boundary: u.Boundary}
	var groups struct {
		Names []string `xml:"Groups>member>GroupName"`
	}
	if f := c.iamCall(v.ctx, v.a, "ListGroupsForUser", url.Values{"UserName": {name}}, &groups); f != nil {
		d.GroupsSection.Failure = f
	}
	d.Groups = groups.Names
	c.permissions(v, &d, "User", "UserName")
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "entity", v.page)
}

// group shows a group and its members (GetGroup) and its policies.
func (c *Console) group(w http.ResponseWriter, v *view) {
	name := v.request.PathValue("name")
	v.page.Title, v.page.Nav = "Group "+name, "iam"
	var out struct {
		Group struct {
			Name    string `xml:"GroupName"`
			ID      string `xml:"GroupId"`
			Arn     string `xml:"Arn"`
			Path    string `xml:"Path"`
			Created string `xml:"CreateDate"`
		} `xml:"Group"`
		Users []string `xml:"Users>member>UserName"`
	}
	if f := c.iamCall(v.ctx, v.a, "GetGroup", url.Values{"GroupName": {name}}, &out); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	g := out.Group
	d := entityData{Kind: "group", Name: g.Name, Arn: g.Arn, ID: g.ID, Path: g.Path, Created: g.Created, Members: out.Users}
	c.permissions(v, &d, "Group", "GroupName")
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "entity", v.page)
}

// role shows a role with its trust policy (GetRole) and its policies.
func (c *Console) role(w http.ResponseWriter, v *view) {
	name := v.request.PathValue("name")
	v.page.Title, v.page.Nav = "Role "+name, "iam"
	var out struct {
		Role struct {
			Name        string `xml:"RoleName"`
			ID          string `xml:"RoleId"`
			Arn         string `xml:"Arn"`
			Path        string `xml:"Path"`
			Created     string `xml:"CreateDate"`
			Description string `xml:"Description"`
			Trust       string `xml:"AssumeRolePolicyDocument"`
			Boundary    string `xml:"PermissionsBoundary>PermissionsBoundaryArn"`
		} `xml:"Role"`
	}
	if f := c.iamCall(v.ctx, v.a, "GetRole", url.Values{"RoleName": {name}}, &out); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	ro := out.Role
	d := entityData{Kind: "role", Name: ro.Name, Arn: ro.Arn, ID: ro.ID, Path: ro.Path, Created: ro.Created, Description: ro.Description,
		Boundary: ro.Boundary, Trust: &policyDoc{Name: "Trust policy", Kind: "trust", Document: document(ro.Trust)}}
	c.permissions(v, &d, "Role", "RoleName")
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "entity", v.page)
}

type managedData struct {
	Name, Arn, ID, Path, Description, Version, Created, Updated string
	Attachments                                                 int
	Document                                                    string
	DocumentSection                                             section
}

// managedPolicy shows a managed policy (GetPolicy) and its default
// version's document (GetPolicyVersion).
func (c *Console) managedPolicy(w http.ResponseWriter, v *view) {
	arn := v.request.URL.Query().Get("arn")
	v.page.Title, v.page.Nav = "Policy", "iam"
	var out struct {
		Policy struct {
			Name        string `xml:"PolicyName"`
			ID          string `xml:"PolicyId"`
			Arn         string `xml:"Arn"`
			Path        string `xml:"Path"`
			Version     string `xml:"DefaultVersionId"`
			Attachments int    `xml:"AttachmentCount"`
			Description string `xml:"Description"`
			Created     string `xml:"CreateDate"`
			Updated     string `xml:"UpdateDate"`
		} `xml:"Policy"`
	}
	if f := c.iamCall(v.ctx, v.a, "GetPolicy", url.Values{"PolicyArn": {arn}}, &out); f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	p := out.Policy
	v.page.Title = "Policy " + p.Name
	d := managedData{Name: p.Name, Arn: p.Arn, ID: p.ID, Path: p.Path, Description: p.Description, Version: p.Version, Created: p.Created,
		Updated: p.Updated, Attachments: p.Attachments}
	var ver struct {
		Document string `xml:"PolicyVersion>Document"`
	}
	if f := c.iamCall(v.ctx, v.a, "GetPolicyVersion", url.Values{"PolicyArn": {arn}, "VersionId": {p.Version}}, &ver); f != nil {
		d.DocumentSection.Failure = f
	} else {
		d.Document = document(ver.Document)
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "policy", v.page)
}

// xmlField is one element of a result, by name.
type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// rawResult is a list result read without knowing its list's name
// (<Users><member>...</member></Users>, <Roles>..., ...).
type rawResult struct {
	Lists []struct {
		XMLName xml.Name
		Members []struct {
			Fields []xmlField `xml:",any"`
		} `xml:"member"`
	} `xml:",any"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker"`
}

func (r *rawResult) members(name string) []struct {
	Fields []xmlField `xml:",any"`
} {
	for _, l := range r.Lists {
		if l.XMLName.Local == name {
			return l.Members
		}
	}
	return nil
}
