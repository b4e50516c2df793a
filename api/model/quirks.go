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

// selfChecked are shapes (service.shape) whose pattern AWS does not answer
// with the model's words but with the service's own, after the model's
// other constraints: the service checks it (for IAM, api/iam.Validate),
// and Validate leaves it to the service.
//   - IAM's entity names ([\w+=,.@-]+): "The specified value for
//     policyName is invalid. It must contain only alphanumeric characters
//     and/or the following: +=,.@_-", the real IAM's answer quoted in
//     github.com/aws-cloudformation/cfn-lint/issues/996 (and for roleName
//     in hashicorp/terraform-provider-aws#3087), while a name too long is
//     the model's "Member must have length less than or equal to 64"
//     (faizanbashir/python-ses-dynamodb-contactform#4).
//   - IAM's paths: "The specified value for path is invalid. It must begin
//     and end with / and contain only alphanumeric characters and/or /
//     characters.", as moto's IAM tests have IAM answer a path "test".
var selfChecked = map[string]bool{
	"iam.existingUserNameType":      true,
	"iam.groupNameType":             true,
	"iam.instanceProfileNameType":   true,
	"iam.policyNameType":            true,
	"iam.roleNameType":              true,
	"iam.serverCertificateNameType": true,
	"iam.userNameType":              true,
	"iam.virtualMFADeviceName":      true,
	"iam.pathType":                  true,
}

// SelfChecked reports a shape whose pattern the service checks itself
// (see selfChecked).
func (s *Service) SelfChecked(shape string) bool { return selfChecked[s.Name+"."+shape] }
