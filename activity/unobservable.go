package activity

import (
	"strings"

	"github.com/iamgate/iamgate/catalog"
)

// Why an action is unobservable: the logs would not show its use, so it
// is never reported unused.
const (
	// WhyPermissionOnly: iam:PassRole is a permission a service checks
	// when a call passes it a role, not an API operation; CloudTrail
	// records the call that passed the role, never iam:PassRole ("Grant a
	// user permissions to pass a role to an AWS service",
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html;
	// IAM Access Analyzer's policy generation does not see it either,
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html).
	WhyPermissionOnly = "permission only: checked when a call passes a role, not logged as a call"
	// WhyDataEvent: data events (S3 object-level operations, Lambda
	// function invocations, DynamoDB item operations) are logged only by
	// trails configured for them (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html;
	// the DataResource types, https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html).
	WhyDataEvent = "a CloudTrail data event: logged only by trails configured to log data events"
	// WhyNotServed: iamgate's own audit log sees only the calls iamgate
	// serves (IAM, STS, Organizations); with no CloudTrail events the use
	// of other services cannot be seen.
	WhyNotServed = "not served by iamgate, and no CloudTrail events were imported"
)

// permissionOnly are actions that are checked but are not API operations
// of their own, so that no log records them.
var permissionOnly = map[string]bool{
	"iam:passrole": true,
}

// dynamoDBItemActions are DynamoDB's item-level (data plane) operations,
// logged as data events of AWS::DynamoDB::Table.
var dynamoDBItemActions = map[string]bool{
	"getitem": true, "putitem": true, "updateitem": true, "deleteitem": true, "batchgetitem": true, "batchwriteitem": true,
	"query": true, "scan": true, "conditioncheckitem": true, "partiqlselect": true, "partiqlinsert": true, "partiqlupdate": true, "partiqldelete": true,
	"transactgetitems": true, "transactwriteitems": true,
}

// servedServices are the services iamgate's API serves.
var servedServices = map[string]bool{"iam": true, "sts": true, "organizations": true}

// Observability says which actions the logs read could show.
type Observability struct {
	// CloudTrail: CloudTrail events were read (any service can be seen).
	CloudTrail bool
	// DataEvents: the trails log data events, so they can be seen.
	DataEvents bool
}

// Unobservable says why the logs could not show a use of the action ("" when
// they could).
func (o Observability) Unobservable(action string) string {
	l := strings.ToLower(action)
	if permissionOnly[l] {
		return WhyPermissionOnly
	}
	svc, name, _ := strings.Cut(l, ":")
	if !o.CloudTrail && !servedServices[svc] {
		return WhyNotServed
	}
	if !o.DataEvents && isDataEvent(svc, name) {
		return WhyDataEvent
	}
	return ""
}

// isDataEvent: an S3 action on objects (its catalog resource types name
// the object type and not the bucket) or listing a bucket's objects,
// lambda:InvokeFunction, and
// DynamoDB's item operations.
func isDataEvent(svc, name string) bool {
	switch svc {
	case "lambda":
		return name == "invokefunction"
	case "dynamodb":
		return dynamoDBItemActions[name]
	case "s3":
		switch name {
		case "listbucket", "listbucketversions", "listbucketmultipartuploads": // ListObjects, ListObjectVersions, ListMultipartUploads
			return true
		}
		a, ok := catalog.Default().Action("s3:" + name)
		if !ok {
			return strings.Contains(name, "object")
		}
		object := false
		for _, rt := range a.ResourceTypes {
			switch rt.Name {
			case "object":
				object = true
			case "bucket":
				return false
			}
		}
		return object
	}
	return false
}
