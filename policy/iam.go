package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/policy/condition"
)

// IAMKind is the kind of document the IAM API is asked to store; each has
// its own acceptance rules.
type IAMKind uint8

const (
	// ManagedPolicy: CreatePolicy and CreatePolicyVersion.
	ManagedPolicy IAMKind = iota + 1
	// InlinePolicy: PutUserPolicy, PutGroupPolicy and PutRolePolicy.
	InlinePolicy
	// TrustPolicy: a role's trust policy (CreateRole,
	// UpdateAssumeRolePolicy).
	TrustPolicy
)

func (k IAMKind) String() string {
	switch k {
	case ManagedPolicy:
		return "managed"
	case InlinePolicy:
		return "inline"
	case TrustPolicy:
		return "trust"
	}
	return ""
}

// ParseIAMKind parses "managed", "inline" or "trust".
func ParseIAMKind(s string) (IAMKind, bool) {
	for _, k := range []IAMKind{ManagedPolicy, InlinePolicy, TrustPolicy} {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// IAM's MalformedPolicyDocument messages, word for word. Each is quoted from
// real IAM answers; testdata/acceptance names the source of every case.
const (
	MsgSyntax          = "Syntax errors in policy."
	MsgInvalidJSON     = "This policy contains invalid Json"
	MsgVersion         = "Policy document must be version 2012-10-17 or greater."
	MsgLegacy          = "The policy failed legacy parsing"
	MsgSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	MsgNoActions       = "Policy statement must contain actions."
	MsgNoResources     = "Policy statement must contain resources."
	MsgNoVendor        = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	MsgOneColon        = "Actions/Condition can contain only one colon."
	MsgResourceVendor  = "Resource vendor must be fully qualified and cannot contain regexes."
	MsgNoPrincipal     = "Policy document should not specify a principal."
	MsgProhibitedRes   = "Has prohibited field Resource"
	MsgMissingPrinc    = "Missing required field Principal"
	iamResourceTypes   = "user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/"
	msgIAMResourcePath = `IAM resource path must either be "*" or start with ` + iamResourceTypes + "."
)

// IAMOptions are what IAM knows beyond the document.
type IAMOptions struct {
	// Partition is the partition of the account storing the policy;
	// "aws" when empty. Resources name it or "*".
	Partition string
	// PrincipalExists reports whether an IAM user or role ARN named in a
	// trust policy exists. IAM turns such ARNs into the principal's
	// unique ID when it stores the policy and refuses one that names no
	// principal; nil accepts every well-formed ARN.
	PrincipalExists func(arn string) bool
}

// Rejection is IAM's refusal of a document: Message is AWS's
// MalformedPolicyDocument message, word for word, as the API returns it;
// Detail says where and why in iamgate's words, for validate, eval and the
// world loader to show beside it.
type Rejection struct {
	Message string
	Detail  *Error
}

func (r *Rejection) Error() string {
	if r.Detail == nil {
		return r.Message
	}
	return r.Message + " (" + r.Detail.Error() + ")"
}

// CheckIAM applies the IAM API's acceptance rules for a document of the
// given kind, in IAM's order: syntax, version, legacy parsing, Sid
// uniqueness, actions present, resource format, action vendor, resources
// present, then the principals of a trust policy. It returns nil when IAM
// stores the document. The first rule broken decides the message, as IAM
// reports only one.
func CheckIAM(name string, data []byte, kind IAMKind, opts IAMOptions) *Rejection {
	c := &iamCheck{name: name, lines: newLines(data), kind: kind, opts: opts}
	if c.opts.Partition == "" {
		c.opts.Partition = "aws"
	}
	return c.run(data)
}

type iamCheck struct {
	name  string
	lines *lines
	kind  IAMKind
	opts  IAMOptions
	root  *node
	stmts []*node
	paths []string
}

func (c *iamCheck) reject(msg string, off int, path, format string, args ...any) *Rejection {
	return &Rejection{Message: msg, Detail: &Error{File: c.name, Pos: c.lines.pos(off), Path: path, Msg: fmt.Sprintf(format, args...)}}
}

func (c *iamCheck) run(data []byte) *Rejection {
	root, err := parseTree(data)
	if err != nil {
		var se *jsonSyntaxError
		errors.As(err, &se) // parseTree's only error type
		msg := MsgSyntax
		if c.kind == TrustPolicy {
			// CreateRole answers a document that is not JSON so
			// (github.com/AWSCookbook/Security/issues/2); CreatePolicy
			// says "Syntax errors in policy." (awslabs/ec2-spot-labs#25).
			msg = MsgInvalidJSON
		}
		return c.reject(msg, se.off, "", "%s", se.msg)
	}
	c.root = root
	steps := []func() *Rejection{c.syntax, c.version, c.kindRules, c.legacy, c.sids, c.actionsPresent, c.resourceFormat, c.vendors, c.resourcesPresent, c.principals}
	for _, step := range steps {
		if r := step(); r != nil {
			return r
		}
	}
	return nil
}

var (
	iamTopKeys       = []string{"Version", "Id", "Statement"}
	iamStatementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	iamPrincipalKeys = []string{"AWS", "Service", "Federated", "CanonicalUser"}
)

func contains(list []string, s string) bool {
	for _, k := range list {
		if k == s {
			return true
		}
	}
	return false
}

// syntax is IAM's grammar: known elements of the right JSON types, Effect
// Allow or Deny in any case, a non-empty Statement, operators IAM knows.
func (c *iamCheck) syntax() *Rejection {
	bad := func(off int, path, format string, args ...any) *Rejection {
		return c.reject(MsgSyntax, off, path, format, args...)
	}
	r := c.root
	if r.kind != kObject {
		return bad(r.off, "", "policy must be a JSON object, got %s", r.kind)
	}
	for _, m := range r.members {
		if !contains(iamTopKeys, m.key) {
			return bad(m.keyOff, m.key, "unknown element %q; allowed: %s", m.key, strings.Join(iamTopKeys, ", "))
		}
	}
	if v, _ := r.get("Version"); v != nil && (v.kind != kString || (v.str != Version2012 && v.str != Version2008)) {
		return bad(v.off, "Version", "must be %q or %q", Version2012, Version2008)
	}
	if v, _ := r.get("Id"); v != nil && v.kind != kString {
		return bad(v.off, "Id", "must be a string, got %s", v.kind)
	}
	st, _ := r.get("Statement")
	switch {
	case st == nil:
		return bad(r.off, "", "missing required element Statement")
	case st.kind == kObject:
		c.stmts, c.paths = []*node{st}, []string{"Statement"}
	case st.kind == kArray:
		if len(st.elems) == 0 {
			return bad(st.off, "Statement", "empty array: IAM stores no policy without statements")
		}
		for i, e := range st.elems {
			c.stmts = append(c.stmts, e)
			c.paths = append(c.paths, fmt.Sprintf("Statement[%d]", i))
		}
	default:
		return bad(st.off, "Statement", "must be an object or an array of objects, got %s", st.kind)
	}
	for i, s := range c.stmts {
		path := c.paths[i]
		if s.kind != kObject {
			return bad(s.off, path, "must be an object, got %s", s.kind)
		}
		for _, m := range s.members {
			if !contains(iamStatementKeys, m.key) {
				return bad(m.keyOff, path+"."+m.key, "unknown element %q; allowed: %s", m.key, strings.Join(iamStatementKeys, ", "))
			}
		}
		for _, pair := range [][2]string{{"Action", "NotAction"}, {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}} {
			a, _ := s.get(pair[0])
			b, _ := s.get(pair[1])
			if a != nil && b != nil {
				return bad(b.off, path+"."+pair[1], "a statement cannot have both %s and %s", pair[0], pair[1])
			}
		}
		e, _ := s.get("Effect")
		switch {
		case e == nil:
			return bad(s.off, path, "missing required element Effect")
		case e.kind != kString || (!strings.EqualFold(e.str, "Allow") && !strings.EqualFold(e.str, "Deny")):
			return bad(e.off, path+".Effect", `must be "Allow" or "Deny"`)
		}
		if v, _ := s.get("Sid"); v != nil && v.kind != kString {
			return bad(v.off, path+".Sid", "must be a string, got %s", v.kind)
		}
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			v, _ := s.get(k)
			if v == nil {
				continue
			}
			nullOK := k == "Resource" || k == "NotResource"
			if r := c.stringList(v, path+"."+k, nullOK); r != nil {
				return r
			}
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if v, _ := s.get(k); v != nil {
				if r := c.principalSyntax(v, path+"."+k); r != nil {
					return r
				}
			}
		}
		if v, _ := s.get("Condition"); v != nil {
			if r := c.conditionSyntax(v, path+".Condition"); r != nil {
				return r
			}
		}
	}
	return nil
}

// stringList accepts a string or an array of strings; a Resource array may
// hold null entries, which IAM ignores.
func (c *iamCheck) stringList(n *node, path string, nullOK bool) *Rejection {
	switch n.kind {
	case kString:
		return nil
	case kArray:
		for i, e := range n.elems {
			if e.kind == kString || (nullOK && e.kind == kNull) {
				continue
			}
			return c.reject(MsgSyntax, e.off, fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", e.kind)
		}
		return nil
	}
	return c.reject(MsgSyntax, n.off, path, "must be a string or an array of strings, got %s", n.kind)
}

func (c *iamCheck) principalSyntax(n *node, path string) *Rejection {
	switch n.kind {
	case kString:
		if n.str == "*" {
			return nil
		}
		return c.reject(MsgSyntax, n.off, path, `must be "*" or an object such as {"AWS": ...}, got %q`, n.str)
	case kObject:
	default:
		return c.reject(MsgSyntax, n.off, path, `must be "*" or an object, got %s`, n.kind)
	}
	for _, m := range n.members {
		if !contains(iamPrincipalKeys, m.key) {
			return c.reject(MsgSyntax, m.keyOff, path+"."+m.key, "unknown principal type %q; allowed: %s", m.key, strings.Join(iamPrincipalKeys, ", "))
		}
		if r := c.stringList(m.val, path+"."+m.key, false); r != nil {
			return r
		}
	}
	return nil
}

// conditionSyntax: an object of operators, each an object of keys whose
// values are scalars or arrays of scalars. An operator IAM does not know is
// refused unless its block is empty.
func (c *iamCheck) conditionSyntax(n *node, path string) *Rejection {
	if n.kind != kObject {
		return c.reject(MsgSyntax, n.off, path, "must be an object of condition operators, got %s", n.kind)
	}
	for _, m := range n.members {
		at := path + "." + m.key
		if m.val.kind != kObject {
			return c.reject(MsgSyntax, m.val.off, at, "must be an object of condition keys, got %s", m.val.kind)
		}
		for _, km := range m.val.members {
			v := km.val
			switch v.kind {
			case kString, kNumber, kBool:
			case kArray:
				for i, e := range v.elems {
					if e.kind != kString && e.kind != kNumber && e.kind != kBool {
						return c.reject(MsgSyntax, e.off, fmt.Sprintf("%s.%s[%d]", at, km.key, i), "must be a string, number or boolean, got %s", e.kind)
					}
				}
			default:
				return c.reject(MsgSyntax, v.off, at+"."+km.key, "must be a string or an array of strings, got %s", v.kind)
			}
		}
		if _, err := condition.ParseOperator(m.key); err != nil && len(m.val.members) > 0 {
			return c.reject(MsgSyntax, m.keyOff, at, "%v", err)
		}
	}
	return nil
}

// version: a managed policy must be 2012-10-17.
func (c *iamCheck) version() *Rejection {
	if c.kind != ManagedPolicy {
		return nil
	}
	v, _ := c.root.get("Version")
	if v == nil {
		return c.reject(MsgVersion, c.root.off, "", "a managed policy needs \"Version\": %q", Version2012)
	}
	if v.str != Version2012 {
		return c.reject(MsgVersion, v.off, "Version", "a managed policy needs %q, got %q", Version2012, v.str)
	}
	return nil
}

// kindRules: identity policies name no principal; a trust policy has no
// Resource and names a principal in every statement.
func (c *iamCheck) kindRules() *Rejection {
	for i, s := range c.stmts {
		path := c.paths[i]
		pr, _ := s.get("Principal")
		npr, _ := s.get("NotPrincipal")
		r, _ := s.get("Resource")
		nr, _ := s.get("NotResource")
		switch c.kind {
		case ManagedPolicy, InlinePolicy:
			if p := firstNonNil(pr, npr); p != nil {
				return c.reject(MsgNoPrincipal, p.off, path, "an identity-based policy names no principal: the principal is whoever it is attached to")
			}
		case TrustPolicy:
			if r != nil {
				return c.reject(MsgProhibitedRes, r.off, path+".Resource", "a trust policy has no Resource: the resource is the role itself")
			}
			if nr != nil {
				return c.reject("Has prohibited field NotResource", nr.off, path+".NotResource", "a trust policy has no NotResource: the resource is the role itself")
			}
		}
	}
	if c.kind == TrustPolicy {
		for i, s := range c.stmts {
			pr, _ := s.get("Principal")
			npr, _ := s.get("NotPrincipal")
			if pr == nil && npr == nil {
				return c.reject(MsgMissingPrinc, s.off, c.paths[i], "a trust policy statement must name a Principal")
			}
		}
	}
	return nil
}

func firstNonNil(ns ...*node) *node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

// values returns the strings of a string or array element, nulls skipped.
func values(n *node) []*node {
	if n == nil {
		return nil
	}
	if n.kind == kString {
		return []*node{n}
	}
	var out []*node
	for _, e := range n.elems {
		if e.kind == kString {
			out = append(out, e)
		}
	}
	return out
}

// legacy is IAM's older parser, which every document still passes: Effect
// exactly Allow or Deny, date values ISO 8601 or an integer, and resources
// that it can split into their fields.
func (c *iamCheck) legacy() *Rejection {
	for i, s := range c.stmts {
		path := c.paths[i]
		if e, _ := s.get("Effect"); e.str != "Allow" && e.str != "Deny" {
			return c.reject(MsgLegacy, e.off, path+".Effect", `must be "Allow" or "Deny" exactly (capitalized), got %q`, e.str)
		}
		if cn, _ := s.get("Condition"); cn != nil {
			for _, m := range cn.members {
				op, err := condition.ParseOperator(m.key)
				if err != nil || op.Family != condition.Date {
					continue
				}
				for _, km := range m.val.members {
					for _, v := range scalars(km.val) {
						if !iamDate(v.str) {
							return c.reject(MsgLegacy, v.off, path+".Condition."+m.key+"."+km.key, "%q is neither an ISO 8601 date and time nor an integer number of seconds", v.str)
						}
					}
				}
			}
		}
	}
	// Resources: only while no resource has a format error, which IAM
	// reports later in its own words.
	for i, s := range c.stmts {
		for _, k := range []string{"Resource", "NotResource"} {
			v, _ := s.get(k)
			if v == nil {
				continue
			}
			if _, _, bad := c.firstResourceError(v); bad {
				return nil
			}
			for _, r := range values(v) {
				if r.str == "*" {
					continue
				}
				f := strings.Split(r.str, ":")
				if (len(f) < 6 && strings.Contains(r.str, "::")) || (len(f) > 2 && f[2] == "") {
					return c.reject(MsgLegacy, r.off, c.paths[i]+"."+k, "%q cannot be split into arn:partition:service:region:account:resource", r.str)
				}
			}
		}
	}
	return nil
}

func scalars(n *node) []*node {
	if n.kind == kArray {
		return n.elems
	}
	return []*node{n}
}

func (c *iamCheck) sids() *Rejection {
	seen := map[string]bool{}
	for i, s := range c.stmts {
		v, _ := s.get("Sid")
		if v == nil || v.str == "" {
			continue
		}
		if seen[v.str] {
			return c.reject(MsgSidUnique, v.off, c.paths[i]+".Sid", "Sid %q is used by an earlier statement", v.str)
		}
		seen[v.str] = true
	}
	return nil
}

func (c *iamCheck) actionsPresent() *Rejection {
	for i, s := range c.stmts {
		a, _ := s.get("Action")
		na, _ := s.get("NotAction")
		v := firstNonNil(a, na)
		switch {
		case v == nil:
			return c.reject(MsgNoActions, s.off, c.paths[i], "missing required element Action or NotAction")
		case v.kind == kArray && len(v.elems) == 0:
			return c.reject(MsgNoActions, v.off, c.paths[i], "empty array: IAM refuses a statement with no actions")
		}
	}
	return nil
}

func (c *iamCheck) resourceFormat() *Rejection {
	for i, s := range c.stmts {
		for _, k := range []string{"Resource", "NotResource"} {
			v, _ := s.get(k)
			if v == nil {
				continue
			}
			if r, msg, bad := c.firstResourceError(v); bad {
				return c.reject(msg, r.off, c.paths[i]+"."+k, "%s", resourceDetail(msg, r.str))
			}
		}
	}
	return nil
}

func resourceDetail(msg, r string) string {
	switch {
	case strings.HasPrefix(msg, "Partition"):
		return fmt.Sprintf("%q: the partition must be the account's or \"*\"", r)
	case msg == MsgResourceVendor:
		return fmt.Sprintf("%q names no service", r)
	case strings.Contains(msg, "region"):
		return fmt.Sprintf("%q: this service's ARNs have an empty region field", r)
	case strings.HasPrefix(msg, "IAM resource path"):
		return fmt.Sprintf("%q: an IAM ARN names its resource type, such as role/NAME", r)
	}
	return fmt.Sprintf("%q is neither \"*\" nor an ARN", r)
}

// firstResourceError checks the resources of one element in sorted order,
// as IAM reports the first of them that it refuses (moto's reverse-engineered
// validator, getmoto/moto tests/test_iam/test_iam_policies.py, keeps that
// order).
func (c *iamCheck) firstResourceError(n *node) (*node, string, bool) {
	rs := values(n)
	sorted := append([]*node(nil), rs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].str < sorted[j].str })
	for _, r := range sorted {
		if msg := c.resourceError(r.str); msg != "" {
			return r, msg, true
		}
	}
	return nil, "", false
}

// resourceError is IAM's message for a resource it refuses, or "".
func (c *iamCheck) resourceError(r string) string {
	if r == "*" {
		return ""
	}
	first, rest, ok := strings.Cut(r, ":")
	_ = first // IAM does not read the "arn" field itself
	if !ok {
		return fmt.Sprintf(`Resource %s must be in ARN format or "*".`, r)
	}
	partition, rest, hasVendor := strings.Cut(rest, ":")
	if partition != c.opts.Partition && partition != "*" {
		f := strings.Split(rest, ":")
		field := func(i int) string {
			if i < len(f) && (f[i] != "" || len(f) > 1) {
				if i == 3 {
					return strings.Join(f[3:], ":")
				}
				return f[i]
			}
			return "*"
		}
		return fmt.Sprintf(`Partition "%s" is not valid for resource "arn:%s:%s:%s:%s:%s".`, partition, partition, field(0), field(1), field(2), field(3))
	}
	if !hasVendor {
		return MsgResourceVendor
	}
	service, rest, _ := strings.Cut(rest, ":")
	switch service {
	case "iam", "s3":
		if !strings.HasPrefix(rest, ":") {
			if service == "iam" {
				return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
			}
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	}
	if service == "iam" {
		_, rest, _ = strings.Cut(rest, ":") // region
		_, res, _ := strings.Cut(rest, ":") // account
		// "root" is an account's root user (the resource type root-user
		// of sts:AssumeRoot, the Service Authorization Reference), which
		// AWS's own root-task managed policies name.
		if res == "*" || res == "root" {
			return ""
		}
		for _, t := range strings.Split(iamResourceTypes, ", ") {
			if strings.HasPrefix(res, t) {
				return ""
			}
		}
		return msgIAMResourcePath
	}
	return ""
}

// vendors: every action is "*" or vendor:name with a vendor of
// [a-zA-Z0-9.-]+; the name is not checked (so "s3:GetObject,PutObject" is
// stored, and matches nothing).
func (c *iamCheck) vendors() *Rejection {
	for i, s := range c.stmts {
		for _, k := range []string{"Action", "NotAction"} {
			v, _ := s.get(k)
			for _, a := range values(v) {
				if msg := actionError(a.str); msg != "" {
					return c.reject(msg, a.off, c.paths[i]+"."+k, "%q: an action is \"*\" or service:action, the service prefix of letters, digits, '.' and '-'", a.str)
				}
			}
		}
	}
	return nil
}

// actionError is IAM's message for an action it refuses, or "".
func actionError(a string) string {
	if a == "*" {
		return ""
	}
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1:
		return MsgNoVendor
	case len(parts) > 2:
		return MsgOneColon
	}
	if parts[0] == "*" {
		return ""
	}
	if !validVendor(parts[0]) {
		return fmt.Sprintf("Vendor %s is not valid", parts[0])
	}
	return ""
}

func validVendor(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

func (c *iamCheck) resourcesPresent() *Rejection {
	if c.kind == TrustPolicy {
		return nil
	}
	for i, s := range c.stmts {
		r, _ := s.get("Resource")
		nr, _ := s.get("NotResource")
		v := firstNonNil(r, nr)
		switch {
		case v == nil:
			return c.reject(MsgNoResources, s.off, c.paths[i], "missing required element Resource or NotResource")
		case v.kind == kArray && len(values(v)) == 0:
			return c.reject(MsgNoResources, v.off, c.paths[i], "empty array: IAM refuses a statement with no resources")
		}
	}
	return nil
}

// principals: every principal of a trust policy is well formed, and an IAM
// user or role named by ARN exists. The message quotes the principal as IAM
// does: Invalid principal in policy: "AWS":"arn:...", "SERVICE":"...".
func (c *iamCheck) principals() *Rejection {
	if c.kind != TrustPolicy {
		return nil
	}
	for i, s := range c.stmts {
		for _, k := range []string{"Principal", "NotPrincipal"} {
			p, _ := s.get(k)
			if p == nil || p.kind != kObject {
				continue
			}
			for _, m := range p.members {
				for _, v := range values(m.val) {
					path := c.paths[i] + "." + k + "." + m.key
					why := ""
					switch m.key {
					case "AWS":
						if _, msg := checkAWSPrincipal(v.str); msg != "" {
							why = msg
						} else if c.opts.PrincipalExists != nil && namesUserOrRole(v.str) && !c.opts.PrincipalExists(v.str) {
							why = fmt.Sprintf("%s does not exist; IAM stores a trust policy only with principals it can resolve", v.str)
						}
					case "Service":
						if v.str == "" || strings.ContainsAny(v.str, " */:?") {
							why = fmt.Sprintf("invalid service principal %q (want a name such as lambda.amazonaws.com)", v.str)
						}
					default:
						if v.str == "" {
							why = "a principal must not be empty"
						}
					}
					if why != "" {
						return c.reject(fmt.Sprintf(`Invalid principal in policy: "%s":"%s"`, strings.ToUpper(m.key), v.str), v.off, path, "%s", why)
					}
				}
			}
		}
	}
	return nil
}

// namesUserOrRole reports whether an AWS principal is an IAM user or role
// ARN, the principals IAM resolves when it stores a trust policy.
func namesUserOrRole(s string) bool {
	f := strings.SplitN(s, ":", 6)
	return len(f) == 6 && f[0] == "arn" && f[2] == "iam" && (strings.HasPrefix(f[5], "user/") || strings.HasPrefix(f[5], "role/"))
}

// iamDate reports whether IAM's legacy parser takes a date condition value:
// an integer of seconds (0 to 2^63-1) or an ISO 8601 date and time, in the
// lenient form IAM reads (one-digit hours, a lower-case t, a zone of
// hours only).
func iamDate(s string) bool {
	if !strings.ContainsAny(s, "tT-") {
		if s == "" {
			return false
		}
		var n uint64
		for _, r := range s {
			if r < '0' || r > '9' {
				return false
			}
			d := uint64(r - '0')
			if n > (1<<63-1-d)/10 {
				return false
			}
			n = n*10 + d
		}
		return true
	}
	date, tm, _ := strings.Cut(strings.ToLower(s), "t")
	if date != "" {
		neg := strings.HasPrefix(date, "-")
		if neg {
			date = date[1:]
		}
		parts := strings.Split(date, "-")
		if len(parts) > 3 {
			return false
		}
		y, ok := atoi(parts[0])
		if neg {
			y = -y
		}
		if !ok || y < -292275054 || y > 292278993 {
			return false
		}
		if len(parts) > 1 && !inRange(parts[1], 1, 12) {
			return false
		}
		if len(parts) > 2 && !inRange(parts[2], 1, 31) {
			return false
		}
	}
	if tm == "" {
		return true
	}
	// The zone: z, or +hh[:mm] / -hh[:mm].
	zone := ""
	if i := strings.IndexAny(tm, "z+-"); i >= 0 {
		tm, zone = tm[:i], tm[i:]
	}
	switch {
	case zone == "" || zone == "z":
	case zone[0] == '+' || zone[0] == '-':
		hh, mm, hasMM := strings.Cut(zone[1:], ":")
		if len(hh) != 2 || !inRange(hh, 0, 23) || (hasMM && (len(mm) != 2 || !inRange(mm, 0, 59))) {
			return false
		}
	default:
		return false
	}
	f := strings.Split(tm, ":")
	if len(f) > 3 || (len(f) == 1 && f[0] == "") {
		return len(f) == 1
	}
	if !inRange(f[0], 0, 23) || (len(f) > 1 && !inRange(f[1], 0, 59)) {
		return false
	}
	if len(f) > 2 {
		sec, frac, hasFrac := strings.Cut(f[2], ".")
		if !inRange(sec, 0, 59) {
			return false
		}
		if hasFrac && (frac == "" || len(frac) > 9 || !inRange(frac, 0, 999999999)) {
			return false
		}
	}
	return true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func inRange(s string, lo, hi int) bool {
	n, ok := atoi(s)
	return ok && n >= lo && n <= hi
}
