package policy

// Issue codes of parse errors and warnings. They are IAM Access Analyzer's
// codes (the IAM User Guide, "IAM Access Analyzer policy check reference";
// the code is the upper-cased anchor of the check), except DUPLICATE_ELEMENT,
// which Access Analyzer has no check for.
const (
	CodeJSONSyntax           = "JSON_SYNTAX_ERROR"
	CodeDataType             = "DATA_TYPE_MISMATCH"
	CodeInvalidVersion       = "INVALID_VERSION"
	CodeMissingStatement     = "MISSING_STATEMENT"
	CodeInvalidElement       = "INVALID_POLICY_ELEMENT"
	CodeMissingEffect        = "MISSING_EFFECT"
	CodeInvalidEffect        = "INVALID_EFFECT"
	CodeElementCombination   = "UNSUPPORTED_ELEMENT_COMBINATION"
	CodeMissingAction        = "MISSING_ACTION"
	CodeInvalidAction        = "INVALID_ACTION"
	CodeInvalidARNPrefix     = "INVALID_ARN_PREFIX"
	CodeMissingARNField      = "MISSING_ARN_FIELD"
	CodePrincipalFormat      = "INVALID_PRINCIPAL_FORMAT"
	CodeWildcardInPrincipal  = "UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
	CodeInvalidOperator      = "INVALID_CONDITION_OPERATOR"
	CodeNullWithIfExists     = "NULL_WITH_IF_EXISTS"
	CodeConditionKeyFormat   = "INVALID_CONDITION_KEY_FORMAT"
	CodeDuplicateKeysCase    = "DUPLICATE_KEYS_WITH_DIFFERENT_CASE"
	CodeDuplicateElement     = "DUPLICATE_ELEMENT"
	CodeEmptyArrayAction     = "EMPTY_ARRAY_ACTION"
	CodeEmptyArrayResource   = "EMPTY_ARRAY_RESOURCE"
	CodeEmptyArrayPrincipal  = "EMPTY_ARRAY_PRINCIPAL"
	CodeEmptyArrayCondition  = "EMPTY_ARRAY_CONDITION"
	CodeEmptyObjectPrincipal = "EMPTY_OBJECT_PRINCIPAL"
	CodeEmptyObjectCondition = "EMPTY_OBJECT_CONDITION"
)
