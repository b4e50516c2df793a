package engine

import "strings"

// awsRule is a rule AWS applies before or over every policy: an action that
// needs no permission, or a resource that belongs to AWS and that no policy
// can open to an IAM principal.
type awsRule uint8

const (
	ruleNone awsRule = iota
	// ruleNoPermission: sts:GetCallerIdentity. "No permissions are required
	// to perform this operation. If an administrator attaches a policy to
	// your identity that explicitly denies access to the
	// sts:GetCallerIdentity action, you can still perform this operation"
	// (AWS STS API Reference, GetCallerIdentity).
	ruleNoPermission
	// ruleAWSManagedPolicy: AWS managed policies are maintained by AWS and
	// cannot be changed (IAM User Guide, "AWS managed policies").
	ruleAWSManagedPolicy
	// ruleProtectedRole: roles that IAM Identity Center provisions under
	// /aws-reserved/sso.amazonaws.com/ are changed only by the service,
	// through its service-linked role (IAM Identity Center User Guide, "AWS
	// managed policies for IAM Identity Center": AWSSSOServiceRolePolicy
	// grants the role changes on arn:aws:iam::*:role/aws-reserved/
	// sso.amazonaws.com/*), and a service-linked role "can be modified only
	// by the service" (IAM User Guide, "Create a service-linked role").
	// Service-linked callers are therefore exempt.
	ruleProtectedRole
	// ruleAWSAlias: "The alias/aws/ prefix is reserved for AWS managed key"
	// and aliases of AWS managed keys cannot be managed (AWS KMS Developer
	// Guide, "Create aliases").
	ruleAWSAlias
)

// protectedRoleActions change a role; AWS refuses them on roles it owns.
var protectedRoleActions = map[string]bool{
	"iam:attachrolepolicy": true, "iam:detachrolepolicy": true,
	"iam:putrolepolicy": true, "iam:deleterolepolicy": true,
	"iam:putrolepermissionsboundary": true, "iam:deleterolepermissionsboundary": true,
	"iam:updateassumerolepolicy": true, "iam:updaterole": true, "iam:updateroledescription": true,
	"iam:deleterole": true, "iam:tagrole": true, "iam:untagrole": true,
}

var managedPolicyActions = map[string]bool{
	"iam:createpolicy": true, "iam:createpolicyversion": true, "iam:deletepolicy": true,
	"iam:deletepolicyversion": true, "iam:setdefaultpolicyversion": true,
	"iam:tagpolicy": true, "iam:untagpolicy": true,
}

var aliasActions = map[string]bool{"kms:createalias": true, "kms:updatealias": true, "kms:deletealias": true}

// ruleFor finds the AWS rule that applies to a prepared request.
func (q *Prepared) ruleFor() awsRule {
	p := &q.principal
	if q.action == "sts:getcalleridentity" {
		switch p.Kind {
		case User, Role, AssumedRole, FederatedUser, AccountRoot:
			return ruleNoPermission
		}
		return ruleNone
	}
	if !q.resIsARN {
		return ruleNone
	}
	a := &q.resARN
	switch {
	case a.Service == "iam" && a.AccountID == "aws" && strings.HasPrefix(a.Resource, "policy/") && managedPolicyActions[q.action]:
		return ruleAWSManagedPolicy
	case a.Service == "iam" && protectedRoleActions[q.action] && !p.ServiceLinked &&
		(strings.HasPrefix(a.Resource, "role/aws-reserved/sso.amazonaws.com/") || strings.HasPrefix(a.Resource, "role/aws-service-role/")):
		return ruleProtectedRole
	case a.Service == "kms" && strings.HasPrefix(a.Resource, "alias/aws/") && aliasActions[q.action]:
		return ruleAWSAlias
	}
	return ruleNone
}

func (r awsRule) reason() string {
	switch r {
	case ruleNoPermission:
		return "allowed: sts:GetCallerIdentity needs no permission; AWS answers it for every authenticated caller, whatever identity, session, boundary, SCP, RCP or endpoint policies say"
	case ruleAWSManagedPolicy:
		return "implicitly denied: AWS managed policies (arn:aws:iam::aws:policy/...) belong to AWS and cannot be created, changed, tagged or deleted, whatever the policies allow"
	case ruleProtectedRole:
		return "implicitly denied: roles under /aws-reserved/sso.amazonaws.com/ (IAM Identity Center) and service-linked roles (/aws-service-role/) belong to their service and cannot be changed by IAM principals, whatever the policies allow"
	case ruleAWSAlias:
		return "implicitly denied: KMS aliases under alias/aws/ belong to AWS managed keys and cannot be created, updated or deleted, whatever the policies allow"
	}
	return ""
}

func (r awsRule) name() string {
	switch r {
	case ruleNoPermission:
		return AWSRuleNoPermission
	case ruleAWSManagedPolicy:
		return AWSRuleAWSManagedPolicy
	case ruleProtectedRole:
		return AWSRuleProtectedRole
	case ruleAWSAlias:
		return AWSRuleAWSAlias
	}
	return ""
}
