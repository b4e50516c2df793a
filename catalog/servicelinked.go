package catalog

// ServiceLinkedRole is what IAM's CreateServiceLinkedRole makes for one
// service principal: the role's name, whether the service takes a
// CustomSuffix, and the AWS managed policy attached to it (under
// arn:aws:iam::aws:policy/aws-service-role/).
type ServiceLinkedRole struct {
	// Service is the service principal (AWSServiceName), such as
	// autoscaling.amazonaws.com.
	Service string
	// RoleName is the role's name without a suffix.
	RoleName string
	// Policy is the name of the attached AWS managed policy.
	Policy string
	// Suffix reports whether the service takes a CustomSuffix; the role is
	// then named RoleName_suffix. Where false, IAM answers InvalidInput
	// "Custom suffix is not allowed for SERVICE" (quoted for
	// es.amazonaws.com in github.com/pplu/cfn-elasticsearch, README).
	Suffix bool
	// Source is the AWS documentation page the row is taken from.
	Source string
}

// PolicyARN is the ARN of the role's AWS managed policy.
func (r *ServiceLinkedRole) PolicyARN() string {
	return "arn:aws:iam::aws:policy/aws-service-role/" + r.Policy
}

// serviceLinkedRoles is a partial table of the services that have a
// service-linked role, each row from the service's documentation. AWS
// publishes no machine-readable list; a service not here is not known to
// iamgate. Suffix is true only where the documentation says the service
// takes a custom suffix.
var serviceLinkedRoles = []ServiceLinkedRole{
	{Service: "autoscaling.amazonaws.com", RoleName: "AWSServiceRoleForAutoScaling", Policy: "AutoScalingServiceRolePolicy", Suffix: true,
		Source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html"},
	{Service: "custom-resource.application-autoscaling.amazonaws.com", RoleName: "AWSServiceRoleForApplicationAutoScaling_CustomResource", Policy: "AWSApplicationAutoScalingCustomResourcePolicy",
		Source: "https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-custom.html"},
	{Service: "autoscaling-plans.amazonaws.com", RoleName: "AWSServiceRoleForAutoScalingPlans_EC2AutoScaling", Policy: "AWSAutoScalingPlansEC2AutoScalingPolicy",
		Source: "https://docs.aws.amazon.com/autoscaling/plans/userguide/aws-auto-scaling-service-linked-roles.html"},
	{Service: "elasticloadbalancing.amazonaws.com", RoleName: "AWSServiceRoleForElasticLoadBalancing", Policy: "AWSElasticLoadBalancingServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html"},
	{Service: "organizations.amazonaws.com", RoleName: "AWSServiceRoleForOrganizations", Policy: "AWSOrganizationsServiceTrustPolicy",
		Source: "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSOrganizationsServiceTrustPolicy.html"},
	{Service: "support.amazonaws.com", RoleName: "AWSServiceRoleForSupport", Policy: "AWSSupportServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSupportServiceRolePolicy.html"},
	{Service: "supportplans.amazonaws.com", RoleName: "AWSServiceRoleForSupportPlans", Policy: "AWSSupportPlansServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/awssupport/latest/user/using-service-linked-roles-sup-plans.html"},
	{Service: "trustedadvisor.amazonaws.com", RoleName: "AWSServiceRoleForTrustedAdvisor", Policy: "AWSTrustedAdvisorServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/awssupport/latest/user/aws-managed-policies-for-trusted-advisor.html"},
	{Service: "ecs.amazonaws.com", RoleName: "AWSServiceRoleForECS", Policy: "AmazonECSServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html"},
	{Service: "access-analyzer.amazonaws.com", RoleName: "AWSServiceRoleForAccessAnalyzer", Policy: "AccessAnalyzerServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-using-service-linked-roles.html"},
	{Service: "spot.amazonaws.com", RoleName: "AWSServiceRoleForEC2Spot", Policy: "AWSEC2SpotServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-fleet-prerequisites.html#service-linked-roles-spot-instances"},
	{Service: "es.amazonaws.com", RoleName: "AWSServiceRoleForAmazonElasticsearchService", Policy: "AmazonElasticsearchServiceRolePolicy",
		Source: "https://docs.aws.amazon.com/elasticsearch-service/latest/developerguide/slr-es.html"},
}

// ServiceLinkedRoleFor returns the service-linked role of a service
// principal (exact and case-sensitive, as IAM takes AWSServiceName), or
// nil for a service iamgate does not know.
func ServiceLinkedRoleFor(service string) *ServiceLinkedRole {
	for i := range serviceLinkedRoles {
		if serviceLinkedRoles[i].Service == service {
			r := serviceLinkedRoles[i]
			return &r
		}
	}
	return nil
}

// ServiceLinkedRoles lists the known service-linked roles.
func ServiceLinkedRoles() []ServiceLinkedRole {
	return append([]ServiceLinkedRole(nil), serviceLinkedRoles...)
}
