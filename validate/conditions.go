package validate

import (
	"net/netip"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
	"github.com/iamgate/iamgate/policy/vars"
)

// operatorFits reports whether an operator family suits a key type (the IAM
// User Guide, "Condition operators", and the key types of the Service
// Authorization Reference). String operators also suit ARN keys.
func operatorFits(f condition.Family, keyType string) bool {
	base := strings.TrimPrefix(keyType, "ArrayOf")
	switch f {
	case condition.Null:
		return true
	case condition.String:
		return base == "String" || base == "ARN"
	case condition.ARN:
		return base == "ARN"
	case condition.Numeric:
		return base == "Numeric"
	case condition.Date:
		return base == "Date"
	case condition.Bool:
		return base == "Bool"
	case condition.IPAddress:
		return base == "IPAddress"
	case condition.Binary:
		return base == "Binary"
	}
	return false
}

func familyFor(keyType string) string {
	switch strings.TrimPrefix(keyType, "ArrayOf") {
	case "String":
		return "String"
	case "ARN":
		return "Arn (or String)"
	case "Numeric":
		return "Numeric"
	case "Date":
		return "Date"
	case "Bool":
		return "Bool"
	case "IPAddress":
		return "IpAddress"
	case "Binary":
		return "BinaryEquals"
	}
	return keyType
}

func (c *checker) conditions(s *policy.Statement, sa statementActions) {
	for _, cond := range s.Conditions {
		c.condition(s, cond, sa)
	}
}

func (c *checker) condition(s *policy.Statement, cond *policy.Condition, sa statementActions) {
	op, key, path := cond.Operator, cond.Key, cond.Path
	prefix, rest, ok := strings.Cut(key, ":")
	if !ok || prefix == "" || rest == "" {
		c.add("INVALID_CONDITION_KEY_FORMAT", cond.KeyPos, path, "The condition key %q is not valid; use the format service:keyname", key)
		return
	}
	var ck catalog.ConditionKey
	known := false
	switch {
	case strings.EqualFold(key, "aws:ARN"):
		c.add("DEPRECATED_GLOBAL_CONDITION_KEY", cond.KeyPos, path, "We recommend that you update aws:ARN to use the newer condition keys aws:PrincipalArn or aws:SourceArn")
	case strings.EqualFold(prefix, "aws"):
		if ck, known = c.cat.ConditionKey(key); !known {
			c.add("INVALID_GLOBAL_CONDITION_KEY", cond.KeyPos, path, "The condition key %q does not exist; use a valid global condition key", key)
		}
	default:
		if svc, ok := c.cat.Service(prefix); ok {
			if ck, known = svc.ConditionKey(c.cat, key); !known {
				c.add("INVALID_SERVICE_CONDITION_KEY", cond.KeyPos, path, "The condition key %q does not exist in the service %s", key, svc.Prefix)
			}
		} else if sts, ok := c.cat.Service("sts"); ok {
			// Identity-provider keys (accounts.google.com:aud, saml:sub, ...)
			// belong to STS.
			if ck, known = sts.ConditionKey(c.cat, key); !known {
				c.add("INVALID_SERVICE", cond.KeyPos, path, "The service %q in the condition key %q does not exist%s", prefix, key, c.suggestService(prefix))
			}
		}
	}

	// Values.
	hasVars := false
	for _, v := range cond.Values {
		if len(vars.Variables(v.Text)) > 0 {
			hasVars = true
		}
	}
	if hasVars && !c.p.VariablesEnabled() {
		c.add("VARIABLE_UNSUPPORTED_IN_VERSION", cond.Pos, path, "Policy variables in this condition are literal text under Version %s; use Version 2012-10-17", versionName(c.p))
	}
	if hasVars && c.p.VariablesEnabled() && !op.VarsAllowed {
		c.add("INVALID_VARIABLE_FOR_OPERATOR", cond.Pos, path, "Policy variables can only be used with String, ARN and Bool operators, not %s", op.Base)
	}
	if len(cond.Values) == 0 {
		switch {
		case op.Set == condition.ForAllValues:
			c.add("EMPTY_ARRAY_CONDITION_FORALLVALUES", cond.Pos, path, "ForAllValues with no values for %q matches only when the key is missing from the request; use Null with true to test that", key)
		case op.Set == condition.ForAnyValue:
			c.add("EMPTY_ARRAY_CONDITION_FORANYVALUE", cond.Pos, path, "ForAnyValue with no values for %q never matches; the statement has no effect", key)
		case op.IfExists:
			c.add("EMPTY_ARRAY_CONDITION_IFEXISTS", cond.Pos, path, "IfExists with no values for %q matches only when the key is missing; use Null with true to test that", key)
		default:
			c.add("EMPTY_ARRAY_CONDITION", cond.Pos, path, "There are no values for the condition key %q and it does not affect the policy", key)
		}
	}
	if op.Family == condition.Null && op.Set != condition.SetNone {
		c.add("NULL_WITH_QUALIFIER", cond.OperatorPos, path, "Avoid Null with ForAllValues or ForAnyValue: they make it always true or always false")
	}
	if known {
		multi := strings.HasPrefix(ck.Type, "ArrayOf")
		switch {
		case op.Set == condition.ForAllValues && !multi:
			c.add("FORALLVALUES_WITH_SINGLE_VALUED_KEY", cond.OperatorPos, path, "Using ForAllValues with the single-valued condition key %s can be overly permissive (it is true when the key is missing); remove ForAllValues:", key)
		case op.Set == condition.SetNone && multi && op.Family != condition.Null:
			c.add("MISSING_QUALIFIER", cond.OperatorPos, path, "The request context key %s has multiple values; use the ForAllValues or ForAnyValue qualifier", key)
		}
		if !operatorFits(op.Family, ck.Type) {
			c.add("TYPE_MISMATCH", cond.OperatorPos, path, "Use a %s operator instead of %s for the condition key %s (type %s)", familyFor(ck.Type), op.Base, key, ck.Type)
		}
	}
	c.values(cond)
	c.keySupported(s, cond, sa)
}

func (c *checker) values(cond *policy.Condition) {
	op, key, path := cond.Operator, cond.Key, cond.Path
	switch op.Family {
	case condition.Numeric:
		var nums []float64
		for _, v := range cond.Values {
			n, ok := parseNumber(v.Text)
			if !ok {
				c.add("TYPE_MISMATCH_NUMBER", v.Pos, path, "Add a valid numeric value for %s; %q is not a number", op.Base, v.Text)
				continue
			}
			nums = append(nums, n)
		}
		if len(nums) > 1 && (strings.Contains(op.Base, "LessThan") || strings.Contains(op.Base, "GreaterThan")) {
			c.add("REDUNDANT_CONDITION_VALUE_NUM", cond.Pos, path, "Multiple values in %s are redundant; replace them with the single %s value", op.Base, map[bool]string{true: "greatest", false: "least"}[strings.Contains(op.Base, "LessThan")])
		}
	case condition.Date:
		for _, v := range cond.Values {
			if _, ok := condition.ParseDate(v.Text); !ok {
				c.add("TYPE_MISMATCH_DATE", v.Pos, path, "The date value %q is not valid; use YYYY-MM-DD or another ISO 8601 date-time", v.Text)
			} else if isDigits(strings.TrimSpace(v.Text)) {
				c.add("INVALID_DATE_VALUE", v.Pos, path, "The date %s (epoch seconds) might not resolve as expected; we recommend the YYYY-MM-DD format", v.Text)
			}
		}
	case condition.Bool:
		for _, v := range cond.Values {
			if l := strings.ToLower(v.Text); l != "true" && l != "false" && len(vars.Variables(v.Text)) == 0 {
				c.add("TYPE_MISMATCH_BOOLEAN", v.Pos, path, "Add a valid Boolean value (true or false) for %s; got %q", op.Base, v.Text)
			}
		}
		if len(cond.Values) > 1 {
			c.add("INVALID_CONDITION_MULTIPLE_BOOLEAN", cond.Pos, path, "The condition key %s does not support multiple Boolean values; use a single value", key)
		}
	case condition.IPAddress:
		private, public := 0, 0
		for _, v := range cond.Values {
			p, ok := condition.ParseCIDR(v.Text)
			if !ok {
				c.add("TYPE_MISMATCH_IP_RANGE", v.Pos, path, "The value %q is not an IP address or CIDR range", v.Text)
				continue
			}
			if raw := strings.TrimSpace(v.Text); strings.Contains(raw, "/") {
				if orig, err := netip.ParsePrefix(raw); err == nil && orig.Addr() != p.Addr() {
					c.add("IMPROVE_IP_RANGE", v.Pos, path, "The non-zero bits in %s after the masked bits are ignored; replace it with %s", raw, p)
				}
			}
			if isPrivate(p) {
				private++
			} else {
				public++
			}
		}
		if strings.EqualFold(key, "aws:SourceIp") && private > 0 {
			negated := op.Negated
			switch {
			case public == 0 && !negated:
				c.add("PRIVATE_IP_ADDRESS", cond.Pos, path, "aws:SourceIp works only for public IP address ranges; these values are all private and never match (use aws:VpcSourceIp)")
			case public == 0:
				c.add("PRIVATE_NOT_IP_ADDRESS", cond.Pos, path, "aws:SourceIp works only for public IP address ranges; these private values have no effect (use aws:VpcSourceIp)")
			case !negated:
				c.add("PRIVATE_IP_ADDRESS_SUBSET", cond.Pos, path, "The values for aws:SourceIp mix private and public ranges; the private ones never match (use aws:VpcSourceIp)")
			default:
				c.add("PRIVATE_NOT_IP_ADDRESS_SUBSET", cond.Pos, path, "The values for aws:SourceIp mix private and public ranges; the private ones have no effect (use aws:VpcSourceIp)")
			}
		}
	case condition.ARN:
		for _, v := range cond.Values {
			if !strings.HasPrefix(v.Text, "arn:") || strings.Count(v.Text, ":") < 5 {
				c.add("TYPE_MISMATCH_ARN", v.Pos, path, "%s compares ARNs; %q is not an ARN (arn:partition:service:region:account:resource) and never matches", op.Base, v.Text)
			}
		}
	case condition.String:
		like := op.Base == "StringLike" || op.Base == "StringNotLike"
		for _, v := range cond.Values {
			t := v.Text
			for _, vr := range vars.Variables(t) {
				t = strings.ReplaceAll(t, "${"+vr.Key+"}", "")
			}
			t = strings.NewReplacer("${*}", "", "${?}", "").Replace(t)
			if !like && strings.ContainsAny(t, "*?") {
				c.add("WILDCARD_WITHOUT_LIKE_OPERATOR", v.Pos, path, "The value %q holds a * or ? that %s compares literally; if you meant a wildcard, use %s", v.Text, op.Base, strings.Replace(op.Base, "Equals", "Like", 1))
			}
		}
	}
	if isAccountKey(key) && (op.Family == condition.String) {
		for _, v := range cond.Values {
			t := strings.TrimSpace(v.Text)
			if t == "" || arn.IsAccountID(t) || strings.ContainsAny(t, "*?") || len(vars.Variables(t)) > 0 {
				continue
			}
			c.add("INVALID_ACCOUNT_ID", v.Pos, path, "%q is not a 12-digit account ID, so %s never equals it", v.Text, key)
		}
	}
}

func isAccountKey(key string) bool {
	switch strings.ToLower(key) {
	case "aws:principalaccount", "aws:resourceaccount", "aws:sourceaccount", "kms:calleraccount", "s3:resourceaccount":
		return true
	}
	return false
}

func isPrivate(p netip.Prefix) bool {
	a := p.Addr()
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || (a.Is4() && a.As4()[0] == 100 && a.As4()[1]&0xC0 == 64 && p.Bits() >= 10)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// keySupported reports a service-specific condition key that none of the
// statement's actions (nor their resource types) supports: the condition is
// then never true for an Allow, and the Deny never applies.
func (c *checker) keySupported(s *policy.Statement, cond *policy.Condition, sa statementActions) {
	prefix, _, _ := strings.Cut(cond.Key, ":")
	if strings.EqualFold(prefix, "aws") || sa.known == nil || len(sa.known) == 0 {
		return
	}
	if _, ok := c.cat.Service(prefix); !ok {
		return // identity-provider keys; reported above if unknown
	}
	for _, a := range sa.known {
		for _, k := range a.ConditionKeys {
			if catalog.KeyMatches(k, cond.Key) {
				return
			}
		}
		for _, r := range a.ResourceTypes {
			for _, k := range r.ConditionKeys {
				if catalog.KeyMatches(k, cond.Key) {
					return
				}
			}
			if r.Type != nil {
				for _, k := range r.Type.ConditionKeys {
					if catalog.KeyMatches(k, cond.Key) {
						return
					}
				}
			}
		}
	}
	effect := "this Allow never grants anything"
	if s.Effect == policy.Deny {
		effect = "this Deny never applies"
	}
	if cond.Operator.Negated || cond.Operator.IfExists || cond.Operator.Family == condition.Null || cond.Operator.Set == condition.ForAllValues {
		effect = "the condition ignores it"
	}
	c.add("CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS", cond.KeyPos, cond.Path, "No action of this statement supports the condition key %s, so the request never carries it and %s", cond.Key, effect)
}
