package validate

import (
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/vars"
)

func (c *checker) statement(s *policy.Statement) {
	t := c.opts.Type
	if s.HasSid {
		switch {
		case s.Sid == "":
			c.add("EMPTY_SID_VALUE", s.SidPos, s.Path+".Sid", "Add a value to the empty string in the Sid element")
		case (t == Identity || t == Boundary || t == Session) && !alnum(s.Sid):
			c.add("UNSUPPORTED_SID", s.SidPos, s.Path+".Sid", "The Sid %q has characters an identity policy does not allow; use only [a-z, A-Z, 0-9]", s.Sid)
		}
	}
	hasPrincipal := s.Principal != nil || s.NotPrincipal != nil
	switch {
	case hasPrincipal && t == SCP:
		c.add("SCP_SYNTAX_ERROR_PRINCIPAL", principalPos(s), s.Path, "SCPs do not support specifying principals; remove the Principal or NotPrincipal element (use aws:PrincipalArn in a condition)")
	case hasPrincipal && t.identityLike():
		c.add("UNSUPPORTED_PRINCIPAL", principalPos(s), s.Path, "The policy type %s does not support the Principal element; remove it", t)
	case !hasPrincipal && t.principalRequired():
		c.add("MISSING_PRINCIPAL", s.Pos, s.Path, "Add a Principal element to the statement: a %s policy must name who it applies to", t)
	}
	if s.Resource == nil && s.NotResource == nil && t != Trust {
		c.add("MISSING_RESOURCE", s.Pos, s.Path, "Add a Resource or NotResource element to the statement")
	}
	if s.Effect == policy.Allow {
		if s.NotPrincipal != nil {
			c.add("ALLOW_WITH_NOT_PRINCIPAL", s.NotPrincipal.Pos, s.Path+".NotPrincipal", "Using Allow with NotPrincipal can be overly permissive (it can grant access to anonymous principals); use Principal instead")
		}
		if s.NotAction != nil {
			c.add("ALLOW_WITH_NOT_ACTION", s.NotAction.Pos, s.Path+".NotAction", "Allow with NotAction grants every action not listed, including actions AWS adds later; list the allowed actions in Action instead")
		}
		if s.NotResource != nil {
			c.add("ALLOW_WITH_NOT_RESOURCE", s.NotResource.Pos, s.Path+".NotResource", "Allow with NotResource grants access to every resource not listed, including ones created later; list the allowed resources in Resource instead")
		}
	}
	c.principals(s)
	acts := c.actions(s)
	c.resources(s, acts)
	c.conditions(s, acts)
	c.security(s, acts)
}

func principalPos(s *policy.Statement) policy.Position {
	if s.Principal != nil {
		return s.Principal.Pos
	}
	return s.NotPrincipal.Pos
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (c *checker) principals(s *policy.Statement) {
	pr, elem := s.Principal, "Principal"
	if pr == nil {
		pr, elem = s.NotPrincipal, "NotPrincipal"
	}
	if pr == nil {
		return
	}
	for i, v := range pr.AWS {
		path := s.Path + "." + elem + ".AWS"
		if len(pr.AWS) > 1 {
			path += "[" + itoa(i) + "]"
		}
		switch {
		case strings.HasPrefix(v.Text, "AROA"):
			c.add("INVALID_ROLE_REFERENCE", v.Pos, path, "The Principal element includes the IAM role ID %s; use the role ARN instead (an ID no longer matches a role that is deleted and created again)", v.Text)
		case strings.HasPrefix(v.Text, "AIDA"):
			c.add("INVALID_USER_REFERENCE", v.Pos, path, "The Principal element includes the IAM user ID %s; use the user ARN instead", v.Text)
		}
		if len(vars.Variables(v.Text)) > 0 {
			c.add("VARIABLE_UNSUPPORTED_IN_ELEMENT", v.Pos, path, "Policy variables are supported in the Resource and Condition elements only; remove %s from %s", v.Text, elem)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

// statementActions is what a statement's Action element resolves to.
type statementActions struct {
	// known: every action the statement can grant or deny, when the element
	// is an Action list whose values all resolved. nil when unknown (NotAction,
	// "*", or an unresolved value).
	known []*catalogAction
	// passRole / createSLR: whether iam:PassRole / iam:CreateServiceLinkedRole
	// is covered, and whether only through a wildcard.
	passRole, passRoleStar   bool
	createSLR, createSLRStar bool
}

func (c *checker) actions(s *policy.Statement) statementActions {
	var sa statementActions
	list, elem := s.Action, "Action"
	if list == nil {
		list, elem = s.NotAction, "NotAction"
	}
	if list == nil {
		return sa
	}
	all := s.Action != nil
	var known []*catalogAction
	for i, v := range list.Values {
		path := s.Path + "." + elem
		if list.IsList {
			path += "[" + itoa(i) + "]"
		}
		if len(vars.Variables(v.Text)) > 0 && c.p.VariablesEnabled() {
			c.add("VARIABLE_UNSUPPORTED_IN_ELEMENT", v.Pos, path, "Policy variables are supported in the Resource and Condition elements only; remove %s from %s", v.Text, elem)
		}
		if v.Text == "*" {
			all = false
			continue
		}
		prefix, name, ok := strings.Cut(v.Text, ":")
		if !ok {
			all = false
			continue // reported by the parser
		}
		if strings.ContainsAny(prefix, "*?") {
			c.add("WILDCARD_IN_SERVICE_NAME", v.Pos, path, "Avoid wildcards in the service name %q: they can grant access to other services with similar names, now and later", prefix)
			all = false
			continue
		}
		svc, ok := c.cat.Service(prefix)
		if !ok {
			c.add("INVALID_SERVICE_IN_ACTION", v.Pos, path, "The service %q specified in the action %q does not exist%s", prefix, v.Text, c.suggestService(prefix))
			all = false
			continue
		}
		got := c.expand(v.Text)
		if len(got) == 0 {
			c.add("INVALID_ACTION", v.Pos, path, "The action %q does not exist%s", v.Text, suggestAction(svc.Prefix, name, svc))
			all = false
			continue
		}
		for _, a := range got {
			known = append(known, &catalogAction{a, v.Text})
		}
	}
	c.redundantActions(s, list, elem)
	if all {
		sa.known = known
	}
	sa.passRole, sa.passRoleStar = c.covers(list, s.NotAction != nil, "iam:PassRole")
	sa.createSLR, sa.createSLRStar = c.covers(list, s.NotAction != nil, "iam:CreateServiceLinkedRole")
	return sa
}

// covers reports whether the Action (or NotAction) list covers an action,
// and whether it does so only through a wildcard.
func (c *checker) covers(list *policy.List, not bool, action string) (covered, viaStar bool) {
	hit, exact := false, false
	for _, v := range list.Values {
		if matchAction(v.Text, action) {
			hit = true
			if strings.EqualFold(v.Text, action) {
				exact = true
			}
		}
	}
	if not {
		return !hit, !hit
	}
	return hit, hit && !exact
}

func (c *checker) resources(s *policy.Statement, sa statementActions) {
	list, elem := s.Resource, "Resource"
	if list == nil {
		list, elem = s.NotResource, "NotResource"
	}
	if list == nil {
		return
	}
	for i, v := range list.Values {
		path := s.Path + "." + elem
		if list.IsList {
			path += "[" + itoa(i) + "]"
		}
		if v.Text == "*" || !strings.HasPrefix(v.Text, "arn:") || strings.Count(v.Text, ":") < 5 {
			continue // "*", or reported by the parser
		}
		if !c.p.VariablesEnabled() && len(vars.Variables(v.Text)) > 0 {
			c.add("VARIABLE_UNSUPPORTED_IN_VERSION", v.Pos, path, "The policy variables in %q are literal text under Version %q; use Version 2012-10-17", v.Text, versionName(c.p))
		}
		c.resourceARN(v, path, elem == "Resource", sa)
	}
	c.redundantResources(s, list, elem)
}

func versionName(p *policy.Policy) string {
	if p.Version == "" {
		return "(none, so 2008-10-17)"
	}
	return p.Version
}

var partitions = map[string]bool{"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true, "aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true}

func (c *checker) resourceARN(v policy.Value, path string, positive bool, sa statementActions) {
	comps, _ := splitSix(v.Text)
	partition, service, region, account := comps[1], comps[2], comps[3], comps[4]
	// Variables make a component unknowable: check only what is literal.
	hasVar := func(s string) bool { return strings.Contains(s, "${") }
	if !hasVar(partition) && !strings.ContainsAny(partition, "*?") && !partitions[partition] {
		c.add("INVALID_PARTITION", v.Pos, path, "The partition %q is not valid; use aws, aws-cn, aws-us-gov or another AWS partition", partition)
	}
	if !hasVar(account) && account != "" && !strings.ContainsAny(account, "*?") && !arn.IsAccountID(account) && account != "aws" {
		c.add("INVALID_ARN_ACCOUNT", v.Pos, path, "The resource ARN account ID %q is not valid; provide a 12-digit account ID", account)
	}
	if strings.ContainsAny(service, "*?") {
		c.add("WILDCARD_IN_SERVICE_NAME", v.Pos, path, "Avoid wildcards in the service name %q of the resource ARN", service)
		return
	}
	if service != strings.ToLower(service) {
		c.add("INVALID_ARN_SERVICE_CASE", v.Pos, path, "Update the service name %q in the resource ARN to use all lowercase letters", service)
		return
	}
	svc, ok := c.cat.Service(service)
	if !ok || len(svc.ResourceTypes) == 0 || hasVar(v.Text) {
		return
	}
	// Which of the service's resource types can this ARN be? Among the
	// types whose resource part fits, a wrong Region or account field names
	// the specific problem.
	resource := comps[5]
	var fits []string
	resFits, regionExtra, regionMissing, accountExtra := false, false, false, false
	for _, rt := range svc.ResourceTypes {
		tc, ok := splitSix(rt.ARN)
		if !ok || !componentFits(resource, tc[5], true) {
			continue
		}
		resFits = true
		regionOK, accountOK := componentFits(region, tc[3], false), componentFits(account, tc[4], false)
		if regionOK && accountOK && componentFits(partition, tc[1], false) {
			fits = append(fits, rt.Name)
			continue
		}
		regionExtra = regionExtra || !regionOK && tc[3] == ""
		regionMissing = regionMissing || !regionOK && region == ""
		accountExtra = accountExtra || !accountOK && tc[4] == ""
	}
	if len(fits) == 0 {
		switch {
		case !resFits:
			c.add("INVALID_ARN_RESOURCE", v.Pos, path, "The resource ARN %q does not match any %s resource type (%s)", v.Text, svc.Name, resourceFormats(svc))
		case regionMissing:
			c.add("MISSING_ARN_REGION", v.Pos, path, "Add a Region to the %s resource ARN %q", service, v.Text)
		case regionExtra:
			c.add("ARN_REGION_NOT_ALLOWED", v.Pos, path, "The service %s does not support a Region in the resource ARN %q", service, v.Text)
		case accountExtra:
			c.add("ARN_ACCOUNT_NOT_ALLOWED", v.Pos, path, "The service %s does not support an account ID in the resource ARN %q", service, v.Text)
		default:
			c.add("INVALID_ARN_RESOURCE", v.Pos, path, "The resource ARN %q does not match any %s resource type (%s)", v.Text, svc.Name, resourceFormats(svc))
		}
		return
	}
	if !positive || sa.known == nil {
		return
	}
	// Does any action of the statement act on a resource type this ARN can
	// be? Actions of one service may act on another's resources
	// (sts:AssumeRole on an IAM role), so compare with each action's own
	// resource types.
	if len(sa.known) > 2000 {
		return
	}
	for _, a := range sa.known {
		for _, r := range a.ResourceTypes {
			if r.Type != nil && fitsTemplate(v.Text, r.Type.ARN) {
				return
			}
		}
	}
	why := "none of the statement's actions acts on " + service + " resources"
	for _, a := range sa.known {
		if strings.EqualFold(a.Service.Prefix, service) {
			why = "none of the statement's actions acts on " + strings.Join(fits, " or ") + " resources"
			break
		}
	}
	c.add("RESOURCE_NOT_SUPPORTED_BY_ACTIONS", v.Pos, path, "The resource %q grants or denies nothing here: %s", v.Text, why)
}

func resourceFormats(svc *catalogService) string {
	var out []string
	for i, rt := range svc.ResourceTypes {
		if i == 4 {
			out = append(out, "...")
			break
		}
		out = append(out, rt.ARN)
	}
	return strings.Join(out, ", ")
}
