package analysis

import (
	"sort"

	"github.com/iamgate/iamgate/engine"
)

// resourceType is one value of AccessCheckResourceType, the enum
// CheckNoPublicAccess takes (botocore accessanalyzer service-2.json,
// shapes.AccessCheckResourceType): the services whose actions a policy of
// that type governs, the kind of resource policy the engine evaluates and a
// sample resource ARN preferred as a counterexample's resource.
type resourceType struct {
	services []string
	kind     engine.ResourcePolicyKind
	sample   string
}

var resourceTypes = map[string]resourceType{
	"AWS::DynamoDB::Table":               {[]string{"dynamodb"}, engine.KindGeneric, "arn:aws:dynamodb:us-east-1:999999999999:table/iamgate-table"},
	"AWS::DynamoDB::Stream":              {[]string{"dynamodb"}, engine.KindGeneric, "arn:aws:dynamodb:us-east-1:999999999999:table/iamgate-table/stream/2024-01-01T00:00:00.000"},
	"AWS::EFS::FileSystem":               {[]string{"elasticfilesystem"}, engine.KindGeneric, "arn:aws:elasticfilesystem:us-east-1:999999999999:file-system/fs-0123456789abcdef0"},
	"AWS::OpenSearchService::Domain":     {[]string{"es"}, engine.KindGeneric, "arn:aws:es:us-east-1:999999999999:domain/iamgate-domain"},
	"AWS::Kinesis::Stream":               {[]string{"kinesis"}, engine.KindGeneric, "arn:aws:kinesis:us-east-1:999999999999:stream/iamgate-stream"},
	"AWS::Kinesis::StreamConsumer":       {[]string{"kinesis"}, engine.KindGeneric, "arn:aws:kinesis:us-east-1:999999999999:stream/iamgate-stream/consumer/iamgate-consumer:1700000000"},
	"AWS::KMS::Key":                      {[]string{"kms"}, engine.KindKey, "arn:aws:kms:us-east-1:999999999999:key/00000000-0000-0000-0000-000000000000"},
	"AWS::Lambda::Function":              {[]string{"lambda"}, engine.KindGeneric, "arn:aws:lambda:us-east-1:999999999999:function:iamgate-function"},
	"AWS::S3::Bucket":                    {[]string{"s3"}, engine.KindGeneric, "arn:aws:s3:::iamgate-bucket/iamgate-object"},
	"AWS::S3::AccessPoint":               {[]string{"s3"}, engine.KindGeneric, "arn:aws:s3:us-east-1:999999999999:accesspoint/iamgate-ap/object/iamgate-object"},
	"AWS::S3Express::DirectoryBucket":    {[]string{"s3express"}, engine.KindGeneric, "arn:aws:s3express:us-east-1:999999999999:bucket/iamgate--use1-az4--x-s3"},
	"AWS::S3::Glacier":                   {[]string{"glacier"}, engine.KindGeneric, "arn:aws:glacier:us-east-1:999999999999:vaults/iamgate-vault"},
	"AWS::S3Outposts::Bucket":            {[]string{"s3-outposts"}, engine.KindGeneric, "arn:aws:s3-outposts:us-east-1:999999999999:outpost/op-01234567890123456/bucket/iamgate-bucket"},
	"AWS::S3Outposts::AccessPoint":       {[]string{"s3-outposts"}, engine.KindGeneric, "arn:aws:s3-outposts:us-east-1:999999999999:outpost/op-01234567890123456/accesspoint/iamgate-ap"},
	"AWS::SecretsManager::Secret":        {[]string{"secretsmanager"}, engine.KindGeneric, "arn:aws:secretsmanager:us-east-1:999999999999:secret:iamgate-secret-AbCdEf"},
	"AWS::SNS::Topic":                    {[]string{"sns"}, engine.KindGeneric, "arn:aws:sns:us-east-1:999999999999:iamgate-topic"},
	"AWS::SQS::Queue":                    {[]string{"sqs"}, engine.KindGeneric, "arn:aws:sqs:us-east-1:999999999999:iamgate-queue"},
	"AWS::IAM::AssumeRolePolicyDocument": {[]string{"sts"}, engine.KindTrust, "arn:aws:iam::999999999999:role/iamgate-role"},
	"AWS::S3Tables::TableBucket":         {[]string{"s3tables"}, engine.KindGeneric, "arn:aws:s3tables:us-east-1:999999999999:bucket/iamgate-bucket"},
	"AWS::ApiGateway::RestApi":           {[]string{"execute-api"}, engine.KindGeneric, "arn:aws:execute-api:us-east-1:999999999999:abcdef0123/prod/GET/iamgate"},
	"AWS::CodeArtifact::Domain":          {[]string{"codeartifact"}, engine.KindGeneric, "arn:aws:codeartifact:us-east-1:999999999999:domain/iamgate-domain"},
	"AWS::Backup::BackupVault":           {[]string{"backup"}, engine.KindGeneric, "arn:aws:backup:us-east-1:999999999999:backup-vault:iamgate-vault"},
	"AWS::CloudTrail::Dashboard":         {[]string{"cloudtrail"}, engine.KindGeneric, "arn:aws:cloudtrail:us-east-1:999999999999:dashboard/iamgate-dashboard"},
	"AWS::CloudTrail::EventDataStore":    {[]string{"cloudtrail"}, engine.KindGeneric, "arn:aws:cloudtrail:us-east-1:999999999999:eventdatastore/iamgate-store"},
	"AWS::S3Tables::Table":               {[]string{"s3tables"}, engine.KindGeneric, "arn:aws:s3tables:us-east-1:999999999999:bucket/iamgate-bucket/table/iamgate-table"},
	"AWS::S3Express::AccessPoint":        {[]string{"s3express"}, engine.KindGeneric, "arn:aws:s3express:us-east-1:999999999999:accesspoint/iamgate-ap--use1-az4--xa-s3"},
}

func lookupResourceType(s string) (resourceType, bool) {
	rt, ok := resourceTypes[s]
	return rt, ok
}

// ResourceTypes lists the resource types CheckNoPublicAccess takes, sorted.
func ResourceTypes() []string {
	out := make([]string, 0, len(resourceTypes))
	for k := range resourceTypes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
