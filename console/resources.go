package console

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/arn"
)

// resourceRead is the action that reads a resource's policy, by resource
// type, as its service's API authorizes it: S3 GetBucketPolicy
// (s3:GetBucketPolicy), KMS GetKeyPolicy (kms:GetKeyPolicy), SQS
// GetQueueAttributes (the Policy attribute; sqs:GetQueueAttributes), SNS
// GetTopicAttributes (sns:GetTopicAttributes), Lambda GetPolicy
// (lambda:GetPolicy), Secrets Manager GetResourcePolicy
// (secretsmanager:GetResourcePolicy), ECR GetRepositoryPolicy
// (ecr:GetRepositoryPolicy). A type not listed is read as
// SERVICE:GetResourcePolicy, the name several services give it (iamgate's
// choice, in the README).
var resourceRead = map[string]struct{ op, action string }{
	"s3-bucket":             {"GetBucketPolicy", "s3:GetBucketPolicy"},
	"kms-key":               {"GetKeyPolicy", "kms:GetKeyPolicy"},
	"sqs-queue":             {"GetQueueAttributes", "sqs:GetQueueAttributes"},
	"sns-topic":             {"GetTopicAttributes", "sns:GetTopicAttributes"},
	"lambda-function":       {"GetPolicy", "lambda:GetPolicy"},
	"secretsmanager-secret": {"GetResourcePolicy", "secretsmanager:GetResourcePolicy"},
	"ecr-repository":        {"GetRepositoryPolicy", "ecr:GetRepositoryPolicy"},
}

// readAction is the operation and action that read a resource's policy.
func readAction(resourceARN, kind string) (service, op, action string) {
	a, err := arn.Parse(resourceARN)
	if err == nil {
		service = a.Service
	}
	if r, ok := resourceRead[kind]; ok {
		return service, r.op, r.action
	}
	return service, "GetResourcePolicy", service + ":GetResourcePolicy"
}

type resourceRow struct {
	ARN, Type, Action string
	Document          string
	AWSManaged        bool
}

type resourceListing struct {
	Rows []resourceRow
	// More: the account holds more resources than the page considers.
	More bool
}

// resourcesConsidered caps the resources the account page decides,
// in ARN order (each is one authorization and one audit log entry).
const resourcesConsidered = 100

// resources lists the account's resources (S3 buckets, KMS keys, ...)
// with their resource policies, each authorized as the read of its policy
// (readAction) on its ARN as the signed-in user; those the user may not
// read are left out, as the user's own calls would fail.
func (c *Console) resources(v *view) resourceListing {
	var out resourceListing
	acct := c.cfg.State.World().Accounts.Get(v.a.caller.Account.ID)
	if acct == nil {
		return out
	}
	arns := slices.Sorted(acct.Resources.Keys())
	if len(arns) > resourcesConsidered {
		arns, out.More = arns[:resourcesConsidered], true
	}
	for _, a := range arns {
		r := acct.Resources.Get(a)
		if r == nil || strings.HasPrefix(r.Type, "s3-object") {
			continue
		}
		service, op, action := readAction(r.ARN, r.Type)
		if f := c.authorizeRead(v, service, op, action, r.ARN); f != nil {
			continue
		}
		row := resourceRow{ARN: r.ARN, Type: r.Type, Action: action, AWSManaged: r.AWSManaged}
		if r.Policy != nil {
			row.Document = indentJSON(string(r.Policy.JSON))
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
