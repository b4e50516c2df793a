package server

import "github.com/iamgate/iamgate/api/sigv4"

//go:generate go run ./regiongen

// globalRegion is the region of IAM and Organizations: their endpoints are
// global and signed for us-east-1 (botocore's data/endpoints.json:
// "partitionEndpoint": "aws-global", credentialScope region us-east-1), and
// aws:RequestedRegion of their calls is us-east-1 (the IAM User Guide, "AWS
// global condition context keys", aws:RequestedRegion).
const globalRegion = "us-east-1"

// endpoint is how the callers of one of iamgate's services sign, and where
// AWS says the call was made.
type endpoint struct {
	// service is the service of the credential scope.
	service string
	// region accepts the regions of the credential scope.
	region func(string) bool
	// global services are in us-east-1, whatever region was signed.
	global bool
}

func isGlobalRegion(r string) bool { return r == globalRegion }

// endpoints are the credential scopes iamgate accepts, by the service the
// request is routed to (its Version, X-Amz-Target or path). IAM and
// Organizations sign for iam and organizations in us-east-1, as on AWS; STS
// for sts in any region of the aws partition with an STS endpoint. The
// decision, pipeline and analysis APIs are iamgate's: they sign as iam (as `curl
// --aws-sigv4 aws:amz:us-east-1:iam` does) in any region of the aws
// partition, since `iamgate pipeline` signs with the configured region,
// and, like IAM, their calls are in us-east-1. Access Analyzer signs for
// access-analyzer in any region of the aws partition with an Access
// Analyzer endpoint, and its calls are in the region signed.
var endpoints = map[string]endpoint{
	"iam":           {service: "iam", region: isGlobalRegion, global: true},
	"organizations": {service: "organizations", region: isGlobalRegion, global: true},
	"sts":           {service: "sts", region: func(r string) bool { return stsRegions[r] }},
	"decision":      {service: "iam", region: func(r string) bool { return awsRegions[r] }, global: true},
	"pipeline":      {service: "iam", region: func(r string) bool { return awsRegions[r] }, global: true},
	"analysis":      {service: "iam", region: func(r string) bool { return awsRegions[r] }, global: true},
	// Access Analyzer is regional: signed for access-analyzer in a region
	// of the aws partition with its endpoint, and called in that region.
	"access-analyzer": {service: "access-analyzer", region: func(r string) bool { return accessAnalyzerRegions[r] }},
}

func (e endpoint) scope() sigv4.Scope { return sigv4.Scope{Service: e.service, Region: e.region} }

// requestedRegion is the region of a call signed for region: aws:RequestedRegion
// and the region of its audit entry.
func (e endpoint) requestedRegion(region string) string {
	if e.global || region == "" {
		return globalRegion
	}
	return region
}
