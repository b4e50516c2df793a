package validate

import "strings"

// Rule describes one issue code.
type Rule struct {
	Code  string
	Type  FindingType
	Title string
	// AccessAnalyzer is true for Access Analyzer's own checks; their links
	// point into its policy check reference.
	AccessAnalyzer bool
	Link           string
}

const aaRef = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-"

func aa(t FindingType, code, title string) Rule {
	kind := map[FindingType]string{Error: "error", SecurityWarning: "security-warning", Warning: "general-warning", Suggestion: "suggestion"}[t]
	return Rule{Code: code, Type: t, Title: title, AccessAnalyzer: true,
		Link: aaRef + kind + "-" + strings.ReplaceAll(strings.ToLower(code), "_", "-")}
}

func own(t FindingType, code, title, link string) Rule {
	return Rule{Code: code, Type: t, Title: title, Link: link}
}

const userGuide = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

// Rules lists every issue code validate can report.
var Rules = []Rule{
	// Grammar and syntax (Access Analyzer codes; see package policy).
	aa(Error, "JSON_SYNTAX_ERROR", "JSON syntax error"),
	aa(Error, "DATA_TYPE_MISMATCH", "Data type mismatch"),
	aa(Error, "INVALID_VERSION", "Invalid version"),
	aa(Error, "MISSING_STATEMENT", "Missing statement"),
	aa(Error, "INVALID_POLICY_ELEMENT", "Invalid policy element"),
	aa(Error, "MISSING_EFFECT", "Missing effect"),
	aa(Error, "INVALID_EFFECT", "Invalid effect"),
	aa(Error, "UNSUPPORTED_ELEMENT_COMBINATION", "Unsupported element combination"),
	aa(Error, "MISSING_ACTION", "Missing action"),
	aa(Error, "MISSING_RESOURCE", "Missing resource"),
	aa(Error, "MISSING_PRINCIPAL", "Missing principal"),
	aa(Error, "UNSUPPORTED_PRINCIPAL", "Unsupported principal"),
	aa(Error, "SCP_SYNTAX_ERROR_PRINCIPAL", "SCP syntax error principal"),
	aa(Error, "INVALID_PRINCIPAL_FORMAT", "Invalid principal format"),
	aa(Error, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", "Unsupported wildcard in principal"),
	aa(Error, "INVALID_CONDITION_OPERATOR", "Invalid condition operator"),
	aa(Error, "NULL_WITH_IF_EXISTS", "Null with if exists"),
	aa(Error, "INVALID_CONDITION_KEY_FORMAT", "Invalid condition key format"),
	aa(Error, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", "Duplicate keys with different case"),
	aa(Error, "UNIQUE_SIDS_REQUIRED", "Unique Sids required"),
	aa(Error, "UNSUPPORTED_SID", "Unsupported Sid"),
	aa(Error, "VARIABLE_UNSUPPORTED_IN_VERSION", "Variable unsupported in version"),
	aa(Error, "VARIABLE_UNSUPPORTED_IN_ELEMENT", "Variable unsupported in element"),
	aa(Error, "INVALID_VARIABLE_FOR_OPERATOR", "Invalid variable for operator"),
	aa(Error, "POLICY_SIZE_EXCEEDS_SCP_QUOTA", "Policy size exceeds SCP quota"),
	// Catalog checks.
	aa(Error, "INVALID_ACTION", "Invalid action"),
	aa(Error, "INVALID_SERVICE_IN_ACTION", "Invalid service in action"),
	aa(Error, "INVALID_SERVICE", "Invalid service"),
	aa(Error, "INVALID_GLOBAL_CONDITION_KEY", "Invalid global condition key"),
	aa(Error, "INVALID_SERVICE_CONDITION_KEY", "Invalid service condition key"),
	aa(Error, "MISSING_QUALIFIER", "Missing qualifier"),
	aa(Error, "INVALID_CONDITION_MULTIPLE_BOOLEAN", "Invalid condition multiple Boolean"),
	aa(Error, "INVALID_ARN_PREFIX", "Invalid ARN prefix"),
	aa(Error, "MISSING_ARN_FIELD", "Missing ARN field"),
	aa(Error, "INVALID_ARN_ACCOUNT", "Invalid ARN account"),
	aa(Error, "INVALID_PARTITION", "Invalid partition"),
	aa(Error, "INVALID_ARN_SERVICE_CASE", "Invalid ARN service case"),
	aa(Error, "INVALID_ARN_RESOURCE", "Invalid ARN resource"),
	aa(Error, "ARN_ACCOUNT_NOT_ALLOWED", "ARN account not allowed"),
	aa(Error, "ARN_REGION_NOT_ALLOWED", "ARN Region not allowed"),
	aa(Error, "MISSING_ARN_REGION", "Missing ARN Region"),
	aa(Error, "PRIVATE_IP_ADDRESS", "Private IP address"),
	aa(Error, "PRIVATE_NOT_IP_ADDRESS", "Private NotIpAddress"),
	// Security warnings.
	aa(SecurityWarning, "ALLOW_WITH_NOT_PRINCIPAL", "Allow with NotPrincipal"),
	aa(SecurityWarning, "FORALLVALUES_WITH_SINGLE_VALUED_KEY", "ForAllValues with single valued key"),
	aa(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "Pass role with star in resource"),
	aa(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", "Pass role with star in action and resource"),
	aa(SecurityWarning, "PASS_ROLE_WITH_NOT_RESOURCE", "Pass role with NotResource"),
	aa(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", "Pass role with star in action and NotResource"),
	aa(SecurityWarning, "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", "Pass role with NotAction and NotResource"),
	aa(SecurityWarning, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "Pass role with star in resource and NotAction"),
	own(SecurityWarning, "ALLOW_WITH_NOT_ACTION", "Allow with NotAction", userGuide+"reference_policies_elements_notaction.html"),
	own(SecurityWarning, "ALLOW_WITH_NOT_RESOURCE", "Allow with NotResource", userGuide+"reference_policies_elements_notresource.html"),
	own(SecurityWarning, "STAR_ACTION_AND_RESOURCE", "Every action on every resource", userGuide+"best-practices.html#grant-least-privilege"),
	own(SecurityWarning, "WILDCARD_PRINCIPAL_WITHOUT_CONDITION", "Wildcard principal with no narrowing condition", userGuide+"reference_policies_elements_principal.html#principal-anonymous"),
	own(SecurityWarning, "CROSS_ACCOUNT_TRUST_WITHOUT_EXTERNAL_ID", "Cross-account trust without sts:ExternalId", userGuide+"id_roles_common-scenarios_third-party.html"),
	own(SecurityWarning, "TRUST_ACCOUNT_WITHOUT_CONDITION", "Trust to a whole account with no condition", userGuide+"id_roles_common-scenarios_aws-accounts.html"),
	own(SecurityWarning, "DENY_CONDITION_KEY_MAY_BE_ABSENT", "Deny that stops applying when a key is absent", userGuide+"reference_policies_elements_condition_operators.html#Conditions_IfExists"),
	own(SecurityWarning, "DENY_WITH_FORANYVALUE", "Deny with ForAnyValue that a missing key disables", userGuide+"reference_policies_condition-single-vs-multi-valued-context-keys.html"),
	own(SecurityWarning, "ALLOW_IF_EXISTS_ON_SECURITY_KEY", "Allow with IfExists on a security key", userGuide+"reference_policies_elements_condition_operators.html#Conditions_IfExists"),
	// General warnings.
	aa(Warning, "MISSING_VERSION", "Missing version"),
	aa(Warning, "UNIQUE_SIDS_RECOMMENDED", "Unique Sids recommended"),
	aa(Warning, "TYPE_MISMATCH", "Type mismatch"),
	aa(Warning, "TYPE_MISMATCH_BOOLEAN", "Type mismatch Boolean"),
	aa(Warning, "TYPE_MISMATCH_DATE", "Type mismatch date"),
	aa(Warning, "TYPE_MISMATCH_IP_RANGE", "Type mismatch IP range"),
	aa(Warning, "TYPE_MISMATCH_NUMBER", "Type mismatch number"),
	aa(Warning, "INVALID_DATE_VALUE", "Invalid date value"),
	aa(Warning, "WILDCARD_WITHOUT_LIKE_OPERATOR", "Wildcard without like operator"),
	aa(Warning, "INVALID_ROLE_REFERENCE", "Invalid role reference"),
	aa(Warning, "INVALID_USER_REFERENCE", "Invalid user reference"),
	aa(Warning, "DEPRECATED_GLOBAL_CONDITION_KEY", "Deprecated global condition key"),
	aa(Warning, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", "Policy size exceeds identity policy quota"),
	aa(Warning, "CREATE_SLR_WITH_STAR_IN_RESOURCE", "Create SLR with star in resource"),
	aa(Warning, "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", "Create SLR with star in action and resource"),
	aa(Warning, "CREATE_SLR_WITH_NOT_RESOURCE", "Create SLR with NotResource"),
	aa(Warning, "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", "Create SLR with star in action and NotResource"),
	aa(Warning, "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", "Create SLR with NotAction and NotResource"),
	aa(Warning, "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "Create SLR with star in resource and NotAction"),
	own(Warning, "TYPE_MISMATCH_ARN", "ARN operator with a value that is not an ARN", userGuide+"reference_policies_elements_condition_operators.html#Conditions_ARN"),
	own(Warning, "INVALID_ACCOUNT_ID", "Account ID that is not 12 digits", "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html"),
	own(Warning, "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS", "Condition key that no action of the statement supports", "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"),
	own(Warning, "RESOURCE_NOT_SUPPORTED_BY_ACTIONS", "Resource that fits no resource type of the statement's actions", "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"),
	own(Warning, "DUPLICATE_ELEMENT", "Duplicate JSON key", userGuide+"reference_policies_grammar.html"),
	// Suggestions.
	aa(Suggestion, "EMPTY_ARRAY_ACTION", "Empty array action"),
	aa(Suggestion, "EMPTY_ARRAY_RESOURCE", "Empty array resource"),
	aa(Suggestion, "EMPTY_ARRAY_PRINCIPAL", "Empty array principal"),
	aa(Suggestion, "EMPTY_ARRAY_CONDITION", "Empty array condition"),
	aa(Suggestion, "EMPTY_ARRAY_CONDITION_FORALLVALUES", "Empty array condition ForAllValues"),
	aa(Suggestion, "EMPTY_ARRAY_CONDITION_FORANYVALUE", "Empty array condition ForAnyValue"),
	aa(Suggestion, "EMPTY_ARRAY_CONDITION_IFEXISTS", "Empty array condition IfExists"),
	aa(Suggestion, "EMPTY_OBJECT_PRINCIPAL", "Empty object principal"),
	aa(Suggestion, "EMPTY_OBJECT_CONDITION", "Empty object condition"),
	aa(Suggestion, "EMPTY_SID_VALUE", "Empty Sid value"),
	aa(Suggestion, "IMPROVE_IP_RANGE", "Improve IP range"),
	aa(Suggestion, "NULL_WITH_QUALIFIER", "Null with qualifier"),
	aa(Suggestion, "PRIVATE_IP_ADDRESS_SUBSET", "Private IP address subset"),
	aa(Suggestion, "PRIVATE_NOT_IP_ADDRESS_SUBSET", "Private NotIpAddress subset"),
	aa(Suggestion, "REDUNDANT_ACTION", "Redundant action"),
	aa(Suggestion, "REDUNDANT_CONDITION_VALUE_NUM", "Redundant condition value num"),
	aa(Suggestion, "REDUNDANT_RESOURCE", "Redundant resource"),
	aa(Suggestion, "REDUNDANT_STATEMENT", "Redundant statement"),
	aa(Suggestion, "WILDCARD_IN_SERVICE_NAME", "Wildcard in service name"),
	own(Suggestion, "MISSING_SECURE_TRANSPORT_DENY", "Bucket policy without a deny for aws:SecureTransport false", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit"),
}

var ruleByCode = func() map[string]Rule {
	m := make(map[string]Rule, len(Rules))
	for _, r := range Rules {
		if _, dup := m[r.Code]; dup {
			panic("validate: duplicate rule " + r.Code)
		}
		m[r.Code] = r
	}
	return m
}()

// RuleFor returns the rule for a code.
func RuleFor(code string) (Rule, bool) {
	r, ok := ruleByCode[code]
	return r, ok
}
