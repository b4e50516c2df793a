package validate

import (
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
)

func (c *checker) security(s *policy.Statement, sa statementActions) {
	if s.Effect == policy.Allow {
		c.passRole(s, sa)
		c.starStar(s)
		c.wildcardPrincipal(s)
		c.trust(s)
		c.allowIfExists(s)
	}
	if s.Effect == policy.Deny {
		c.denyConditions(s)
	}
}

func hasStarResource(s *policy.Statement) bool {
	if s.Resource == nil {
		return false
	}
	for _, v := range s.Resource.Values {
		if v.Text == "*" {
			return true
		}
		if comps, ok := splitSix(v.Text); ok && (comps[5] == "*" || strings.HasSuffix(comps[5], "/*") && strings.Count(comps[5], "/") == 1) {
			return true
		}
	}
	return false
}

func hasConditionKey(s *policy.Statement, key string) bool {
	for _, c := range s.Conditions {
		if strings.EqualFold(c.Key, key) {
			return true
		}
	}
	return false
}

// passRole applies Access Analyzer's iam:PassRole and
// iam:CreateServiceLinkedRole checks to an Allow statement.
func (c *checker) passRole(s *policy.Statement, sa statementActions) {
	type check struct {
		covered, viaStar bool
		prefix           string
		what             string
	}
	for _, ck := range []check{
		{sa.passRole, sa.passRoleStar, "PASS_ROLE", "iam:PassRole"},
		{sa.createSLR, sa.createSLRStar, "CREATE_SLR", "iam:CreateServiceLinkedRole"},
	} {
		if !ck.covered {
			continue
		}
		if ck.prefix == "PASS_ROLE" && hasConditionKey(s, "iam:PassedToService") {
			continue
		}
		pos, path := s.Pos, s.Path
		code := ""
		switch {
		case s.NotAction != nil && s.NotResource != nil:
			code = ck.prefix + "_WITH_NOT_ACTION_AND_NOT_RESOURCE"
		case s.NotAction != nil && hasStarResource(s):
			code = ck.prefix + "_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
		case s.NotResource != nil && ck.viaStar:
			code = ck.prefix + "_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
		case s.NotResource != nil:
			code = ck.prefix + "_WITH_NOT_RESOURCE"
		case hasStarResource(s) && ck.viaStar:
			code = ck.prefix + "_WITH_STAR_IN_ACTION_AND_RESOURCE"
		case hasStarResource(s):
			code = ck.prefix + "_WITH_STAR_IN_RESOURCE"
		}
		if code == "" {
			continue
		}
		if s.Resource != nil {
			pos, path = s.Resource.Pos, s.Path+".Resource"
		} else if s.NotResource != nil {
			pos, path = s.NotResource.Pos, s.Path+".NotResource"
		}
		advice := "specify resource ARNs"
		if ck.prefix == "PASS_ROLE" {
			advice += " or add the iam:PassedToService condition key"
		}
		c.add(code, pos, path, "This statement allows %s on many resources, which can be overly permissive; %s", ck.what, advice)
	}
}

func (c *checker) starStar(s *policy.Statement) {
	if s.Action == nil || s.Resource == nil || len(s.Conditions) > 0 {
		return
	}
	star := false
	for _, v := range s.Action.Values {
		if v.Text == "*" || v.Text == "*:*" {
			star = true
		}
	}
	if star && hasStarResource(s) {
		for _, v := range s.Resource.Values {
			if v.Text == "*" {
				c.add("STAR_ACTION_AND_RESOURCE", s.Action.Pos, s.Path+".Action", "This statement allows every action on every resource (full administrator access); grant only the actions and resources needed")
				return
			}
		}
	}
}

// narrowingKeys are condition keys that limit who a wildcard principal is.
var narrowingKeys = []string{
	"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
	"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
	"aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip", "aws:principalservicename",
	"aws:userid", "aws:username", "kms:calleraccount", "kms:viaservice", "aws:resourceorgid",
	"aws:principaltag/", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "s3:dataaccesspointaccount",
	"lambda:functionurlauthtype", "aws:sourceidentity",
}

func (c *checker) wildcardPrincipal(s *policy.Statement) {
	pr := s.Principal
	if pr == nil {
		return
	}
	wild := pr.Wildcard
	for _, v := range pr.AWS {
		if v.Text == "*" {
			wild = true
		}
	}
	if !wild || c.opts.Type == RCP {
		return
	}
	for _, cond := range s.Conditions {
		lk := strings.ToLower(cond.Key)
		for _, k := range narrowingKeys {
			if lk == k || strings.HasSuffix(k, "/") && strings.HasPrefix(lk, k) {
				return
			}
		}
	}
	c.add("WILDCARD_PRINCIPAL_WITHOUT_CONDITION", pr.Pos, s.Path+".Principal", "This statement allows anyone, including anonymous users and every AWS account, and no condition (aws:PrincipalOrgID, aws:SourceArn, aws:SourceAccount, aws:SourceVpce, ...) narrows it")
}

// trust checks role trust statements that name AWS accounts.
func (c *checker) trust(s *policy.Statement) {
	if c.opts.Type != Trust || s.Principal == nil {
		return
	}
	assume := false
	if s.Action != nil {
		for _, v := range s.Action.Values {
			if matchAction(v.Text, "sts:AssumeRole") {
				assume = true
			}
		}
	}
	if !assume {
		return
	}
	known := map[string]bool{}
	if c.opts.Account != "" {
		known[c.opts.Account] = true
	}
	for _, a := range c.opts.OrganizationAccounts {
		known[a] = true
	}
	for _, v := range s.Principal.AWS {
		acct, whole := principalAccount(v.Text)
		if acct == "" {
			continue
		}
		if whole && len(s.Conditions) == 0 {
			c.add("TRUST_ACCOUNT_WITHOUT_CONDITION", v.Pos, s.Path+".Principal.AWS", "This trust lets any principal of account %s that its IAM policies allow assume the role, with no condition; name the roles or users, or add conditions such as aws:PrincipalArn or sts:ExternalId", acct)
		}
		if len(known) > 0 && !known[acct] && !hasConditionKey(s, "sts:ExternalId") {
			c.add("CROSS_ACCOUNT_TRUST_WITHOUT_EXTERNAL_ID", v.Pos, s.Path+".Principal.AWS", "Account %s is outside the organization and the trust does not require sts:ExternalId; a third party should be required to pass the ExternalId you agreed on (confused deputy protection)", acct)
		}
	}
}

// principalAccount returns the account of an AWS principal value and whether
// the value names the whole account.
func principalAccount(v string) (string, bool) {
	if arn.IsAccountID(v) {
		return v, true
	}
	a, err := arn.Parse(v)
	if err != nil || !arn.IsAccountID(a.AccountID) {
		return "", false
	}
	return a.AccountID, a.Resource == "root"
}

// securityKeys are keys whose absence should not grant access.
// (aws:SecureTransport is not among them: AWS always includes it in the
// request context, the IAM User Guide's global condition keys page says.)
var securityKeys = map[string]bool{
	"aws:multifactorauthpresent": true, "aws:multifactorauthage": true,
	"aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpce": true, "aws:vpcsourceip": true,
	"aws:principalorgid": true, "aws:sourceaccount": true, "aws:sourcearn": true,
}

// absentKeys are keys that some requests do not carry: a Deny that tests them
// with a plain operator does not apply to those requests.
func mayBeAbsent(lowerKey string) bool {
	if securityKeys[lowerKey] {
		return true
	}
	for _, p := range []string{"aws:requesttag/", "aws:resourcetag/", "aws:principaltag/", "aws:tagkeys", "aws:calledvia"} {
		if strings.HasPrefix(lowerKey, p) {
			return true
		}
	}
	return false
}

func (c *checker) denyConditions(s *policy.Statement) {
	for _, cond := range s.Conditions {
		op := cond.Operator
		lk := strings.ToLower(cond.Key)
		switch {
		case op.Family == condition.Null:
			for _, v := range cond.Values {
				if strings.EqualFold(v.Text, "false") && mayBeAbsent(lk) {
					c.add("DENY_CONDITION_KEY_MAY_BE_ABSENT", cond.OperatorPos, cond.Path, "Null with false makes this Deny apply only when %s is present, so requests without it (as some callers send them) are not denied; drop the Null test or use an ...IfExists operator", cond.Key)
				}
			}
		case op.IfExists:
		case op.Set == condition.ForAnyValue:
			c.add("DENY_WITH_FORANYVALUE", cond.OperatorPos, cond.Path, "ForAnyValue is false when %s is missing from the request, so this Deny does not apply to such requests; use ForAnyValue:%sIfExists or add a Null check", cond.Key, op.Base)
		case op.Set == condition.SetNone && !op.Negated && mayBeAbsent(lk):
			c.add("DENY_CONDITION_KEY_MAY_BE_ABSENT", cond.OperatorPos, cond.Path, "%s is false when %s is missing from the request (as it is for some callers), so this Deny does not apply to them; use %sIfExists", op.Base, cond.Key, op.Base)
		}
	}
}

func (c *checker) allowIfExists(s *policy.Statement) {
	for _, cond := range s.Conditions {
		if cond.Operator.IfExists && securityKeys[strings.ToLower(cond.Key)] {
			c.add("ALLOW_IF_EXISTS_ON_SECURITY_KEY", cond.OperatorPos, cond.Path, "%s grants access when %s is missing from the request; in an Allow, test the key without IfExists", cond.Operator.Name, cond.Key)
		}
	}
}

// secureTransport suggests a TLS-only deny for bucket policies.
func (c *checker) secureTransport() {
	if c.opts.Type != Resource {
		return
	}
	bucket := false
	for _, s := range c.p.Statements {
		for _, l := range []*policy.List{s.Resource, s.NotResource} {
			if l == nil {
				continue
			}
			for _, v := range l.Values {
				if strings.HasPrefix(v.Text, "arn:aws:s3:::") || strings.HasPrefix(v.Text, "arn:aws-cn:s3:::") || strings.HasPrefix(v.Text, "arn:aws-us-gov:s3:::") {
					bucket = true
				}
			}
		}
		if s.Effect != policy.Deny {
			continue
		}
		for _, cond := range s.Conditions {
			if strings.EqualFold(cond.Key, "aws:SecureTransport") && cond.Operator.Family == condition.Bool {
				for _, v := range cond.Values {
					if strings.EqualFold(v.Text, "false") {
						return
					}
				}
			}
		}
	}
	if bucket {
		c.add("MISSING_SECURE_TRANSPORT_DENY", c.p.StatementPos, "Statement", "Add a statement that denies s3:* when aws:SecureTransport is false, so that the bucket is reached only over TLS")
	}
}
