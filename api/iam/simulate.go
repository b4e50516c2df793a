package iam

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// The Simulate APIs (the IAM API Reference, SimulatePrincipalPolicy and
// SimulateCustomPolicy) run the same engine as every call. Unlike AWS, any
// caller ARN (roles and sessions too) and session policies are accepted.

func init() {
	registerTypedPresent("SimulatePrincipalPolicy", SimulatePrincipalPolicy)
	registerTypedPresent("SimulateCustomPolicy", SimulateCustomPolicy)
	registerTypedPresent("GetContextKeysForPrincipalPolicy", GetContextKeysForPrincipalPolicy)
	registerTypedPresent("GetContextKeysForCustomPolicy", GetContextKeysForCustomPolicy)
}

// An EvaluationResult's and a ResourceSpecificResult's MatchedStatements
// and MissingContextValues are always written, empty as
// <MatchedStatements></MatchedStatements>, as IAM writes them (the aws
// CLI's examples show "MatchedStatements": [] and "MissingContextValues":
// []: awscli/examples/iam/simulate-custom-policy.rst), and so are
// EvaluationResults and ContextKeyNames: the handlers are registered with
// registerTypedPresent and set those lists to empty, non-nil ones.

// simInput is what both Simulate APIs take.
type simInput struct {
	identity, boundary []*engine.Policy
	// session are iamgate's SessionPolicyInputList: session policies that
	// limit the simulated caller as an AssumeRole Policy would.
	session            []*engine.Policy
	resourcePolicy     *engine.Policy
	actions, resources []string
	resourceOwner      string
	callerARN          string
	context            map[string][]string
	// scenario is ResourceHandlingOption: the EC2 scenario whose resources
	// are decided together.
	scenario string
	// texts are the input documents' texts, by their parsed policies.
	texts map[*policy.Policy][]byte
	// maxItems and marker page the results.
	maxItems *int32
	marker   string
}

// scenarios are the resources each EC2 scenario needs (the IAM API
// Reference, SimulateCustomPolicy, ResourceHandlingOption): instance, image
// and security group always; a network interface in a VPC; a volume with
// EBS; a subnet where named.
var scenarios = map[string][]string{
	"EC2-Classic-InstanceStore":    {"instance", "image", "security-group"},
	"EC2-Classic-EBS":              {"instance", "image", "security-group", "volume"},
	"EC2-VPC-InstanceStore":        {"instance", "image", "security-group", "network-interface"},
	"EC2-VPC-InstanceStore-Subnet": {"instance", "image", "security-group", "network-interface", "subnet"},
	"EC2-VPC-EBS":                  {"instance", "image", "security-group", "network-interface", "volume"},
	"EC2-VPC-EBS-Subnet":           {"instance", "image", "security-group", "network-interface", "subnet", "volume"},
}

// checkScenario requires a resource of each type the scenario needs.
func checkScenario(name string, resources []string) *query.Error {
	need, ok := scenarios[name]
	if !ok {
		// The model has no enum for it (resourceHandlingOptionType); AWS
		// documents the scenarios but not its answer to another.
		return query.Validation(query.Violation{Value: &name, Field: "resourceHandlingOption", Constraint: "Member must be one of the EC2 scenarios"})
	}
	for _, typ := range need {
		found := false
		for _, r := range resources {
			if a, err := arn.Parse(r); err == nil && a.Service == "ec2" && strings.HasPrefix(a.Resource, typ+"/") {
				found = true
			}
		}
		if !found {
			return iamerr.InvalidInput("Invalid Input: scenario %s needs a resource of type %s in ResourceArns.", name, typ)
		}
	}
	return nil
}

func compileInputs(docs []string, name string, t engine.PolicyType, texts map[*policy.Policy][]byte) ([]*engine.Policy, *query.Error) {
	var out []*engine.Policy
	for i, doc := range docs {
		cp, e := compileOne(doc, t, fmt.Sprintf("%s.%d", name, i+1), texts)
		if e != nil {
			return nil, e
		}
		out = append(out, cp)
	}
	return out, nil
}

// compileOne compiles an input document; texts, when not nil, records the
// text it was parsed from (for the statements' positions).
func compileOne(doc string, t engine.PolicyType, name string, texts map[*policy.Policy][]byte) (*engine.Policy, *query.Error) {
	doc = decodedDocument(doc)
	pp, err := policy.Parse(name, []byte(doc))
	if err != nil {
		return nil, iamerr.MalformedPolicyDocument("%s: %v", name, err)
	}
	cp, err := engine.Compile(pp, t, name)
	if err != nil {
		return nil, iamerr.MalformedPolicyDocument("%s: %v", name, err)
	}
	if texts != nil {
		texts[pp] = []byte(doc)
	}
	return cp, nil
}

// contextEntries reads the request's ContextEntries (ContextKeyName,
// ContextKeyValues; ContextKeyType is one of the model's
// ContextKeyTypeEnum, which api/model checks, and the values are read as
// strings). The entries end at the first without a name; one without a
// name but with a type is an error.
func contextEntries(entries []iamshape.ContextEntry) (map[string][]string, *query.Error) {
	out := map[string][]string{}
	for i, en := range entries {
		if en.ContextKeyName == "" {
			if en.ContextKeyType != "" {
				return nil, awserr.ValidationError("ContextEntries.member.%d has no ContextKeyName", i+1)
			}
			break
		}
		out[en.ContextKeyName] = append(out[en.ContextKeyName], en.ContextKeyValues...)
	}
	return out, nil
}

// readSimInput reads what both Simulate APIs take, from a
// SimulateCustomPolicyRequest (SimulatePrincipalPolicy's members but
// PolicySourceArn are the same), and iamgate's SessionPolicyInputList from
// the form (the model has no such member).
func readSimInput(c *api.Call, r *iamshape.SimulateCustomPolicyRequest, identityRequired bool) (*simInput, *query.Error) {
	in := &simInput{texts: map[*policy.Policy][]byte{}, actions: r.ActionNames, resources: r.ResourceArns, resourceOwner: r.ResourceOwner, callerARN: r.CallerArn,
		maxItems: r.MaxItems, marker: r.Marker}
	if len(in.actions) == 0 {
		return nil, emptyList("actionNames")
	}
	if len(in.resources) == 0 {
		in.resources = []string{"*"}
	}
	var e *query.Error
	if in.identity, e = compileInputs(r.PolicyInputList, "PolicyInputList", engine.IdentityPolicy, in.texts); e != nil {
		return nil, e
	}
	if identityRequired && len(in.identity) == 0 {
		return nil, emptyList("policyInputList")
	}
	if in.boundary, e = compileInputs(r.PermissionsBoundaryPolicyInputList, "PermissionsBoundaryPolicyInputList", engine.BoundaryPolicy, in.texts); e != nil {
		return nil, e
	}
	// SessionPolicyInputList.member.N is iamgate's own parameter (the
	// botocore model has none): session policies, as AssumeRole's Policy
	// and PolicyArns set them, which AWS's simulator cannot take.
	if in.session, e = compileInputs(c.Params.List("SessionPolicyInputList"), "SessionPolicyInputList", engine.SessionPolicy, in.texts); e != nil {
		return nil, e
	}
	if len(in.boundary) > 1 {
		return nil, iamerr.InvalidInput("Only one permissions boundary policy can be given.")
	}
	if r.ResourcePolicy != "" {
		if in.resourcePolicy, e = compileOne(r.ResourcePolicy, engine.ResourcePolicy, "ResourcePolicy", in.texts); e != nil {
			return nil, e
		}
	}
	if in.context, e = contextEntries(r.ContextEntries); e != nil {
		return nil, e
	}
	if h := r.ResourceHandlingOption; h != "" {
		if e := checkScenario(h, in.resources); e != nil {
			return nil, e
		}
		in.scenario = h
	}
	return in, nil
}

// apply changes a gathered request as the inputs say.
func (in *simInput) apply(req *engine.Request) {
	req.Policies.Identity = append(req.Policies.Identity, in.identity...)
	if len(in.boundary) > 0 {
		req.Policies.PermissionsBoundary = in.boundary[0]
	}
	if in.resourcePolicy != nil {
		req.Policies.Resource = in.resourcePolicy
	}
	req.Policies.Session = append(req.Policies.Session, in.session...)
	if in.resourceOwner != "" {
		if a, err := arn.Parse(in.resourceOwner); err == nil && a.AccountID != "" {
			req.ResourceAccount = a.AccountID
		} else if arn.IsAccountID(in.resourceOwner) {
			req.ResourceAccount = in.resourceOwner
		}
	}
	if in.callerARN != "" {
		req.Principal = in.callerARN
	}
}

// result turns an explanation into an EvaluationResult.
func result(e *engine.Explanation, q *engine.Prepared, texts *policyTexts) iamshape.EvaluationResult {
	r := iamshape.EvaluationResult{EvalActionName: e.Action, EvalResourceName: e.Resource, EvalDecision: e.DecisionText,
		MatchedStatements: shape.List[iamshape.Statement]{}, MissingContextValues: missingKeys(q, e), EvalDecisionDetails: shape.Map[string]{}}
	for _, m := range e.Matched {
		id, typ := source(m.PolicyType, m.PolicyName, e.PrincipalKind)
		st := iamshape.Statement{SourcePolicyId: id, SourcePolicyType: typ}
		if m.Line > 0 {
			st.StartPosition = position{m.Line, m.Column}.typed()
			if end, ok := statementEnd(texts.text(matchedPolicy(q, m)), m.Line, m.Column); ok {
				st.EndPosition = end.typed()
			}
		}
		r.MatchedStatements = append(r.MatchedStatements, st)
	}
	layerDecision := func(layer string) (string, bool) {
		deny, allow := false, false
		for _, m := range e.Matched {
			if m.PolicyType == layer {
				if m.Effect == "Deny" {
					deny = true
				} else {
					allow = true
				}
			}
		}
		switch {
		case deny:
			return "explicitDeny", true
		case allow:
			return "allowed", true
		}
		return "implicitDeny", false
	}
	if q.Policies.Resource != nil {
		d, _ := layerDecision("resource")
		r.EvalDecisionDetails["Resource Policy"] = d
	}
	if q.Policies.PermissionsBoundary != nil {
		d, _ := layerDecision("permissionsBoundary")
		r.PermissionsBoundaryDecisionDetail = &iamshape.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: shape.Ptr(d == "allowed")}
	}
	if q.Policies.SCP != nil {
		allowed := !(e.DecidedBy != nil && e.DecidedBy.Layer == "scp")
		r.OrganizationsDecisionDetail = &iamshape.OrganizationsDecisionDetail{AllowedByOrganizations: shape.Ptr(allowed)}
	}
	if len(r.EvalDecisionDetails) == 0 {
		r.EvalDecisionDetails = nil
	}
	r.ResourceSpecificResults = shape.List[iamshape.ResourceSpecificResult]{{EvalResourceName: r.EvalResourceName, EvalResourceDecision: r.EvalDecision,
		MatchedStatements: r.MatchedStatements, MissingContextValues: r.MissingContextValues, EvalDecisionDetails: r.EvalDecisionDetails,
		PermissionsBoundaryDecisionDetail: r.PermissionsBoundaryDecisionDetail}}
	return r
}

// source gives a matched statement's SourcePolicyId and SourcePolicyType:
// managed policies by ARN ("aws-managed" or "user-managed"); inline
// policies by name, typed by the entity that holds them ("user", "group",
// "role"); input policies by their parameter name (PolicyInputList.1),
// typed by the simulated principal's kind; resource policies "resource";
// the rest (boundaries given inline, SCPs, RCPs, session policies) "none".
func source(t, name, principalKind string) (id, typ string) {
	if entity, policyName, ok := strings.Cut(name, " inline "); ok {
		if a, err := arn.Parse(entity); err == nil {
			if kind, _, ok := strings.Cut(a.Resource, "/"); ok && (kind == "user" || kind == "group" || kind == "role") {
				return policyName, kind
			}
		}
	}
	switch {
	case t == "resource":
		return name, "resource"
	case strings.HasPrefix(name, "arn:aws:iam::aws:policy/"):
		return name, "aws-managed"
	case strings.HasPrefix(name, "arn:"):
		return name, "user-managed"
	case t == "identity" && strings.Contains(strings.ToLower(principalKind), "role"):
		return name, "role"
	case t == "identity":
		return name, "user"
	}
	return name, "none"
}

// missingKeys are the condition keys the request's policies use that its
// context does not hold.
func missingKeys(q *engine.Prepared, e *engine.Explanation) shape.List[string] {
	var pols []*engine.Policy
	pols = append(pols, q.Policies.Identity...)
	pols = append(pols, q.Policies.Resource, q.Policies.PermissionsBoundary)
	pols = append(pols, q.Policies.Session...)
	seen := map[string]bool{}
	out := shape.List[string]{}
	for _, p := range pols {
		if p == nil || p.Source == nil {
			continue
		}
		for _, st := range p.Source.Statements {
			for _, cd := range st.Conditions {
				k := strings.ToLower(cd.Key)
				if _, ok := e.Context[k]; ok || seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, cd.Key)
			}
		}
	}
	slices.Sort(out)
	return out
}

func simulate(c *api.Call, in *simInput, gather func(action, resource string) (engine.Request, *query.Error)) (*iamshape.SimulatePolicyResponse, *query.Error) {
	texts := &policyTexts{known: in.texts, w: c.State.World(), account: c.Account()}
	results := []iamshape.EvaluationResult{}
	for _, action := range in.actions {
		var perResource []iamshape.EvaluationResult
		for _, res := range in.resources {
			req, e := gather(action, res)
			if e != nil {
				return nil, e
			}
			in.apply(&req)
			q, err := req.Prepare()
			if err != nil {
				return nil, iamerr.InvalidInput("%v", err)
			}
			perResource = append(perResource, result(engine.Explain(q), q, texts))
		}
		if in.scenario == "" {
			results = append(results, perResource...)
			continue
		}
		// A scenario decides the action over all its resources at once:
		// allowed only if every resource is.
		combined := iamshape.EvaluationResult{EvalActionName: action, EvalResourceName: "*", EvalDecision: "allowed",
			MatchedStatements: shape.List[iamshape.Statement]{}, MissingContextValues: shape.List[string]{}}
		for _, r := range perResource {
			combined.ResourceSpecificResults = append(combined.ResourceSpecificResults, r.ResourceSpecificResults...)
			combined.MatchedStatements = append(combined.MatchedStatements, r.MatchedStatements...)
			for _, k := range r.MissingContextValues {
				if !slices.Contains(combined.MissingContextValues, k) {
					combined.MissingContextValues = append(combined.MissingContextValues, k)
				}
			}
			switch {
			case r.EvalDecision == "explicitDeny":
				combined.EvalDecision = "explicitDeny"
			case r.EvalDecision == "implicitDeny" && combined.EvalDecision == "allowed":
				combined.EvalDecision = "implicitDeny"
			}
		}
		results = append(results, combined)
	}
	// Marker is a position in the results (it is iamgate's: AWS's is
	// opaque); MaxItems is 1 to 1000 (the model's maxItemsType).
	max := defaultMaxItems
	if in.maxItems != nil {
		max = int(*in.maxItems)
	}
	start := 0
	if m := in.marker; m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(results) {
			return nil, iamerr.InvalidInput("Invalid Marker %q.", m)
		}
		start = n
	}
	end := min(start+max, len(results))
	out := &iamshape.SimulatePolicyResponse{EvaluationResults: results[start:end], IsTruncated: shape.Ptr(end < len(results))}
	if end < len(results) {
		out.Marker = strconv.Itoa(end)
	}
	return out, nil
}

// SimulatePrincipalPolicy decides actions for a user or role of the world
// with every policy that applies to it, plus the given ones. It authorizes
// iam:SimulatePrincipalPolicy on PolicySourceArn before it reads anything.
func SimulatePrincipalPolicy(c *api.Call, r *iamshape.SimulatePrincipalPolicyRequest) (*iamshape.SimulatePolicyResponse, *query.Error) {
	src := r.PolicySourceArn
	if e := c.Authorize("iam:SimulatePrincipalPolicy", src, nil); e != nil {
		return nil, e
	}
	in, e := readSimInput(c, &iamshape.SimulateCustomPolicyRequest{PolicyInputList: r.PolicyInputList, PermissionsBoundaryPolicyInputList: r.PermissionsBoundaryPolicyInputList,
		ActionNames: r.ActionNames, ResourceArns: r.ResourceArns, ResourcePolicy: r.ResourcePolicy, ResourceOwner: r.ResourceOwner, CallerArn: r.CallerArn,
		ContextEntries: r.ContextEntries, ResourceHandlingOption: r.ResourceHandlingOption, MaxItems: r.MaxItems, Marker: r.Marker}, false)
	if e != nil {
		return nil, e
	}
	w := c.State.World()
	caller, e := simCaller(w, src, in.callerARN, in.resourcePolicy != nil)
	if e != nil {
		return nil, e
	}
	return simulate(c, in, func(action, resource string) (engine.Request, *query.Error) {
		req, err := w.Gather(world.Request{Caller: caller, Action: action, Resource: resource, Context: in.context, Time: c.Now})
		if err != nil {
			return engine.Request{}, iamerr.InvalidInput("%v", err)
		}
		withoutOtherAccount(&req, c.Account(), in.context)
		return req, nil
	})
}

// withoutOtherAccount takes out of a simulated request what the world
// knows of a resource in another account: its resource policy, its tags,
// its organization and its RCPs. The simulation runs in the caller's account
// and reads nothing of another (AWS's simulator does not fetch resource
// policies at all: the IAM API Reference, SimulatePrincipalPolicy,
// ResourcePolicy); a ResourcePolicy given in the request still applies.
// Keys the caller gave in ContextEntries stay.
func withoutOtherAccount(req *engine.Request, acct string, given map[string][]string) {
	a, err := arn.Parse(req.Resource)
	if err != nil || !arn.IsAccountID(a.AccountID) || a.AccountID == acct {
		return
	}
	req.Policies.Resource, req.Policies.RCP = nil, nil
	mine := map[string]bool{}
	for k := range given {
		mine[strings.ToLower(k)] = true
	}
	for k := range req.Context {
		l := strings.ToLower(k)
		if mine[l] {
			continue
		}
		if strings.Contains(l, "resourcetag/") || strings.Contains(l, "-tag/") || strings.Contains(l, "existingobjecttag/") || strings.HasPrefix(l, "aws:resourceorg") {
			delete(req.Context, k)
		}
	}
}

// simCaller is the principal whose policies a simulation uses: a user, a
// role or role session (AWS takes users, groups and roles), or a stand-in
// member of a group. As AWS requires, a group with a ResourcePolicy needs a
// CallerArn, for the resource policy's Principal to be matched against.
func simCaller(w *world.World, src, callerARN string, resourcePolicy bool) (*world.Caller, *query.Error) {
	if a, err := arn.Parse(src); err == nil && a.Service == "iam" && strings.HasPrefix(a.Resource, "group/") {
		if resourcePolicy && callerARN == "" {
			return nil, iamerr.InvalidInput("Invalid Input: CallerArn is required with a ResourcePolicy when PolicySourceArn is not a user.")
		}
		caller, err := w.GroupCaller(src, callerARN)
		if err != nil {
			return nil, iamerr.NoSuchEntity("The entity %s cannot be found.", src)
		}
		return caller, nil
	}
	caller, err := w.Caller(src)
	if err != nil || caller.External {
		return nil, iamerr.NoSuchEntity("The entity %s cannot be found.", src)
	}
	return caller, nil
}

// SimulateCustomPolicy decides actions under the given policies alone. It
// authorizes iam:SimulateCustomPolicy ("*": the action has no resource
// type) before it reads the request's policies.
func SimulateCustomPolicy(c *api.Call, r *iamshape.SimulateCustomPolicyRequest) (*iamshape.SimulatePolicyResponse, *query.Error) {
	if e := c.Authorize("iam:SimulateCustomPolicy", "*", nil); e != nil {
		return nil, e
	}
	in, e := readSimInput(c, r, true)
	if e != nil {
		return nil, e
	}
	return simulate(c, in, func(action, resource string) (engine.Request, *query.Error) {
		return engine.Request{Principal: c.Caller.Principal, Action: action, Resource: resource, Context: in.context, Time: c.Now}, nil
	})
}

// contextKeys are the condition keys of the policies, in order, each once
// (in the case it was first written in).
func contextKeys(pols []*engine.Policy) *iamshape.GetContextKeysForPolicyResponse {
	seen := map[string]bool{}
	out := shape.List[string]{}
	for _, p := range pols {
		if p == nil || p.Source == nil {
			continue
		}
		for _, st := range p.Source.Statements {
			for _, cd := range st.Conditions {
				if k := strings.ToLower(cd.Key); !seen[k] {
					seen[k] = true
					out = append(out, cd.Key)
				}
			}
		}
	}
	slices.Sort(out)
	return &iamshape.GetContextKeysForPolicyResponse{ContextKeyNames: out}
}

// GetContextKeysForPrincipalPolicy lists the condition keys of a principal's
// policies and the given ones. It authorizes
// iam:GetContextKeysForPrincipalPolicy on PolicySourceArn first.
func GetContextKeysForPrincipalPolicy(c *api.Call, r *iamshape.GetContextKeysForPrincipalPolicyRequest) (*iamshape.GetContextKeysForPolicyResponse, *query.Error) {
	src := r.PolicySourceArn
	if e := c.Authorize("iam:GetContextKeysForPrincipalPolicy", src, nil); e != nil {
		return nil, e
	}
	extra, e := compileInputs(r.PolicyInputList, "PolicyInputList", engine.IdentityPolicy, nil)
	if e != nil {
		return nil, e
	}
	w := c.State.World()
	caller, e := simCaller(w, src, "", false)
	if e != nil {
		return nil, e
	}
	req, err := w.Gather(world.Request{Caller: caller, Action: "*", Resource: "*", Time: c.Now})
	if err != nil {
		return nil, iamerr.InvalidInput("%v", err)
	}
	pols := append(append(req.Policies.Identity, req.Policies.PermissionsBoundary), extra...)
	return contextKeys(pols), nil
}

// GetContextKeysForCustomPolicy lists the condition keys of the given
// policies. It authorizes iam:GetContextKeysForCustomPolicy ("*") first.
func GetContextKeysForCustomPolicy(c *api.Call, r *iamshape.GetContextKeysForCustomPolicyRequest) (*iamshape.GetContextKeysForPolicyResponse, *query.Error) {
	if e := c.Authorize("iam:GetContextKeysForCustomPolicy", "*", nil); e != nil {
		return nil, e
	}
	pols, e := compileInputs(r.PolicyInputList, "PolicyInputList", engine.IdentityPolicy, nil)
	if e != nil {
		return nil, e
	}
	if len(pols) == 0 {
		return nil, emptyList("policyInputList")
	}
	return contextKeys(pols), nil
}
