package organizations

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// TargetPrefix is the X-Amz-Target prefix of the service's operations.
const TargetPrefix = "AWSOrganizationsV20161128."

// Handler is one operation: the JSON request body in, a JSON-marshalable
// result out.
type Handler func(c *api.Call) (any, *query.Error)

// Operations lists the operations by name.
var Operations = map[string]Handler{}

func init() {
	registerTyped("CreateOrganization", createOrganization)
	registerTyped("DescribeOrganization", describeOrganization)
	registerTyped("ListRoots", listRoots)
	registerTyped("CreateOrganizationalUnit", createOU)
	registerTyped("ListOrganizationalUnitsForParent", listOUsForParent)
	registerTyped("ListChildren", listChildren)
	registerTyped("ListParents", listParents)
	registerTyped("CreateAccount", createAccount)
	registerTyped("DescribeCreateAccountStatus", describeCreateAccountStatus)
	registerTyped("ListAccounts", listAccounts)
	registerTyped("ListAccountsForParent", listAccountsForParent)
	registerTyped("MoveAccount", moveAccount)
	registerTyped("CreatePolicy", createPolicy)
	registerTyped("UpdatePolicy", updatePolicy)
	registerTyped("DeletePolicy", deletePolicy)
	registerTyped("DescribePolicy", describePolicy)
	registerTyped("ListPolicies", listPolicies)
	registerTyped("AttachPolicy", attachPolicy)
	registerTyped("DetachPolicy", detachPolicy)
	registerTyped("ListPoliciesForTarget", listPoliciesForTarget)
	registerTyped("ListTargetsForPolicy", listTargetsForPolicy)
	registerTyped("LeaveOrganization", leaveOrganization)
	registerTyped("RemoveAccountFromOrganization", removeAccountFromOrganization)
}

// Policy types, as the API names them and as world files do.
const (
	typeSCP = "SERVICE_CONTROL_POLICY"
	typeRCP = "RESOURCE_CONTROL_POLICY"
)

var fileType = map[string]string{typeSCP: "scp", typeRCP: "rcp"}

// fullAccess are the AWS managed policies attached everywhere by default.
var fullAccess = map[string]struct{ name, id, content, desc string }{
	typeSCP: {"FullAWSAccess", "p-FullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "Allows access to every operation"},
	typeRCP: {"RCPFullAWSAccess", "p-RCPFullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, "Allows access to every resource"},
}

// org returns the caller's organization, or AWSOrganizationsNotInUseException.
func org(c *api.Call) (*world.FileOrganization, *query.Error) {
	o := c.State.File().Organization
	if o == nil || !inOrg(o, c.Account()) {
		return nil, orgerr.AWSOrganizationsNotInUseException("Your account is not a member of an organization.")
	}
	return o, nil
}

func inOrg(o *world.FileOrganization, acct string) bool {
	var walk func(ou *world.FileOU) bool
	walk = func(ou *world.FileOU) bool {
		if slices.Contains(ou.Accounts, acct) {
			return true
		}
		for i := range ou.OUs {
			if walk(&ou.OUs[i]) {
				return true
			}
		}
		return false
	}
	return o.ManagementAccount == acct || walk(&o.Root)
}

// managed checks that the caller is in the management account (most
// operations may be called only there) and authorizes the action.
func managed(c *api.Call, action, resource string) (*world.FileOrganization, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, action, resource); e != nil {
		return nil, e
	}
	return o, nil
}

// management checks that the caller is in the management account.
func management(c *api.Call) (*world.FileOrganization, *query.Error) {
	o, e := org(c)
	if e != nil {
		return nil, e
	}
	// A member may call what the management account can delegate; the
	// delegation policy decides (authorizeWith, delegation.go).
	if c.Account() != o.ManagementAccount && !delegable[c.Action] {
		return nil, orgerr.AccessDeniedException("You don't have permissions to access this resource.")
	}
	return o, nil
}

// authorizeOn authorizes an action on several resources: each must be
// allowed (an operation that names a policy and a target needs both).
func authorizeOn(c *api.Call, action string, extra map[string][]string, resources ...string) *query.Error {
	for _, r := range resources {
		if e := authorizeWith(c, action, r, extra); e != nil {
			return e
		}
	}
	return nil
}

func authorize(c *api.Call, action, resource string) *query.Error {
	return authorizeWith(c, action, resource, nil)
}

func orgARN(o *world.FileOrganization, kind, rest string) string {
	return "arn:aws:organizations::" + o.ManagementAccount + ":" + kind + "/" + o.ID + rest
}

func randomID(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

const lower = "abcdefghijklmnopqrstuvwxyz0123456789"

// --- organization and roots ---

// organizationShape is the organization as the model's Organization.
func organizationShape(fw *world.FileWorld, o *world.FileOrganization) *orgshape.Organization {
	fs := o.FeatureSet
	if fs == "" {
		fs = "ALL"
	}
	email := accountEmail(world.FileAccount{ID: o.ManagementAccount})
	for _, a := range fw.Accounts {
		if a.ID == o.ManagementAccount {
			email = accountEmail(a)
		}
	}
	// AvailablePolicyTypes (deprecated in the model) are the policy types
	// enabled in the root, as the aws CLI's examples show AWS answering
	// (awscli/examples/organizations/describe-organization.rst and
	// create-organization.rst: SERVICE_CONTROL_POLICY ENABLED, or [] with
	// consolidated billing only).
	return &orgshape.Organization{Id: o.ID, Arn: orgARN(o, "organization", ""), FeatureSet: fs,
		MasterAccountArn: orgARN(o, "account", "/"+o.ManagementAccount), MasterAccountId: o.ManagementAccount, MasterAccountEmail: email,
		AvailablePolicyTypes: rootShape(o).PolicyTypes}
}

func createOrganization(c *api.Call, in *orgshape.CreateOrganizationRequest) (*orgshape.CreateOrganizationResponse, *query.Error) {
	if in.FeatureSet == "" {
		in.FeatureSet = "ALL"
	}
	if o := c.State.File().Organization; o != nil && inOrg(o, c.Account()) {
		return nil, orgerr.AlreadyInOrganizationException("The AWS account is already a member of an organization.")
	}
	if c.State.File().Organization != nil {
		return nil, orgerr.ConstraintViolationException("iamgate holds one organization, and this world already has one.")
	}
	if e := authorize(c, "CreateOrganization", "*"); e != nil {
		return nil, e
	}
	var out *orgshape.Organization
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := &world.FileOrganization{ID: "o-" + randomID(10, lower), ManagementAccount: c.Account(), FeatureSet: in.FeatureSet,
			Root:    world.FileOU{ID: "r-" + randomID(4, lower), Name: "Root", Accounts: []string{c.Account()}},
			Created: c.Now, Joined: map[string]time.Time{c.Account(): c.Now}}
		fw.Organization = o
		out = organizationShape(fw, o)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.CreateOrganizationResponse{Organization: out}, nil
}

func describeOrganization(c *api.Call, _ *noInput) (*orgshape.DescribeOrganizationResponse, *query.Error) {
	o, e := org(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "DescribeOrganization", "*"); e != nil {
		return nil, e
	}
	return &orgshape.DescribeOrganizationResponse{Organization: organizationShape(c.State.File(), o)}, nil
}

// rootShape is the root as the model's Root, with the policy types
// enabled in it ([] for none, as AWS answers: awscli's
// examples/organizations/list-roots.rst).
func rootShape(o *world.FileOrganization) *orgshape.Root {
	r := &orgshape.Root{Id: o.Root.ID, Arn: orgARN(o, "root", "/"+o.Root.ID), Name: o.Root.Name, PolicyTypes: shape.List[orgshape.PolicyTypeSummary]{}}
	if r.Name == "" {
		r.Name = "Root"
	}
	for _, t := range o.PolicyTypes {
		r.PolicyTypes = append(r.PolicyTypes, orgshape.PolicyTypeSummary{Type: t, Status: "ENABLED"})
	}
	return r
}

func listRoots(c *api.Call, in *orgshape.ListRootsRequest) (*orgshape.ListRootsResponse, *query.Error) {
	o, e := managed(c, "ListRoots", "*")
	if e != nil {
		return nil, e
	}
	page, next, e := pageOf([]orgshape.Root{*rootShape(o)}, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListRootsResponse{Roots: page, NextToken: next}, nil
}

// --- OUs and parents ---

// node is the root or an OU.
type node struct {
	ou     *world.FileOU
	parent *world.FileOU
	isRoot bool
}

func findNode(o *world.FileOrganization, id string) *node {
	if id == o.Root.ID {
		return &node{ou: &o.Root, isRoot: true}
	}
	var walk func(parent *world.FileOU) *node
	walk = func(parent *world.FileOU) *node {
		for i := range parent.OUs {
			if parent.OUs[i].ID == id {
				return &node{ou: &parent.OUs[i], parent: parent}
			}
			if n := walk(&parent.OUs[i]); n != nil {
				return n
			}
		}
		return nil
	}
	return walk(&o.Root)
}

// accountParent finds the root or OU holding an account.
func accountParent(o *world.FileOrganization, acct string) *world.FileOU {
	var walk func(ou *world.FileOU) *world.FileOU
	walk = func(ou *world.FileOU) *world.FileOU {
		if slices.Contains(ou.Accounts, acct) {
			return ou
		}
		for i := range ou.OUs {
			if p := walk(&ou.OUs[i]); p != nil {
				return p
			}
		}
		return nil
	}
	return walk(&o.Root)
}

func createOU(c *api.Call, in *orgshape.CreateOrganizationalUnitRequest) (*orgshape.CreateOrganizationalUnitResponse, *query.Error) {
	if _, e := management(c); e != nil {
		return nil, e
	}
	if e := authorizeWith(c, "CreateOrganizationalUnit", parentARN(c, in.ParentId), tagContext(nil, in.Tags, nil)); e != nil {
		return nil, e
	}
	var out *orgshape.OrganizationalUnit
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		p := findNode(o, in.ParentId)
		if p == nil {
			return orgerr.ParentNotFoundException("We can't find a root or OU with the ParentId that you specified.")
		}
		for _, ou := range p.ou.OUs {
			if ou.Name == in.Name {
				return orgerr.DuplicateOrganizationalUnitException("An OU with the same name already exists.")
			}
		}
		ou := world.FileOU{ID: "ou-" + strings.TrimPrefix(o.Root.ID, "r-") + "-" + randomID(8, lower), Name: in.Name, Tags: tagMap(in.Tags)}
		p.ou.OUs = append(p.ou.OUs, ou)
		out = &orgshape.OrganizationalUnit{Id: ou.ID, Arn: orgARN(o, "ou", "/"+ou.ID), Name: ou.Name}
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.CreateOrganizationalUnitResponse{OrganizationalUnit: out}, nil
}

// parentARN is the ARN of a root or OU for authorization. It does not
// depend on whether the root or OU exists, so that a caller who is denied
// cannot tell: an ID shaped like a root's (r-) or an OU's (ou-) names its
// ARN either way; anything else is "*".
func parentARN(c *api.Call, id string) string {
	o := c.State.File().Organization
	switch {
	case o == nil:
		return "*"
	case strings.HasPrefix(id, "r-") && !strings.ContainsAny(id, "/*?"):
		return orgARN(o, "root", "/"+id)
	case strings.HasPrefix(id, "ou-") && !strings.ContainsAny(id, "/*?"):
		return orgARN(o, "ou", "/"+id)
	}
	return "*"
}

func parentParam(c *api.Call, action, parentID string) (*world.FileOrganization, *node, *query.Error) {
	o, e := managed(c, action, parentARN(c, parentID))
	if e != nil {
		return nil, nil, e
	}
	n := findNode(o, parentID)
	if n == nil {
		return nil, nil, orgerr.ParentNotFoundException("We can't find a root or OU with the ParentId that you specified.")
	}
	return o, n, nil
}

func listOUsForParent(c *api.Call, in *orgshape.ListOrganizationalUnitsForParentRequest) (*orgshape.ListOrganizationalUnitsForParentResponse, *query.Error) {
	o, n, e := parentParam(c, "ListOrganizationalUnitsForParent", in.ParentId)
	if e != nil {
		return nil, e
	}
	var out []orgshape.OrganizationalUnit
	for _, ou := range n.ou.OUs {
		out = append(out, orgshape.OrganizationalUnit{Id: ou.ID, Arn: orgARN(o, "ou", "/"+ou.ID), Name: ou.Name})
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListOrganizationalUnitsForParentResponse{OrganizationalUnits: page, NextToken: next}, nil
}

func listChildren(c *api.Call, in *orgshape.ListChildrenRequest) (*orgshape.ListChildrenResponse, *query.Error) {
	_, n, e := parentParam(c, "ListChildren", in.ParentId)
	if e != nil {
		return nil, e
	}
	var out []orgshape.Child
	if in.ChildType == "ACCOUNT" {
		for _, a := range n.ou.Accounts {
			out = append(out, orgshape.Child{Id: a, Type: "ACCOUNT"})
		}
	} else {
		for _, ou := range n.ou.OUs {
			out = append(out, orgshape.Child{Id: ou.ID, Type: "ORGANIZATIONAL_UNIT"})
		}
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListChildrenResponse{Children: page, NextToken: next}, nil
}

func listParents(c *api.Call, in *orgshape.ListParentsRequest) (*orgshape.ListParentsResponse, *query.Error) {
	o, e := managed(c, "ListParents", "*")
	if e != nil {
		return nil, e
	}
	var parent *world.FileOU
	if n := findNode(o, in.ChildId); n != nil && !n.isRoot {
		parent = n.parent
	} else if p := accountParent(o, in.ChildId); p != nil {
		parent = p
	}
	if parent == nil {
		return nil, orgerr.ChildNotFoundException("We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
	}
	typ := "ORGANIZATIONAL_UNIT"
	if parent.ID == o.Root.ID {
		typ = "ROOT"
	}
	page, next, e := pageOf([]orgshape.Parent{{Id: parent.ID, Type: typ}}, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListParentsResponse{Parents: page, NextToken: next}, nil
}

// --- accounts ---

// accountEmail is an account's email address; an account of a world that
// gives none has ID@example.invalid (a reserved domain, RFC 2606), the same
// in ListAccounts and in DescribeOrganization's MasterAccountEmail.
func accountEmail(a world.FileAccount) string {
	if a.Email == "" {
		return a.ID + "@example.invalid"
	}
	return a.Email
}

// joined is when an account joined the organization: as recorded by
// CreateOrganization and CreateAccount, else (an account of a world that
// says nothing) when the organization was created; zero when unknown.
func joined(o *world.FileOrganization, id string) time.Time {
	if t, ok := o.Joined[id]; ok {
		return t
	}
	return o.Created
}

// accountShape is an account as the model's Account. JoinedTimestamp is
// left out when the world does not say when the account joined (a world
// written by hand), rather than answered as 1970.
func accountShape(o *world.FileOrganization, a world.FileAccount) orgshape.Account {
	method := "CREATED"
	if a.ID == o.ManagementAccount || slices.Contains(o.Invited, a.ID) {
		method = "INVITED"
	}
	name := a.Name
	if name == "" {
		name = a.ID
	}
	out := orgshape.Account{Id: a.ID, Arn: orgARN(o, "account", "/"+a.ID), Email: accountEmail(a), Name: name, Status: "ACTIVE", State: "ACTIVE", JoinedMethod: method,
		JoinedTimestamp: at(joined(o, a.ID))}
	if _, closed := o.Closed[a.ID]; closed { // close.go
		out.Status, out.State = closedStatus, closedStatus
	}
	return out
}

func orgAccounts(fw *world.FileWorld, o *world.FileOrganization, keep func(id string) bool) []orgshape.Account {
	out := []orgshape.Account{}
	for _, a := range fw.Accounts {
		if inOrg(o, a.ID) && keep(a.ID) {
			out = append(out, accountShape(o, a))
		}
	}
	return out
}

func listAccounts(c *api.Call, in *orgshape.ListAccountsRequest) (*orgshape.ListAccountsResponse, *query.Error) {
	o, e := managed(c, "ListAccounts", "*")
	if e != nil {
		return nil, e
	}
	page, next, e := pageOf(orgAccounts(c.State.File(), o, func(string) bool { return true }), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListAccountsResponse{Accounts: page, NextToken: next}, nil
}

func listAccountsForParent(c *api.Call, in *orgshape.ListAccountsForParentRequest) (*orgshape.ListAccountsForParentResponse, *query.Error) {
	o, n, e := parentParam(c, "ListAccountsForParent", in.ParentId)
	if e != nil {
		return nil, e
	}
	page, next, e := pageOf(orgAccounts(c.State.File(), o, func(id string) bool { return slices.Contains(n.ou.Accounts, id) }), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListAccountsForParentResponse{Accounts: page, NextToken: next}, nil
}

// createAccount creates a member account at the root, with the role the
// management account can assume (OrganizationAccountAccessRole unless
// RoleName says otherwise) holding AdministratorAccess, as AWS does (the
// Organizations User Guide, "Accessing a member account that has a
// management account access role"). It completes at once, and keeps the
// request in the organization (createaccount.go): SUCCEEDED with the
// account, or FAILED with EMAIL_ALREADY_EXISTS when an account of the
// world has the email address (the only failure iamgate can have: an
// address that breaks the model's pattern is InvalidInputException before
// any request, and iamgate has no account quota).
func createAccount(c *api.Call, in *orgshape.CreateAccountRequest) (*orgshape.CreateAccountResponse, *query.Error) {
	// Email, AccountName and RoleName are the model's (Validate).
	if in.RoleName == "" {
		in.RoleName = "OrganizationAccountAccessRole"
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorizeWith(c, "CreateAccount", "*", tagContext(nil, in.Tags, nil)); e != nil {
		return nil, e
	}
	var out orgshape.CreateAccountStatus
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		if fw.Organization == nil || fw.Organization.ID != o.ID {
			return orgerr.AWSOrganizationsNotInUseException("Your account is not a member of an organization.")
		}
		req := world.FileCreateAccountRequest{ID: "car-" + randomID(32, lower), AccountName: in.AccountName, Requested: c.Now, Completed: c.Now}
		if slices.ContainsFunc(fw.Accounts, func(a world.FileAccount) bool { return strings.EqualFold(accountEmail(a), in.Email) }) {
			req.State, req.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
		} else {
			req.State, req.Account = "SUCCEEDED", addAccount(fw, c.Now, in.AccountName, in.Email, in.RoleName, tagMap(in.Tags))
		}
		fw.Organization.CreateAccountRequests = append(fw.Organization.CreateAccountRequests, req)
		out = createAccountShape(req)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.CreateAccountResponse{CreateAccountStatus: &out}, nil
}

// addAccount adds a member account at the root of fw's organization,
// joined now, with the role the management account can assume; it returns
// the new account's ID.
func addAccount(fw *world.FileWorld, now time.Time, name, email, role string, tags map[string]string) string {
	var id string
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(900000000000))
		id = fmt.Sprintf("%012d", n.Int64()+100000000000)
		if !slices.ContainsFunc(fw.Accounts, func(a world.FileAccount) bool { return a.ID == id }) {
			break
		}
	}
	o := fw.Organization
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, o.ManagementAccount)
	fw.Accounts = append(fw.Accounts, world.FileAccount{ID: id, Name: name, Email: email, Tags: tags,
		Roles: []world.FileRole{{Name: role, Path: "/", TrustPolicy: world.NewPolicyText(trust), ID: "AROA" + strings.ToUpper(randomID(17, lower)),
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, Created: now}}})
	o.Root.Accounts = append(o.Root.Accounts, id)
	if o.Joined == nil {
		o.Joined = map[string]time.Time{}
	}
	o.Joined[id] = now
	return id
}

func moveAccount(c *api.Call, in *orgshape.MoveAccountRequest) (*noOutput, *query.Error) {
	if _, e := managed(c, "MoveAccount", orgARNOr(c, "account", "/"+in.AccountId)); e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		src, dst := findNode(o, in.SourceParentId), findNode(o, in.DestinationParentId)
		switch {
		case src == nil:
			return orgerr.SourceParentNotFoundException("We can't find a source root or OU with the ParentId that you specified.")
		case dst == nil:
			return orgerr.DestinationParentNotFoundException("We can't find a destination root or OU with the ParentId that you specified.")
		}
		i := slices.Index(src.ou.Accounts, in.AccountId)
		if i < 0 {
			return orgerr.AccountNotFoundException("You specified an account that doesn't exist in the source parent.")
		}
		if src.ou == dst.ou {
			return orgerr.DuplicateAccountException("That account is already present in the specified destination.")
		}
		src.ou.Accounts = slices.Delete(src.ou.Accounts, i, i+1)
		dst.ou.Accounts = append(dst.ou.Accounts, in.AccountId)
		return nil
	})
}

func orgARNOr(c *api.Call, kind, rest string) string {
	if o := c.State.File().Organization; o != nil {
		return orgARN(o, kind, rest)
	}
	return "*"
}

// --- policies ---

// policyOut is a policy as the model's Policy; its PolicySummary is never
// nil.
type policyOut = orgshape.Policy

// apiType is the API's name of a policy type in the file's form (an SCP
// when it is none).
func apiType(t string) string {
	t = strings.ToLower(t)
	switch {
	case t == "rcp":
		return typeRCP
	case isManagement(t):
		return strings.ToUpper(t)
	}
	return typeSCP
}

// findPolicy finds a policy by ID: one of the organization's, or a
// full-access one. name is its key in the organization's policies.
func findPolicy(o *world.FileOrganization, id string) (name string, p world.FileOrgPolicy, out policyOut, ok bool) {
	for t, fa := range fullAccess {
		if id == fa.id {
			arn := "arn:aws:organizations::aws:policy/" + strings.ToLower(t) + "/" + fa.id
			return fa.name, world.FileOrgPolicy{Type: fileType[t]}, policyOut{PolicySummary: &orgshape.PolicySummary{Id: fa.id, Arn: arn, Name: fa.name,
				Description: fa.desc, Type: t, AwsManaged: shape.Ptr(true)}, Content: fa.content}, true
		}
	}
	for n, fp := range o.Policies {
		if fp.ID == id {
			t := apiType(fp.Type)
			return n, fp, policyOut{PolicySummary: &orgshape.PolicySummary{Id: fp.ID, Arn: orgARN(o, "policy", "/"+strings.ToLower(t)+"/"+fp.ID), Name: n,
				Description: fp.Description, Type: t, AwsManaged: shape.Ptr(false)}, Content: string(fp.Document.JSON())}, true
		}
	}
	return "", world.FileOrgPolicy{}, policyOut{}, false
}

// policyOp authorizes an operation on a policy's ARN, and only then finds
// it (the Service Authorization Reference for AWS Organizations: the policy
// operations take the policy resource). A missing policy is authorized on
// the ARN it would have, so a denied caller learns nothing of what exists.
func policyOp(c *api.Call, action, id string) (*world.FileOrganization, string, world.FileOrgPolicy, policyOut, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, "", world.FileOrgPolicy{}, policyOut{}, e
	}
	name, fp, out, ok := findPolicy(o, id)
	if e := authorizeOn(c, action, nil, policyARNOf(o, id, out, ok)); e != nil {
		return nil, "", world.FileOrgPolicy{}, policyOut{}, e
	}
	if !ok {
		return nil, "", world.FileOrgPolicy{}, policyOut{}, policyNotFound()
	}
	return o, name, fp, out, nil
}

// policyARNOf is a policy's ARN, or for a policy that does not exist the
// ARN an SCP of that ID would have.
func policyARNOf(o *world.FileOrganization, id string, out policyOut, ok bool) string {
	if ok {
		return out.PolicySummary.Arn
	}
	return orgARN(o, "policy", "/service_control_policy/"+id)
}

// targetARN is the ARN of an attachment target named by its ID: a root
// (r-), an OU (ou-) or an account; it does not depend on whether the target
// exists.
func targetARN(o *world.FileOrganization, id string) string {
	switch {
	case strings.HasPrefix(id, "r-"):
		return orgARN(o, "root", "/"+id)
	case strings.HasPrefix(id, "ou-"):
		return orgARN(o, "ou", "/"+id)
	}
	return orgARN(o, "account", "/"+id)
}

func policyNotFound() *query.Error {
	return orgerr.PolicyNotFoundException("We can't find a policy with the PolicyId that you specified.")
}

// checkContent parses a policy for its type; a bad one is
// MalformedPolicyDocumentException. SCPs and RCPs are at most 5,120
// characters (the Organizations User Guide, "Quotas"); a management
// policy is checked by checkManagementContent (policykinds.go).
func checkContent(content, t string) *query.Error {
	if isManagement(fileType[t]) {
		return checkManagementContent(content, t)
	}
	if e := checkSize(content, t); e != nil {
		return e
	}
	pt := engine.SCP
	if t == typeRCP {
		pt = engine.RCP
	}
	p, err := policy.Parse("policy", []byte(content))
	if err == nil {
		_, err = engine.Compile(p, pt, "policy")
	}
	if err != nil {
		return orgerr.MalformedPolicyDocumentException("The provided policy document does not meet the requirements of the specified policy type: %v", err)
	}
	return nil
}

func createPolicy(c *api.Call, in *orgshape.CreatePolicyRequest) (*orgshape.CreatePolicyResponse, *query.Error) {
	if fileType[in.Type] == "" {
		return nil, invalidPolicyType()
	}
	if e := checkContent(in.Content, in.Type); e != nil {
		return nil, e
	}
	if _, e := management(c); e != nil {
		return nil, e
	}
	if e := authorizeWith(c, "CreatePolicy", "*", tagContext(nil, in.Tags, nil)); e != nil {
		return nil, e
	}
	var out policyOut
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if _, dup := o.Policies[in.Name]; dup || in.Name == fullAccess[typeSCP].name || in.Name == fullAccess[typeRCP].name {
			return orgerr.DuplicatePolicyException("A policy with the same name already exists.")
		}
		if o.Policies == nil {
			o.Policies = map[string]world.FileOrgPolicy{}
		}
		fp := world.FileOrgPolicy{Type: fileType[in.Type], ID: "p-" + randomID(8, lower), Document: world.NewPolicyText(in.Content), Description: in.Description, Tags: tagMap(in.Tags)}
		o.Policies[in.Name] = fp
		_, _, out, _ = findPolicy(o, fp.ID)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.CreatePolicyResponse{Policy: &out}, nil
}

func describePolicy(c *api.Call, in *orgshape.DescribePolicyRequest) (*orgshape.DescribePolicyResponse, *query.Error) {
	_, _, _, out, e := policyOp(c, "DescribePolicy", in.PolicyId)
	if e != nil {
		return nil, e
	}
	return &orgshape.DescribePolicyResponse{Policy: &out}, nil
}

// updatePolicy changes what the request gives: an empty Description (the
// model's PolicyDescription has no minimum) clears the description, while
// Name and Content, of at least one character, are left alone when absent.
func updatePolicy(c *api.Call, in *orgshape.UpdatePolicyRequest) (*orgshape.UpdatePolicyResponse, *query.Error) {
	o, name, fp, _, e := policyOp(c, "UpdatePolicy", in.PolicyId)
	if e != nil {
		return nil, e
	}
	if _, custom := o.Policies[name]; !custom {
		return nil, orgerr.AccessDeniedException("You can't change an AWS managed policy.")
	}
	if in.Content != "" {
		if e := checkContent(in.Content, apiType(fp.Type)); e != nil {
			return nil, e
		}
	}
	describe := in.Description != "" || sent(c.Body, "Description")
	var out policyOut
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		fp := o.Policies[name]
		if describe {
			fp.Description = in.Description
		}
		if in.Content != "" {
			fp.Document = world.NewPolicyText(in.Content)
		}
		newName := name
		if in.Name != "" && in.Name != name {
			if _, dup := o.Policies[in.Name]; dup {
				return orgerr.DuplicatePolicyException("A policy with the same name already exists.")
			}
			newName = in.Name
			delete(o.Policies, name)
			renameAttachments(o, fw, fileTypeOf(fp), name, newName)
		}
		o.Policies[newName] = fp
		_, _, out, _ = findPolicy(o, fp.ID)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.UpdatePolicyResponse{Policy: &out}, nil
}

func fileTypeOf(fp world.FileOrgPolicy) string { return strings.ToLower(fp.Type) }

// attachments returns every attachment list of a kind ("scp", "rcp" or a
// management policy type's), each with its target: get reads the list
// and set replaces it.
type attachment struct {
	get    func() []string
	set    func([]string)
	target targetOut
}

// targetOut is an attachment target as the model's PolicyTargetSummary
// (an account without a name has none: the model's TargetName is at least
// one character).
type targetOut = orgshape.PolicyTargetSummary

func attachments(o *world.FileOrganization, fw *world.FileWorld, kind string) []attachment {
	var out []attachment
	add := func(id string, scps, rcps *[]string, t targetOut) {
		if isManagement(kind) {
			out = append(out, managementAttachment(o, id, kind, t))
			return
		}
		p := scps
		if kind == "rcp" {
			p = rcps
		}
		out = append(out, attachment{get: func() []string { return *p }, set: func(l []string) { *p = l }, target: t})
	}
	add(o.Root.ID, &o.Root.SCPs, &o.Root.RCPs, targetOut{TargetId: o.Root.ID, Arn: orgARN(o, "root", "/"+o.Root.ID), Name: "Root", Type: "ROOT"})
	var walk func(ou *world.FileOU)
	walk = func(ou *world.FileOU) {
		for i := range ou.OUs {
			c := &ou.OUs[i]
			add(c.ID, &c.SCPs, &c.RCPs, targetOut{TargetId: c.ID, Arn: orgARN(o, "ou", "/"+c.ID), Name: c.Name, Type: "ORGANIZATIONAL_UNIT"})
			walk(c)
		}
	}
	walk(&o.Root)
	for i := range fw.Accounts {
		a := &fw.Accounts[i]
		if inOrg(o, a.ID) {
			add(a.ID, &a.SCPs, &a.RCPs, targetOut{TargetId: a.ID, Arn: orgARN(o, "account", "/"+a.ID), Name: a.Name, Type: "ACCOUNT"})
		}
	}
	return out
}

// effective is a target's attachment list: for SCPs and RCPs nil means
// the full-access policy alone.
func effective(list []string, kind string) []string {
	if list == nil && !isManagement(kind) {
		return []string{fullAccess[apiType(kind)].name}
	}
	return list
}

func renameAttachments(o *world.FileOrganization, fw *world.FileWorld, kind, from, to string) {
	if isManagement(kind) {
		// The policy is not in o.Policies under either name now: rename
		// in every target's list.
		for id, names := range o.Attached {
			if i := slices.Index(names, from); i >= 0 {
				o.Attached[id] = slices.Replace(slices.Clone(names), i, i+1, to)
			}
		}
		return
	}
	for _, at := range attachments(o, fw, kind) {
		if l := at.get(); slices.Contains(l, from) {
			l = slices.Clone(l)
			l[slices.Index(l, from)] = to
			at.set(l)
		}
	}
}

func deletePolicy(c *api.Call, in *orgshape.DeletePolicyRequest) (*noOutput, *query.Error) {
	o, name, fp, _, e := policyOp(c, "DeletePolicy", in.PolicyId)
	if e != nil {
		return nil, e
	}
	if _, custom := o.Policies[name]; !custom {
		return nil, orgerr.AccessDeniedException("You can't delete an AWS managed policy.")
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		for _, at := range attachments(fw.Organization, fw, fileTypeOf(fp)) {
			if slices.Contains(at.get(), name) {
				return orgerr.PolicyInUseException("The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
			}
		}
		delete(fw.Organization.Policies, name)
		return nil
	})
}

func listPolicies(c *api.Call, in *orgshape.ListPoliciesRequest) (*orgshape.ListPoliciesResponse, *query.Error) {
	if fileType[in.Filter] == "" {
		return nil, invalidPolicyType()
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorizeWith(c, "ListPolicies", "*", nil); e != nil {
		return nil, e
	}
	var out []orgshape.PolicySummary
	if fa, ok := fullAccess[in.Filter]; ok { // SCPs and RCPs only
		_, _, p, _ := findPolicy(o, fa.id)
		out = append(out, *p.PolicySummary)
	}
	names := make([]string, 0, len(o.Policies))
	for n := range o.Policies {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if apiType(o.Policies[n].Type) == in.Filter {
			_, _, p, _ := findPolicy(o, o.Policies[n].ID)
			out = append(out, *p.PolicySummary)
		}
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListPoliciesResponse{Policies: page, NextToken: next}, nil
}

// target finds an attachment target by ID.
func target(o *world.FileOrganization, fw *world.FileWorld, kind, id string) *attachment {
	for _, at := range attachments(o, fw, kind) {
		if at.target.TargetId == id {
			return &at
		}
	}
	return nil
}

func attachPolicy(c *api.Call, in *orgshape.AttachPolicyRequest) (*noOutput, *query.Error) {
	return nil, attachOrDetach(c, in.PolicyId, in.TargetId, true)
}

func detachPolicy(c *api.Call, in *orgshape.DetachPolicyRequest) (*noOutput, *query.Error) {
	return nil, attachOrDetach(c, in.PolicyId, in.TargetId, false)
}

// attachOrDetach changes a target's policies. The first change to a target
// keeps the full-access policy AWS attached by default; a target must keep
// at least one policy of each enabled type (the Organizations User Guide,
// "Attaching and detaching SCPs").
func attachOrDetach(c *api.Call, policyID, targetID string, attach bool) *query.Error {
	action := "DetachPolicy"
	if attach {
		action = "AttachPolicy"
	}
	o, e := management(c)
	if e != nil {
		return e
	}
	name, fp, out, ok := findPolicy(o, policyID)
	// AttachPolicy and DetachPolicy take the policy and the target (the
	// Service Authorization Reference for AWS Organizations).
	if e := authorizeOn(c, action, nil, policyARNOf(o, policyID, out, ok), targetARN(o, targetID)); e != nil {
		return e
	}
	if !ok {
		return policyNotFound()
	}
	// DetachPolicy has no PolicyTypeNotEnabledException in the model
	// (botocore organizations/2016-11-28): with the type disabled nothing
	// of it is attached, so only a world written by hand, whose targets
	// list policies of a type never enabled, has one to detach.
	enabled := slices.Contains(o.PolicyTypes, out.PolicySummary.Type)
	if attach && !enabled {
		return orgerr.PolicyTypeNotEnabledException("The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.")
	}
	kind := fileTypeOf(fp)
	return c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		at := target(fw.Organization, fw, kind, targetID)
		if at == nil {
			return targetNotFound()
		}
		list := append([]string{}, effective(at.get(), kind)...)
		i := slices.Index(list, name)
		if !enabled && !slices.Contains(at.get(), name) {
			i = -1
		}
		switch {
		case attach && i >= 0:
			return orgerr.DuplicatePolicyAttachmentException("The selected policy is already attached to the specified target.")
		case attach:
			list = append(list, name)
		case i < 0:
			return orgerr.PolicyNotAttachedException("The policy isn't attached to the specified target in the specified root.")
		case len(list) == 1 && !isManagement(kind):
			return orgerr.ConstraintViolationException("You cannot remove the last policy attached to the specified target. You must have at least one attached policy of the type.")
		default:
			list = slices.Delete(list, i, i+1)
		}
		at.set(list)
		return nil
	})
}

func listPoliciesForTarget(c *api.Call, in *orgshape.ListPoliciesForTargetRequest) (*orgshape.ListPoliciesForTargetResponse, *query.Error) {
	if fileType[in.Filter] == "" {
		return nil, invalidPolicyType()
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorizeWith(c, "ListPoliciesForTarget", targetARN(o, in.TargetId), nil); e != nil {
		return nil, e
	}
	kind := fileType[in.Filter]
	at := target(o, c.State.File(), kind, in.TargetId)
	if at == nil {
		return nil, targetNotFound()
	}
	var out []orgshape.PolicySummary
	for _, n := range effective(at.get(), kind) {
		id := fullAccess[in.Filter].id
		if fp, ok := o.Policies[n]; ok {
			id = fp.ID
		} else if n != fullAccess[in.Filter].name {
			continue
		}
		_, _, p, _ := findPolicy(o, id)
		out = append(out, *p.PolicySummary)
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListPoliciesForTargetResponse{Policies: page, NextToken: next}, nil
}

func listTargetsForPolicy(c *api.Call, in *orgshape.ListTargetsForPolicyRequest) (*orgshape.ListTargetsForPolicyResponse, *query.Error) {
	o, name, fp, _, e := policyOp(c, "ListTargetsForPolicy", in.PolicyId)
	if e != nil {
		return nil, e
	}
	kind := fileTypeOf(fp)
	var out []orgshape.PolicyTargetSummary
	for _, at := range attachments(o, c.State.File(), kind) {
		if slices.Contains(effective(at.get(), kind), name) {
			out = append(out, at.target)
		}
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListTargetsForPolicyResponse{Targets: page, NextToken: next}, nil
}
