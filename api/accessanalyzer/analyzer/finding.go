package analyzer

import (
	"crypto/sha1" //nolint:gosec // RFC 4122 name-based (version 5) UUIDs are SHA-1 by definition
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/arn"
)

// Finding statuses (botocore accessanalyzer/2019-11-01, FindingStatus).
const (
	StatusActive   = "ACTIVE"
	StatusArchived = "ARCHIVED"
	StatusResolved = "RESOLVED"
)

// Finding is an external access finding as Access Analyzer reports it
// (botocore: Finding, FindingSummary).
type Finding struct {
	ID                   string            `json:"id"`
	Resource             string            `json:"resource"`
	ResourceType         string            `json:"resourceType"`
	ResourceOwnerAccount string            `json:"resourceOwnerAccount"`
	Principal            map[string]string `json:"principal,omitempty"`
	IsPublic             bool              `json:"isPublic,omitempty"`
	Actions              []string          `json:"actions,omitempty"`
	Condition            map[string]string `json:"condition,omitempty"`
	// Error is set for a resource the analysis cannot decide (an
	// analysis finding of Kind unknown): what it cannot decide.
	Error      string    `json:"error,omitempty"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
	AnalyzedAt time.Time `json:"analyzedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// resourceTypes maps a resource's service and kind to the model's
// ResourceType (botocore: ResourceType).
var resourceTypes = map[string]string{
	"s3:bucket":                     "AWS::S3::Bucket",
	"iam:role":                      "AWS::IAM::Role",
	"iam:user":                      "AWS::IAM::User",
	"sqs:queue":                     "AWS::SQS::Queue",
	"lambda:function":               "AWS::Lambda::Function",
	"lambda:layer":                  "AWS::Lambda::LayerVersion",
	"kms:key":                       "AWS::KMS::Key",
	"secretsmanager:secret":         "AWS::SecretsManager::Secret",
	"elasticfilesystem:file-system": "AWS::EFS::FileSystem",
	"ec2:snapshot":                  "AWS::EC2::Snapshot",
	"ecr:repository":                "AWS::ECR::Repository",
	"rds:snapshot":                  "AWS::RDS::DBSnapshot",
	"rds:cluster-snapshot":          "AWS::RDS::DBClusterSnapshot",
	"sns:topic":                     "AWS::SNS::Topic",
	"s3express:bucket":              "AWS::S3Express::DirectoryBucket",
	"dynamodb:table":                "AWS::DynamoDB::Table",
	"dynamodb:stream":               "AWS::DynamoDB::Stream",
}

// ResourceType is the model's ResourceType of a resource ARN; false for
// a resource Access Analyzer has no type for (an S3 access point, an API
// Gateway API, ...), which an analyzer does not report.
func ResourceType(resource string) (string, bool) {
	a, err := arn.Parse(resource)
	if err != nil {
		return "", false
	}
	kind := a.Resource
	if i := strings.IndexAny(kind, ":/"); i >= 0 {
		kind = kind[:i]
	}
	switch a.Service {
	case "s3":
		if strings.Contains(a.Resource, "/") {
			return "", false
		}
		kind = "bucket"
	case "s3express":
		kind = "bucket"
	case "sqs":
		kind = "queue"
	case "sns":
		kind = "topic"
	case "dynamodb":
		if strings.Contains(a.Resource, "/stream/") {
			kind = "stream"
		}
	}
	t, ok := resourceTypes[a.Service+":"+kind]
	return t, ok
}

// accountOf is the account ID in an ARN ("" for none: an S3 bucket).
func accountOf(resource string) string {
	a, err := arn.Parse(resource)
	if err != nil {
		return ""
	}
	return a.AccountID
}

// Principal is the model's principal map of an analysis finding's
// principal: {"AWS": "*"} for anonymous callers and for a principal the
// analysis made up to stand for a class of them (an account the policies
// do not name, any service: what a statement naming anyone grants), an
// account's ID for its root (standing for any principal of the account,
// as AWS reports an account principal), the ARN of a user or role,
// {"Service": ...} for a service principal, {"Federated": ...} for a web
// identity or SAML provider.
func Principal(f *analysis.Finding) map[string]string {
	p := f.Principal
	switch {
	case p == "*" || f.Represents != "":
		return map[string]string{"AWS": "*"}
	case strings.HasPrefix(p, "arn:") && strings.Contains(p, ":oidc-provider/") || strings.Contains(p, ":saml-provider/"):
		return map[string]string{"Federated": p}
	case strings.HasPrefix(p, "arn:") && strings.HasSuffix(p, ":root"):
		return map[string]string{"AWS": accountOf(p)}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	case strings.Contains(p, ".amazonaws.com") || strings.Contains(p, ".amazon.com"):
		return map[string]string{"Service": p}
	case p == "":
		return nil
	}
	return map[string]string{"Federated": p}
}

// equalities are the operators whose one value a condition map holds as
// it is: the key equals that value.
var equalities = map[string]bool{"StringEquals": true, "ArnEquals": true, "Bool": true, "NumericEquals": true, "DateEquals": true, "IpAddress": true}

// Condition is the model's condition map of one conjunction of an
// AllowedIf formula: a key compared by equality with one value maps to
// that value (as AWS reports {"aws:SourceVpce": "vpce-1a2b3c4d"}); any
// other condition on a key (another operator, several values) maps to the
// operator and its values as a JSON array ("StringLike
// [\"arn:aws:iam::*:role/ci-*\"]"), what AWS documents no form for; two
// conditions on one key are joined by " AND ".
func Condition(conj []analysis.Conjunct) map[string]string {
	out := map[string]string{}
	for _, c := range conj {
		var v string
		if equalities[c.Operator] && len(c.Values) == 1 {
			v = c.Values[0]
		} else {
			vs, _ := json.Marshal(c.Values)
			v = c.Operator + " " + string(vs)
		}
		if old, ok := out[c.Key]; ok {
			v = old + " AND " + v
		}
		out[c.Key] = v
	}
	return out
}

// FromAnalysis maps analysis findings to Access Analyzer findings, without
// ID, status or times: one per disjunct of each AllowedIf, resources of no
// ResourceType left out; findings that map alike (anonymous and any
// account, which a statement naming anyone both grants) are one, with the
// union of their actions. owner gives a resource's account when its ARN
// has none (an S3 bucket). Unknown findings have Error set.
func FromAnalysis(fs []*analysis.Finding, owner func(resource string) string) []Finding {
	byKey := map[string]*Finding{}
	var order []string
	add := func(f Finding) {
		k := key(f)
		if g, ok := byKey[k]; ok {
			g.IsPublic = g.IsPublic || f.IsPublic
			return
		}
		byKey[k] = &f
		order = append(order, k)
	}
	for _, af := range fs {
		rt, ok := ResourceType(af.Resource)
		if !ok {
			continue
		}
		own := accountOf(af.Resource)
		if own == "" && owner != nil {
			own = owner(af.Resource)
		}
		base := Finding{Resource: af.Resource, ResourceType: rt, ResourceOwnerAccount: own, Principal: Principal(af)}
		if af.Kind == analysis.FindingUnknown {
			base.Error = "iamgate cannot analyze this resource's access (UNKNOWN): " + af.Construct
			base.Condition = map[string]string{}
			add(base)
			continue
		}
		actions := slices.Clone(af.Actions)
		sort.Strings(actions)
		anonymous := af.Principal == "*"
		for _, conj := range af.AllowedIf {
			f := base
			f.Actions = actions
			f.Condition = Condition(conj)
			f.IsPublic = anonymous && len(conj) == 0
			add(f)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

// key is what makes a finding the same finding in two scans: its
// resource, principal, actions, condition and error.
func key(f Finding) string {
	p, _ := json.Marshal(f.Principal) // maps marshal sorted
	c, _ := json.Marshal(f.Condition)
	return f.Resource + "\x00" + string(p) + "\x00" + strings.Join(f.Actions, ",") + "\x00" + string(c) + "\x00" + f.Error
}

// idNamespace is the namespace of finding IDs (a version 4 UUID drawn
// once for iamgate).
var idNamespace = [16]byte{0x6b, 0x1e, 0x2f, 0x53, 0x0c, 0x7d, 0x4a, 0x61, 0x9e, 0x2b, 0x14, 0x3f, 0x85, 0x6a, 0xd0, 0x27}

// ID is a finding's ID for an analyzer: an RFC 4122 version 5 UUID of the
// analyzer's ARN and the finding's key, so the same finding has the same
// ID in every scan, and two analyzers' findings differ (AWS's finding IDs
// are UUIDs).
func ID(analyzerARN string, f Finding) string {
	h := sha1.New() //nolint:gosec // see the import
	h.Write(idNamespace[:])
	h.Write([]byte(analyzerARN + "\x00" + key(f)))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
