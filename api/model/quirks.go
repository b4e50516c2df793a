package model

// hiddenValues are shapes (service.shape) whose values AWS leaves out of
// its messages although the model does not mark them sensitive, as it
// leaves out sensitive ones ("Value at 'x' failed to satisfy
// constraint"):
//   - iam.roleDescriptionType: the real IAM answers a role description
//     outside its pattern with "ValidationError: Value at 'description'
//     failed to satisfy constraint: Member must satisfy regular expression
//     pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*", without
//     the value (CreateRole with an em dash or Japanese text, reported by
//     several users in their notes of real deployments).
//   - iam.policyDocumentType and sts.sessionPolicyDocumentType: policy
//     documents, up to 131,072 characters, which iamgate has always left
//     out of its messages ("Value at 'policy' failed to satisfy
//     constraint: Member must have length less than or equal to 2048");
//     no public real answer shows either way.
var hiddenValues = map[string]bool{
	"iam.roleDescriptionType":       true,
	"iam.policyDocumentType":        true,
	"sts.sessionPolicyDocumentType": true,
}
