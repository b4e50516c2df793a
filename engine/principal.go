package engine

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/arn"
)

// PrincipalKind is the kind of caller making a request.
type PrincipalKind uint8

const (
	Anonymous PrincipalKind = iota
	AccountRoot
	User
	Role        // an IAM role ARN, evaluated as a session of that role
	AssumedRole // an assumed-role session
	FederatedUser
	Service
	WebIdentity // a SAML or OIDC identity provider (AssumeRoleWith*)
	CanonicalUser
)

var kindNames = [...]string{"anonymous", "root", "user", "role", "assumed-role", "federated-user", "service", "web-identity", "canonical-user"}

func (k PrincipalKind) String() string { return kindNames[k] }

// Principal is the caller of a request.
type Principal struct {
	Kind      PrincipalKind
	ARN       string // as given, or the root ARN for an account ID
	Partition string
	Account   string
	// Name is the user, role or federated-user name (without path).
	Name string
	// Session is the role session name of an assumed role.
	Session string
	// RoleARN is the role of a Role or AssumedRole principal. An assumed-role
	// ARN carries no role path, so the path is "/" unless the caller says
	// otherwise through aws:PrincipalArn.
	RoleARN string
	// Service is the service principal name, such as lambda.amazonaws.com,
	// or the identity provider for WebIdentity.
	Service string
	// ServiceLinked reports a service-linked role, which SCPs and RCPs do
	// not restrict: a role at the path /aws-service-role/, which only
	// CreateServiceLinkedRole can create (CreateRole refuses the path:
	// "Path prefix '/aws-service-role/' can only be used for AWS Service
	// linked Roles"). Its name is no proof (anyone may call a role
	// AWSServiceRoleForX at "/"), and a session's ARN has no path, so
	// ParsePrincipal sets it for role ARNs only; the caller of the engine
	// that knows a session's role (world) sets it for the session.
	ServiceLinked bool
}

var federatedProviders = map[string]bool{
	"cognito-identity.amazonaws.com": true,
	"accounts.google.com":            true,
	"graph.facebook.com":             true,
	"www.amazon.com":                 true,
}

// ParsePrincipal reads a caller: an IAM user or role ARN, an assumed-role or
// federated-user session ARN, an account ID or root ARN, a service principal
// such as lambda.amazonaws.com, a SAML/OIDC provider ARN, or "anonymous"
// (also the empty string and "*").
func ParsePrincipal(s string) (Principal, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "*" || strings.EqualFold(s, "anonymous"):
		return Principal{Kind: Anonymous}, nil
	case arn.IsAccountID(s):
		return Principal{Kind: AccountRoot, ARN: "arn:aws:iam::" + s + ":root", Partition: "aws", Account: s}, nil
	case federatedProviders[strings.ToLower(s)]:
		return Principal{Kind: WebIdentity, Service: strings.ToLower(s)}, nil
	case !strings.HasPrefix(s, "arn:"):
		if strings.Contains(s, ".") && !strings.ContainsAny(s, " /:") {
			return Principal{Kind: Service, Service: strings.ToLower(s)}, nil
		}
		return Principal{}, fmt.Errorf("principal %q: want an ARN, an account ID, a service principal or \"anonymous\"", s)
	}
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("principal %q: %v", s, err)
	}
	if !arn.IsAccountID(a.AccountID) {
		return Principal{}, fmt.Errorf("principal %q: account %q is not a 12-digit account ID", s, a.AccountID)
	}
	p := Principal{ARN: s, Partition: a.Partition, Account: a.AccountID}
	res := a.Resource
	switch {
	case a.Service == "iam" && res == "root":
		p.Kind = AccountRoot
	case a.Service == "iam" && strings.HasPrefix(res, "user/"):
		p.Kind, p.Name = User, lastSegment(res)
	case a.Service == "iam" && strings.HasPrefix(res, "role/"):
		p.Kind, p.Name, p.RoleARN = Role, lastSegment(res), s
		p.ServiceLinked = strings.HasPrefix(res, "role/aws-service-role/")
	case a.Service == "sts" && strings.HasPrefix(res, "assumed-role/"):
		parts := strings.SplitN(res[len("assumed-role/"):], "/", 2)
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return Principal{}, fmt.Errorf("principal %q: want arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION", s)
		}
		p.Kind, p.Name, p.Session = AssumedRole, parts[0], parts[1]
		p.RoleARN = "arn:" + a.Partition + ":iam::" + a.AccountID + ":role/" + parts[0]
	case a.Service == "sts" && strings.HasPrefix(res, "federated-user/"):
		p.Kind, p.Name = FederatedUser, res[len("federated-user/"):]
	case a.Service == "iam" && (strings.HasPrefix(res, "saml-provider/") || strings.HasPrefix(res, "oidc-provider/")):
		p.Kind, p.Service = WebIdentity, s
	default:
		return Principal{}, fmt.Errorf("principal %q: not a user, role, session, root or identity provider ARN", s)
	}
	if p.Name == "" && (p.Kind == User || p.Kind == Role || p.Kind == FederatedUser) {
		return Principal{}, fmt.Errorf("principal %q: missing name", s)
	}
	return p, nil
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// UniqueID returns a stable stand-in for the unique ID AWS gives a user
// (AIDA...) or role (AROA...), derived from the ARN, for requests that do not
// carry the real one. Stores that know the real ID put it in aws:userid.
func UniqueID(prefix, arnText string) string {
	sum := sha256.Sum256([]byte(arnText))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// contextKeys returns the request-derived context keys for the principal
// (the IAM User Guide, "AWS global condition context keys" and the table of
// aws:username / aws:userid / aws:PrincipalType values under "IAM policy
// elements: Variables and tags").
func (p *Principal) contextKeys() map[string]string {
	m := map[string]string{}
	switch p.Kind {
	case Anonymous:
		m["aws:userid"] = "anonymous"
		m["aws:principaltype"] = "Anonymous"
		return m
	case Service:
		m["aws:principalisawsservice"] = "true"
		m["aws:principalservicename"] = p.Service
		return m
	case WebIdentity, CanonicalUser:
		return m
	}
	m["aws:principalisawsservice"] = "false"
	m["aws:principalaccount"] = p.Account
	switch p.Kind {
	case AccountRoot:
		m["aws:principalarn"] = p.ARN
		m["aws:principaltype"] = "Account"
		m["aws:userid"] = p.Account
	case User:
		m["aws:principalarn"] = p.ARN
		m["aws:principaltype"] = "User"
		m["aws:username"] = p.Name
		m["aws:userid"] = UniqueID("AIDA", p.ARN)
	case Role, AssumedRole:
		m["aws:principalarn"] = p.RoleARN
		m["aws:principaltype"] = "AssumedRole"
		session := p.Session
		if session == "" {
			session = p.Name
		}
		m["aws:userid"] = UniqueID("AROA", p.RoleARN) + ":" + session
	case FederatedUser:
		m["aws:principalarn"] = p.ARN
		m["aws:principaltype"] = "FederatedUser"
		m["aws:userid"] = p.Account + ":" + p.Name
	}
	return m
}
