package server

// NotServed lists, per botocore model (iam, sts, organizations,
// accessanalyzer), every operation of the model iamgate does not serve,
// with why. TestEveryOperation fails when a model has an operation that is
// neither served nor here, and when one here is served; the README's API
// coverage paragraph points here.
var NotServed = map[string]map[string]string{
	"iam": {},
	"sts": {},
	"organizations": {
		"CreateGovCloudAccount":                      "iamgate's world has only the aws partition",
		"DescribeResponsibilityTransfer":             "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
		"InviteOrganizationToTransferResponsibility": "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
		"ListAccountsWithInvalidEffectivePolicy":     "what makes an effective policy invalid is each type's own validation (the model's example, ELEMENTS_TOO_MANY), which AWS does not document precisely; iamgate merges management policies (DescribeEffectivePolicy) but does not check their grammars, so it cannot tell an invalid one (issue 17)",
		"ListEffectivePolicyValidationErrors":        "what makes an effective policy invalid is each type's own validation (the model's example, ELEMENTS_TOO_MANY), which AWS does not document precisely; iamgate merges management policies (DescribeEffectivePolicy) but does not check their grammars, so it cannot tell an invalid one (issue 17)",
		"ListInboundResponsibilityTransfers":         "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
		"ListOutboundResponsibilityTransfers":        "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
		"TerminateResponsibilityTransfer":            "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
		"UpdateResponsibilityTransfer":               "a responsibility transfer is between the management accounts of two organizations, and iamgate's world has one organization; billing is not modelled either",
	},
	"accessanalyzer": {
		"CancelPolicyGeneration":        "policy generation from CloudTrail is not implemented",
		"CreateAccessPreview":           "access previews (the findings a proposed policy would make) are not implemented: iamgate's analyzers report the current world's findings; CheckNoNewAccess and CheckNoPublicAccess answer the question for one policy",
		"CreateServiceLinkedAnalyzer":   "a service-linked analyzer is one an AWS service creates and manages for itself (the model: managedBy), and iamgate runs no such service",
		"DeleteServiceLinkedAnalyzer":   "a service-linked analyzer is one an AWS service creates and manages for itself (the model: managedBy), and iamgate runs no such service",
		"GenerateFindingRecommendation": "finding recommendations are for unused access findings, whose analyzers iamgate does not serve",
		"GetAccessPreview":              "access previews (the findings a proposed policy would make) are not implemented: iamgate's analyzers report the current world's findings; CheckNoNewAccess and CheckNoPublicAccess answer the question for one policy",
		"GetFindingRecommendation":      "finding recommendations are for unused access findings, whose analyzers iamgate does not serve",
		"GetGeneratedPolicy":            "policy generation from CloudTrail is not implemented",
		"ListAccessPreviewFindings":     "access previews (the findings a proposed policy would make) are not implemented: iamgate's analyzers report the current world's findings; CheckNoNewAccess and CheckNoPublicAccess answer the question for one policy",
		"ListAccessPreviews":            "access previews (the findings a proposed policy would make) are not implemented: iamgate's analyzers report the current world's findings; CheckNoNewAccess and CheckNoPublicAccess answer the question for one policy",
		"ListPolicyGenerations":         "policy generation from CloudTrail is not implemented",
		"StartPolicyGeneration":         "policy generation from CloudTrail is not implemented",
	},
}
