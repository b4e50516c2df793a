package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/iamgate/iamgate/store/sqlite"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/server"
)

// The Access Analyzer model of the botocore installed (the spec of the
// wire format).
const aaModel = "accessanalyzer/2019-11-01"

// aaReply is an Access Analyzer answer: its status, error type header and
// JSON body.
type aaReply struct {
	status    int
	errorType string
	body      map[string]any
	raw       []byte
}

// aaCall posts body to path (with its query string), signed by
// aws-sdk-go-v2's SigV4 signer for access-analyzer in region.
func (e *env) aaCall(t *testing.T, c aws.Credentials, region, path, body string) aaReply {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), "access-analyzer", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return sendAA(t, r)
}

func sendAA(t *testing.T, r *http.Request) aaReply {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	rep := aaReply{status: res.StatusCode, errorType: res.Header.Get("x-amzn-ErrorType"), raw: out}
	if err := json.Unmarshal(out, &rep.body); err != nil {
		t.Fatalf("%d: not a JSON object: %s", res.StatusCode, out)
	}
	if res.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("no x-amzn-RequestId")
	}
	// Every answer of an operation of the model, checked strictly
	// (responses_json_model_test.go).
	for _, o := range apimodel.AccessAnalyzer.Operations {
		if o.Method == r.Method && o.Path == r.URL.Path {
			ms := checkJSONErrorStrict(apimodel.AccessAnalyzer, o.Name, res.StatusCode, res.Header, out)
			if res.StatusCode == 200 {
				ms = checkJSONStrict(apimodel.AccessAnalyzer, o.Name, out)
			}
			for _, m := range ms {
				t.Errorf("%s (%d): %s", o.Name, res.StatusCode, m)
			}
		}
	}
	return rep
}

// errorLine is "STATUS TYPE message" of an error reply.
func (r aaReply) errorLine(t *testing.T) string {
	t.Helper()
	if r.status == 200 {
		t.Fatalf("want an error, got 200: %s", r.raw)
	}
	msg, _ := r.body["message"].(string)
	text, _ := splitDenied(msg)
	return strings.TrimSpace(http.StatusText(r.status) + " " + r.errorType + " " + text)
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "accessanalyzer", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func aaJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// aaUsers creates users of the administrator's account with the given
// identity policies (none for an empty one) and returns their keys.
func aaUsers(t *testing.T, e *env, users map[string]string) map[string]aws.Credentials {
	t.Helper()
	ctx := context.Background()
	c := e.iam(e.admin)
	keys := map[string]aws.Credentials{}
	for name, pol := range users {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
		if pol != "" {
			must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}))
		}
		k, err := e.srv.Keys().CreateAccessKey(ctx, "123456789012", name)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	}
	return keys
}

func allow(actions ...string) string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}}})
	return string(b)
}

// ValidatePolicy on the document of the aws CLI's own example
// (awscli/examples/accessanalyzer/validate-policy.rst, the Cognito trust
// policy): the EMPTY_SID_VALUE finding has AWS's path and span there, to
// the character: Statement/0/Sid, line 5 column 19 offset 79 to column 21
// offset 81 (line from 1, column and offset from 0: botocore's Position).
func TestAccessAnalyzerValidatePolicyAsAWSLocatesFindings(t *testing.T) {
	e := newEnv(t)
	doc := readTestdata(t, "cognito-trust.json")
	rep := e.aaCall(t, e.admin, "us-east-1", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": doc, "policyType": "RESOURCE_POLICY"}))
	if rep.status != 200 {
		t.Fatalf("%d %s", rep.status, rep.raw)
	}
	checkJSONResponse(t, aaModel, "ValidatePolicy", rep.raw)
	var out struct {
		Findings []struct {
			FindingType, IssueCode, FindingDetails, LearnMoreLink string
			Locations                                             []struct {
				Path []map[string]any
				Span struct {
					Start, End struct{ Line, Column, Offset int }
				}
			}
		}
		NextToken *string
	}
	if err := json.Unmarshal(rep.raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.NextToken != nil {
		t.Errorf("one page expected, got a nextToken")
	}
	found := false
	for _, f := range out.Findings {
		if f.IssueCode != "EMPTY_SID_VALUE" {
			continue
		}
		found = true
		if f.FindingType != "SUGGESTION" || f.LearnMoreLink != "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-suggestion-empty-sid-value" {
			t.Errorf("finding: %+v", f)
		}
		l := f.Locations[0]
		path, _ := json.Marshal(l.Path)
		if string(path) != `[{"value":"Statement"},{"index":0},{"value":"Sid"}]` {
			t.Errorf("path %s", path)
		}
		s := l.Span
		if s.Start.Line != 5 || s.Start.Column != 19 || s.Start.Offset != 79 || s.End.Line != 5 || s.End.Column != 21 || s.End.Offset != 81 {
			t.Errorf("span %+v", s)
		}
	}
	if !found {
		t.Fatalf("no EMPTY_SID_VALUE in %s", rep.raw)
	}
}

// A path through a condition key holding dots is one element, as in AWS's
// example (Statement/0/Condition/StringEquals/
// cognito-identity.amazonaws.com:aud), and the span is that key's value; of
// a key given twice, the one the finding is about (the second, which the
// policy uses).
func TestAccessAnalyzerValidatePolicyPathThroughDottedKey(t *testing.T) {
	e := newEnv(t)
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"a","cognito-identity.amazonaws.com:aud":"bb"}}}}`
	rep := e.aaCall(t, e.admin, "us-east-1", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": doc, "policyType": "IDENTITY_POLICY"}))
	if rep.status != 200 {
		t.Fatalf("%d %s", rep.status, rep.raw)
	}
	checkJSONResponse(t, aaModel, "ValidatePolicy", rep.raw)
	value := strings.LastIndex(doc, `"bb"`)
	line2 := strings.IndexByte(doc, '\n') + 1
	want := fmt.Sprintf(`{"path":[{"value":"Statement"},{"value":"Condition"},{"value":"StringEquals"},{"value":"cognito-identity.amazonaws.com:aud"}],`+
		`"span":{"start":{"line":2,"column":%d,"offset":%d},"end":{"line":2,"column":%d,"offset":%d}}}`, value-line2, value, value-line2+4, value+4)
	if !strings.Contains(string(rep.raw), `"issueCode":"DUPLICATE_ELEMENT"`) || !strings.Contains(string(rep.raw), want) {
		t.Fatalf("want the location %s in\n%s", want, rep.raw)
	}
}

// ValidatePolicy pages with maxResults and nextToken (the query string of
// the botocore model); a token is good only for the request it came from.
func TestAccessAnalyzerValidatePolicyPages(t *testing.T) {
	e := newEnv(t)
	doc := `{"Statement":[{"Sid":"","Effect":"Allow","Action":["iam:PassRole","s3:GetObjects"],"Resource":"*"}]}`
	body := aaJSON(t, map[string]string{"policyDocument": doc, "policyType": "IDENTITY_POLICY"})
	all := e.aaCall(t, e.admin, "us-east-1", "/policy/validation", body)
	want := all.body["findings"].([]any)
	if len(want) < 3 {
		t.Fatalf("want several findings: %s", all.raw)
	}
	var got []any
	path := "/policy/validation?maxResults=1"
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatal("too many pages")
		}
		rep := e.aaCall(t, e.admin, "us-east-1", path, body)
		if rep.status != 200 {
			t.Fatalf("%d %s", rep.status, rep.raw)
		}
		checkJSONResponse(t, aaModel, "ValidatePolicy", rep.raw)
		page := rep.body["findings"].([]any)
		if len(page) != 1 {
			t.Fatalf("page of %d", len(page))
		}
		got = append(got, page...)
		tok, ok := rep.body["nextToken"].(string)
		if !ok {
			break
		}
		// Another request's token is refused.
		other := aaJSON(t, map[string]string{"policyDocument": doc, "policyType": "SERVICE_CONTROL_POLICY"})
		if line := e.aaCall(t, e.admin, "us-east-1", "/policy/validation?nextToken="+tok, other).errorLine(t); line != "Bad Request ValidationException The nextToken is not one this request returned." {
			t.Fatalf("foreign token: %s", line)
		}
		path = "/policy/validation?maxResults=1&nextToken=" + tok
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pages differ from the whole:\n%v\n%v", got, want)
	}
}

// Malformed input gets ValidationException (400) with the reason and
// fields of the botocore model (ValidationException: message, reason in
// ValidationExceptionReason, fieldList of ValidationExceptionField), and
// the words of AWS's request validation for the constraints of the model
// (required members, the enums PolicyType, AccessCheckPolicyType,
// ValidatePolicyResourceType, Locale, AccessCheckResourceType; list and
// string lengths; "1 validation error detected: Value 'x' at 'f' failed to
// satisfy constraint: ...", real AWS output quoted in query.Validation). The
// messages of reasons cannotParse, other and unknownOperation are
// iamgate's: AWS documents none.
func TestAccessAnalyzerValidationExceptions(t *testing.T) {
	e := newEnv(t)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	many := make([]string, 101)
	for i := range many {
		many[i] = "s3:GetObject"
	}
	type field = map[string]any
	for _, c := range []struct {
		name, path, body, message, reason string
		fields                            []field
	}{
		{"no members", "/policy/validation", `{}`,
			"2 validation errors detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null; Value null at 'policyType' failed to satisfy constraint: Member must not be null",
			"fieldValidationFailed", []field{{"name": "policyDocument", "message": "Member must not be null"}, {"name": "policyType", "message": "Member must not be null"}}},
		{"an empty body", "/policy/check-no-public-access", ``,
			"2 validation errors detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null; Value null at 'resourceType' failed to satisfy constraint: Member must not be null",
			"fieldValidationFailed", []field{{"name": "policyDocument", "message": "Member must not be null"}, {"name": "resourceType", "message": "Member must not be null"}}},
		{"names are exact", "/policy/validation", aaJSON(t, map[string]string{"PolicyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			"1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null",
			"fieldValidationFailed", []field{{"name": "policyDocument", "message": "Member must not be null"}}},
		{"an unknown policyType", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "BOUNDARY_POLICY"}),
			"1 validation error detected: Value 'BOUNDARY_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]",
			"fieldValidationFailed", []field{{"name": "policyType", "message": "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]"}}},
		{"policyType in another case", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "identity_policy"}),
			"1 validation error detected: Value 'identity_policy' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]",
			"fieldValidationFailed", []field{{"name": "policyType", "message": "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]"}}},
		{"an unknown resource type", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "RESOURCE_POLICY", "validatePolicyResourceType": "AWS::KMS::Key"}),
			"1 validation error detected: Value 'AWS::KMS::Key' at 'validatePolicyResourceType' failed to satisfy constraint: Member must satisfy enum value set: [AWS::S3::Bucket, AWS::S3::AccessPoint, AWS::S3::MultiRegionAccessPoint, AWS::S3ObjectLambda::AccessPoint, AWS::IAM::AssumeRolePolicyDocument, AWS::DynamoDB::Table]",
			"fieldValidationFailed", []field{{"name": "validatePolicyResourceType", "message": "Member must satisfy enum value set: [AWS::S3::Bucket, AWS::S3::AccessPoint, AWS::S3::MultiRegionAccessPoint, AWS::S3ObjectLambda::AccessPoint, AWS::IAM::AssumeRolePolicyDocument, AWS::DynamoDB::Table]"}}},
		{"a resource type for an identity policy", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY", "validatePolicyResourceType": "AWS::S3::Bucket"}),
			"validatePolicyResourceType can be given only with the policyType RESOURCE_POLICY.", "other", nil},
		{"an unknown locale", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY", "locale": "en"}),
			"1 validation error detected: Value 'en' at 'locale' failed to satisfy constraint: Member must satisfy enum value set: [DE, EN, ES, FR, IT, JA, KO, PT_BR, ZH_CN, ZH_TW]",
			"fieldValidationFailed", []field{{"name": "locale", "message": "Member must satisfy enum value set: [DE, EN, ES, FR, IT, JA, KO, PT_BR, ZH_CN, ZH_TW]"}}},
		{"maxResults 0", "/policy/validation?maxResults=0", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			"1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"fieldValidationFailed", []field{{"name": "maxResults", "message": "Member must have value greater than or equal to 1"}}},
		{"maxResults not a number", "/policy/validation?maxResults=ten", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			`maxResults must be one integer, not "ten".`, "cannotParse", nil},
		{"a token never issued", "/policy/validation?nextToken=abc", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			"The nextToken is not one this request returned.", "other", nil},
		{"policyDocument not a string", "/policy/validation", `{"policyDocument":{"Version":"2012-10-17"},"policyType":"IDENTITY_POLICY"}`,
			"The member policyDocument must be a string.", "cannotParse", nil},
		{"not JSON", "/policy/validation", `policyDocument=x`, "The request body must be a JSON object.", "cannotParse", nil},
		{"a member twice", "/policy/validation", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY","policyType":"SERVICE_CONTROL_POLICY"}`,
			`The member "policyType" is given twice.`, "cannotParse", nil},
		{"two values", "/policy/validation", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY"}{}`, "The request body holds more than one JSON value.", "cannotParse", nil},
		{"invalid UTF-8", "/policy/validation", "{\"policyDocument\":\"\xff\",\"policyType\":\"IDENTITY_POLICY\"}", "The request body is not valid UTF-8 text.", "cannotParse", nil},
		{"a lone surrogate", "/policy/validation", `{"policyDocument":"\ud800","policyType":"IDENTITY_POLICY"}`, "The request body is not valid UTF-8 text.", "cannotParse", nil},
		// CheckNoNewAccess's policyType is AccessCheckPolicyType: SCPs and
		// RCPs are not in it.
		{"CheckNoNewAccess of SCPs", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "SERVICE_CONTROL_POLICY"}),
			"1 validation error detected: Value 'SERVICE_CONTROL_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]",
			"fieldValidationFailed", []field{{"name": "policyType", "message": "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]"}}},
		{"CheckNoNewAccess of RCPs", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "RESOURCE_CONTROL_POLICY"}),
			"1 validation error detected: Value 'RESOURCE_CONTROL_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]",
			"fieldValidationFailed", []field{{"name": "policyType", "message": "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]"}}},
		{"CheckNoNewAccess without the existing policy", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			"1 validation error detected: Value null at 'existingPolicyDocument' failed to satisfy constraint: Member must not be null",
			"fieldValidationFailed", []field{{"name": "existingPolicyDocument", "message": "Member must not be null"}}},
		{"CheckAccessNotGranted without access", "/policy/check-access-not-granted", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			"1 validation error detected: Value null at 'access' failed to satisfy constraint: Member must not be null",
			"fieldValidationFailed", []field{{"name": "access", "message": "Member must not be null"}}},
		{"CheckAccessNotGranted with two accesses", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY",
			"access": []any{map[string]any{"actions": []string{"s3:GetObject"}}, map[string]any{"actions": []string{"s3:PutObject"}}}}),
			"1 validation error detected: Value at 'access' failed to satisfy constraint: Member must have length less than or equal to 1",
			"fieldValidationFailed", []field{{"name": "access", "message": "Member must have length less than or equal to 1"}}},
		{"CheckAccessNotGranted with 101 actions", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "RESOURCE_POLICY",
			"access": []any{map[string]any{"actions": many}}}),
			"1 validation error detected: Value at 'access.1.member.actions' failed to satisfy constraint: Member must have length less than or equal to 100",
			"fieldValidationFailed", []field{{"name": "access.1.member.actions", "message": "Member must have length less than or equal to 100"}}},
		{"CheckAccessNotGranted with a long resource", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY",
			"access": []any{map[string]any{"resources": []string{"arn:aws:s3:::" + strings.Repeat("b", 2036)}}}}),
			"1 validation error detected: Value 'arn:aws:s3:::" + strings.Repeat("b", 2036) + "' at 'access.1.member.resources.1.member' failed to satisfy constraint: Member must have length less than or equal to 2048",
			"fieldValidationFailed", []field{{"name": "access.1.member.resources.1.member", "message": "Member must have length less than or equal to 2048"}}},
		{"CheckAccessNotGranted with nothing to check", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY",
			"access": []any{map[string]any{}}}),
			"access must name at least one action or one resource.", "other", nil},
		{"CheckNoPublicAccess of an unknown resource type", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": pol, "resourceType": "AWS::EC2::Instance"}),
			"1 validation error detected: Value 'AWS::EC2::Instance' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [" +
				"AWS::DynamoDB::Table, AWS::DynamoDB::Stream, AWS::EFS::FileSystem, AWS::OpenSearchService::Domain, AWS::Kinesis::Stream, AWS::Kinesis::StreamConsumer, AWS::KMS::Key, AWS::Lambda::Function, AWS::S3::Bucket, AWS::S3::AccessPoint, AWS::S3Express::DirectoryBucket, AWS::S3::Glacier, AWS::S3Outposts::Bucket, AWS::S3Outposts::AccessPoint, AWS::SecretsManager::Secret, AWS::SNS::Topic, AWS::SQS::Queue, AWS::IAM::AssumeRolePolicyDocument, AWS::S3Tables::TableBucket, AWS::ApiGateway::RestApi, AWS::CodeArtifact::Domain, AWS::Backup::BackupVault, AWS::CloudTrail::Dashboard, AWS::CloudTrail::EventDataStore, AWS::S3Tables::Table, AWS::S3Express::AccessPoint]",
			"fieldValidationFailed", nil},
		{"a policy larger than AWS stores", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": `{"Statement":[],"Id":"` + strings.Repeat("é", 32768) + `"}`, "resourceType": "AWS::S3::Bucket"}),
			"policyDocument has 32792 characters; iamgate checks policies of at most 32768 (a KMS key policy's maximum, the largest of AWS's policies).", "other", nil},
		{"an unknown operation", "/policy/check-everything", `{}`,
			"No operation POST /policy/check-everything in the Access Analyzer API served here (the policy checks ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess; analyzers, their findings, archive rules, analyzed resources and tags).", "unknownOperation", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := e.aaCall(t, e.admin, "us-east-1", c.path, c.body)
			if rep.status != 400 || rep.errorType != "ValidationException" {
				t.Fatalf("%d %s: %s", rep.status, rep.errorType, rep.raw)
			}
			if rep.body["message"] != c.message {
				t.Errorf("message\n got %q\nwant %q", rep.body["message"], c.message)
			}
			if rep.body["reason"] != c.reason {
				t.Errorf("reason %q, want %q", rep.body["reason"], c.reason)
			}
			if c.fields != nil {
				got, _ := json.Marshal(rep.body["fieldList"])
				want, _ := json.Marshal(c.fields)
				if string(got) != string(want) {
					t.Errorf("fieldList\n got %s\nwant %s", got, want)
				}
			}
		})
	}
}

// A policy document that is not a policy is InvalidParameterException for
// the Check operations (in each one's model), naming where it is wrong.
func TestAccessAnalyzerCheckOfABrokenPolicy(t *testing.T) {
	e := newEnv(t)
	rep := e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": `{"Statement":[{"Effect":"Maybe"}]}`, "resourceType": "AWS::S3::Bucket"}))
	if line := rep.errorLine(t); !strings.HasPrefix(line, "Bad Request InvalidParameterException policyDocument is not a valid policy: 1:") {
		t.Fatalf("%s", line)
	}
}

// Authentication comes first, with the answers of a REST-JSON endpoint:
// unsigned is MissingAuthenticationTokenException; a scope of another
// service or of a region without Access Analyzer, and a body other than
// the one signed, are InvalidSignatureException (403; "Credential should
// be scoped to correct service: '...'. ", disneystreaming/smithy4s#1568,
// aws/aws-sdk-go#1850); an unknown key is UnrecognizedClientException (real
// Access Analyzer output in prowler-cloud/prowler#2713). Each is answered
// before anything of the request is looked at.
func TestAccessAnalyzerSignatureRefusals(t *testing.T) {
	e := newEnv(t)
	body := aaJSON(t, map[string]string{"policyDocument": allow("s3:GetObject"), "policyType": "IDENTITY_POLICY"})
	url := e.ts.URL + "/policy/validation"
	req := func(b string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	sign := func(r *http.Request, b, service, region string, c aws.Credentials) *http.Request {
		sum := sha256.Sum256([]byte(b))
		if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, c := range []struct {
		name string
		r    *http.Request
		want string
	}{
		{"unsigned", req(body), "Forbidden MissingAuthenticationTokenException Missing Authentication Token"},
		{"signed for iam", sign(req(body), body, "iam", "us-east-1", e.admin),
			"Forbidden InvalidSignatureException Credential should be scoped to correct service: 'access-analyzer'."},
		{"signed for organizations", sign(req(body), body, "organizations", "us-east-1", e.admin),
			"Forbidden InvalidSignatureException Credential should be scoped to correct service: 'access-analyzer'."},
		{"a region that is none", sign(req(body), body, "access-analyzer", "mars-1", e.admin),
			"Forbidden InvalidSignatureException Credential should be scoped to a valid region, not 'mars-1'."},
		{"another body than signed", sign(req(strings.Replace(body, "IDENTITY_POLICY", "RESOURCE_POLICY", 1)), body, "access-analyzer", "us-east-1", e.admin),
			"Forbidden InvalidSignatureException"},
		{"an unknown key", sign(req(body), body, "access-analyzer", "us-east-1", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}),
			"Forbidden UnrecognizedClientException The security token included in the request is invalid"},
		{"a wrong secret", sign(req(body), body, "access-analyzer", "us-east-1", aws.Credentials{AccessKeyID: e.admin.AccessKeyID, SecretAccessKey: "x"}),
			"Forbidden InvalidSignatureException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if line := sendAA(t, c.r).errorLine(t); !strings.HasPrefix(line, c.want) {
				t.Fatalf("got  %s\nwant %s", line, c.want)
			}
		})
	}
	// An IAM call signed for access-analyzer is not IAM's: Access Analyzer
	// answers it, and it does not know it.
	form := "Action=ListUsers&Version=2010-05-08"
	r, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(r, form, "access-analyzer", "us-east-1", e.admin)
	if rep := sendAA(t, r); rep.status != 400 || rep.body["reason"] != "unknownOperation" {
		t.Fatalf("IAM call signed for access-analyzer: %d %s", rep.status, rep.raw)
	}
	// The payload hash header, when sent, must be the body's.
	r = req(body)
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, "UNSIGNED-PAYLOAD", "access-analyzer", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if line := sendAA(t, r).errorLine(t); !strings.HasPrefix(line, "Forbidden InvalidSignatureException") {
		t.Fatalf("UNSIGNED-PAYLOAD: %s", line)
	}
}

// Authorization by the engine before any processing: a caller without
// access-analyzer permissions gets AccessDeniedException (403, botocore
// model), even for a body that is not valid, with the message of IAM's
// denials; each operation is its own action (the Service Authorization
// Reference, "Actions, resources, and condition keys for AWS IAM Access
// Analyzer": access-analyzer:ValidatePolicy, CheckNoNewAccess,
// CheckAccessNotGranted, CheckNoPublicAccess).
func TestAccessAnalyzerAuthorizesBeforeProcessing(t *testing.T) {
	restore := server.StubPolicyChecks("PASS", "")
	defer restore()
	e := newEnv(t)
	keys := aaUsers(t, e, map[string]string{"nobody": "", "validator": allow("access-analyzer:ValidatePolicy"),
		"checker": allow("access-analyzer:Check*"), "iam-only": allow("iam:*")})
	pol := allow("s3:GetObject")
	bodies := map[string]string{
		"/policy/validation":               aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
		"/policy/check-no-new-access":      aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "IDENTITY_POLICY"}),
		"/policy/check-access-not-granted": aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY", "access": []any{map[string]any{"actions": []string{"s3:PutObject"}}}}),
		"/policy/check-no-public-access":   aaJSON(t, map[string]string{"policyDocument": pol, "resourceType": "AWS::S3::Bucket"}),
	}
	actions := map[string]string{"/policy/validation": "ValidatePolicy", "/policy/check-no-new-access": "CheckNoNewAccess",
		"/policy/check-access-not-granted": "CheckAccessNotGranted", "/policy/check-no-public-access": "CheckNoPublicAccess"}
	for path, body := range bodies {
		for user, allowed := range map[string]bool{"nobody": false, "iam-only": false, "validator": path == "/policy/validation", "checker": path != "/policy/validation"} {
			for _, b := range []string{body, `{"policyType": 7}`, "not json \xff"} {
				rep := e.aaCall(t, keys[user], "eu-central-1", path, b)
				if allowed {
					if b == body && rep.status != 200 {
						t.Errorf("%s %s: %d %s", user, path, rep.status, rep.raw)
					}
					if b != body && rep.status != 400 {
						t.Errorf("%s %s bad body: %d %s", user, path, rep.status, rep.raw)
					}
					continue
				}
				want := "Forbidden AccessDeniedException User: arn:aws:iam::123456789012:user/" + user + " is not authorized to perform: access-analyzer:" +
					actions[path] + " on resource: * because no identity-based policy allows the access-analyzer:" + actions[path] + " action"
				if line := rep.errorLine(t); line != want {
					t.Errorf("got  %s\nwant %s", line, want)
				}
			}
		}
	}
}

// The credentials of GetSessionToken may call Access Analyzer without MFA:
// the STS API Reference (GetSessionToken) bars them only from IAM (without
// MFA) and from STS but AssumeRole and GetCallerIdentity; the call is still
// decided by the engine as the user.
func TestAccessAnalyzerWithGetSessionTokenCredentials(t *testing.T) {
	e := newEnv(t)
	keys := aaUsers(t, e, map[string]string{"dev": allow("access-analyzer:ValidatePolicy", "iam:ListUsers", "sts:GetSessionToken")})
	out := must[*sts.GetSessionTokenOutput](t)(e.sts(keys["dev"]).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{}))
	sess := session(out.Credentials)
	body := aaJSON(t, map[string]string{"policyDocument": allow("s3:GetObject"), "policyType": "IDENTITY_POLICY"})
	if rep := e.aaCall(t, sess, "us-east-1", "/policy/validation", body); rep.status != 200 {
		t.Fatalf("session: %d %s", rep.status, rep.raw)
	}
	if line := e.aaCall(t, sess, "us-east-1", "/policy/check-no-public-access", `{}`).errorLine(t); !strings.HasPrefix(line, "Forbidden AccessDeniedException User: arn:aws:iam::123456789012:user/dev ") {
		t.Fatalf("session, not allowed: %s", line)
	}
	// IAM refuses the same session (as elsewhere).
	_, err := e.iam(sess).ListUsers(context.Background(), &iam.ListUsersInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	// An expired or forged session token.
	forged := sess
	forged.SessionToken = "x" + sess.SessionToken
	if line := e.aaCall(t, forged, "us-east-1", "/policy/validation", body).errorLine(t); line != "Forbidden UnrecognizedClientException The security token included in the request is invalid" {
		t.Fatalf("forged token: %s", line)
	}
}

// Every authenticated call is in the audit log: service access-analyzer,
// the operation, its outcome, the region signed (Access Analyzer is
// regional) and the engine's decision; refusals before the operation too.
func TestAccessAnalyzerAudit(t *testing.T) {
	restore := server.StubPolicyChecks("FAIL", "")
	defer restore()
	e := newEnv(t)
	keys := aaUsers(t, e, map[string]string{"nobody": ""})
	start := time.Now().Add(-time.Second)
	pol := allow("s3:GetObject")
	e.aaCall(t, e.admin, "eu-west-1", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}))
	e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": pol, "resourceType": "AWS::S3::Nope"}))
	e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "RESOURCE_POLICY"}))
	e.aaCall(t, keys["nobody"], "us-east-1", "/policy/check-access-not-granted", `{}`)
	e.aaCall(t, e.admin, "us-east-1", "/policy/nothing", `{}`)
	sendAA(t, func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/policy/validation", strings.NewReader("{}"))
		return r
	}())
	entries, err := audit.Query(context.Background(), e.st, audit.Filter{Since: start})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		if en.Service != "access-analyzer" {
			continue
		}
		line := en.Caller + " " + en.Region + " " + en.Operation + " " + en.Outcome
		for _, d := range en.Decisions {
			line += " [" + d.Action + " " + d.Resource + " " + d.Decision + "]"
		}
		if en.SourceIP != "127.0.0.1" || en.AccessKey == "" {
			t.Errorf("entry without its source: %+v", en)
		}
		got = append(got, line)
	}
	sort.Strings(got)
	admin := "arn:aws:iam::123456789012:user/admin"
	want := []string{
		admin + " eu-west-1 ValidatePolicy OK [access-analyzer:ValidatePolicy * allowed]",
		admin + " us-east-1 CheckNoNewAccess OK [access-analyzer:CheckNoNewAccess * allowed]",
		admin + " us-east-1 CheckNoPublicAccess ValidationException [access-analyzer:CheckNoPublicAccess * allowed]",
		admin + " us-east-1 unknown ValidationException",
		"arn:aws:iam::123456789012:user/nobody us-east-1 CheckAccessNotGranted AccessDeniedException [access-analyzer:CheckAccessNotGranted * implicitDeny]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit entries:\n got %q\nwant %q", got, want)
	}
}

// The checks of package analysis through the API, on the aws CLI's
// examples (awscli/examples/accessanalyzer/check-*.rst: FAIL for statement
// 0, PASS, PASS), a home folder, and a policy it cannot decide: UNKNOWN is
// UnprocessableEntityException.
func TestAccessAnalyzerChecksOfAnalysis(t *testing.T) {
	e := newEnv(t)
	existing, updated := readTestdata(t, "existing-policy.json"), readTestdata(t, "new-policy.json")
	for _, c := range []struct{ op, path, body, want string }{
		{"CheckNoNewAccess", "/policy/check-no-new-access", aaJSON(t, map[string]string{"existingPolicyDocument": existing, "newPolicyDocument": updated, "policyType": "IDENTITY_POLICY"}),
			`{"result":"FAIL","message":"The modified permissions grant new access compared to your existing policy.","reasons":[{"description":`},
		{"CheckNoNewAccess", "/policy/check-no-new-access", aaJSON(t, map[string]string{"existingPolicyDocument": updated, "newPolicyDocument": existing, "policyType": "IDENTITY_POLICY"}),
			`{"result":"PASS","message":"The modified permissions grant no new access compared to your existing policy."}`},
		{"CheckAccessNotGranted", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": existing, "policyType": "IDENTITY_POLICY",
			"access": []any{map[string]any{"actions": []string{"s3:DeleteBucket", "s3:GetBucketLocation"}}}}),
			`{"result":"PASS","message":"The policy document does not grant access to perform one or more of the listed actions."}`},
		{"CheckNoPublicAccess", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": readTestdata(t, "bucket-policy.json"), "resourceType": "AWS::S3::Bucket"}),
			`{"result":"PASS","message":"The resource policy does not grant public access for the given resource type."}`},
		{"CheckNoPublicAccess", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": readTestdata(t, "public-bucket-policy.json"), "resourceType": "AWS::S3::Bucket"}),
			`{"result":"FAIL","message":"The resource policy grants public access for the given resource type.","reasons":[{"description":`},
	} {
		rep := e.aaCall(t, e.admin, "us-east-1", c.path, c.body)
		if rep.status != 200 || !strings.HasPrefix(string(rep.raw), c.want) {
			t.Errorf("%s: %d %s\nwant %s", c.op, rep.status, rep.raw, c.want)
		}
		checkJSONResponse(t, aaModel, c.op, rep.raw)
	}
	// A home folder named by ${aws:username} is decided (the variable is a
	// whole segment); one that only starts with the name is not.
	rep := e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-new-access",
		aaJSON(t, map[string]string{"existingPolicyDocument": existing, "newPolicyDocument": readTestdata(t, "home-folder-policy.json"), "policyType": "IDENTITY_POLICY"}))
	if rep.status != 200 || !strings.HasPrefix(string(rep.raw), `{"result":"PASS"`) {
		t.Fatalf("home folder: %d %s", rep.status, rep.raw)
	}
	rep = e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-new-access",
		aaJSON(t, map[string]string{"existingPolicyDocument": existing, "newPolicyDocument": readTestdata(t, "home-prefix-policy.json"), "policyType": "IDENTITY_POLICY"}))
	if line := rep.errorLine(t); !strings.HasPrefix(line, "Unprocessable Entity UnprocessableEntityException iamgate could not decide this check (UNKNOWN): ") {
		t.Fatalf("UNKNOWN: %s", line)
	}
}

// A check past the server's time bound (serve --analysis-timeout) stops and
// is answered ThrottlingException (429, in each Check operation's model),
// never PASS; the slot it held is free for the next.
func TestAccessAnalyzerCheckTimeout(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnvWith(t, st, func(c *server.Config) { c.AnalysisTimeout = time.Nanosecond })
	existing, updated := readTestdata(t, "existing-policy.json"), readTestdata(t, "new-policy.json")
	for range 3 {
		rep := e.aaCall(t, e.admin, "us-east-1", "/policy/check-no-new-access",
			aaJSON(t, map[string]string{"existingPolicyDocument": existing, "newPolicyDocument": updated, "policyType": "IDENTITY_POLICY"}))
		if line := rep.errorLine(t); !strings.HasPrefix(line, "Too Many Requests ThrottlingException The check did not finish") {
			t.Fatalf("a check past its time: %s", line)
		}
	}
}

// The Check operations map a check's answer to AWS's response (result,
// message, reasons with statementIndex and statementId), and UNKNOWN, which
// AWS's results lack, to UnprocessableEntityException (422, in each
// operation's model): never a PASS.
func TestAccessAnalyzerCheckResultsAndUnknown(t *testing.T) {
	e := newEnv(t)
	pol := allow("s3:GetObject")
	calls := map[string]string{
		"CheckNoNewAccess":      aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "IDENTITY_POLICY"}),
		"CheckAccessNotGranted": aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY", "access": []any{map[string]any{"actions": []string{"s3:PutObject"}}}}),
		"CheckNoPublicAccess":   aaJSON(t, map[string]string{"policyDocument": pol, "resourceType": "AWS::S3::Bucket"}),
	}
	paths := map[string]string{"CheckNoNewAccess": "/policy/check-no-new-access", "CheckAccessNotGranted": "/policy/check-access-not-granted",
		"CheckNoPublicAccess": "/policy/check-no-public-access"}
	for _, result := range []string{"PASS", "FAIL", "UNKNOWN"} {
		restore := server.StubPolicyChecks(result, "a condition on aws:CurrentTime with a policy variable")
		for op, body := range calls {
			rep := e.aaCall(t, e.admin, "us-east-1", paths[op], body)
			if result == "UNKNOWN" {
				want := "Unprocessable Entity UnprocessableEntityException iamgate could not decide this check (UNKNOWN): a condition on aws:CurrentTime with a policy variable. It is neither PASS nor FAIL."
				if line := rep.errorLine(t); line != want {
					t.Errorf("%s: %s", op, line)
				}
				continue
			}
			if rep.status != 200 || rep.body["result"] != result || rep.body["message"] == "" {
				t.Errorf("%s %s: %d %s", op, result, rep.status, rep.raw)
			}
			checkJSONResponse(t, aaModel, op, rep.raw)
			if result == "FAIL" && !strings.Contains(string(rep.raw), `"reasons":[{"description":"stub","statementIndex":0,"statementId":"S0"}]`) {
				t.Errorf("%s reasons: %s", op, rep.raw)
			}
		}
		restore()
	}
}

// FuzzAccessAnalyzerRequest sends signed Access Analyzer requests with
// arbitrary paths, query strings and bodies as the administrator: whatever
// they hold, the answer is a JSON object, an error carries its
// x-amzn-ErrorType, and nothing is a 5xx but the UNKNOWN of no check (no
// input may panic the server).
func FuzzAccessAnalyzerRequest(f *testing.F) {
	pol := allow("s3:GetObject")
	for _, seed := range [][2]string{
		{"/policy/validation", aaJSON(f, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"})},
		{"/policy/validation?maxResults=1&nextToken=djEuMS4w", aaJSON(f, map[string]string{"policyDocument": `{"Statement":{"Sid":"","Effect":"Allow"}}`, "policyType": "RESOURCE_POLICY", "validatePolicyResourceType": "AWS::S3::Bucket"})},
		{"/policy/validation", `{"policyDocument":"{\"Statement\":[{\"Condition\":{\"a.b\":{\"a.b:c\":[1,{}]}}}]}","policyType":"SERVICE_CONTROL_POLICY"}`},
		{"/policy/check-no-new-access", aaJSON(f, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": `{"Statement":[]}`, "policyType": "IDENTITY_POLICY"})},
		{"/policy/check-access-not-granted", aaJSON(f, map[string]any{"policyDocument": pol, "policyType": "RESOURCE_POLICY", "access": []any{map[string]any{"actions": []string{"s3:*"}, "resources": []string{"arn:aws:s3:::b/*"}}}})},
		{"/policy/check-no-public-access", aaJSON(f, map[string]string{"policyDocument": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`, "resourceType": "AWS::KMS::Key"})},
		{"/policy/check-access-not-granted", `{"access":[{"actions":null,"resources":[""]}],"policyType":"IDENTITY_POLICY","policyDocument":""}`},
		{"/policy/x", `[{"policyDocument":`},
	} {
		f.Add(seed[0], seed[1])
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/policy/" + path
		}
		r, err := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(body))
		if err != nil {
			return
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, hex.EncodeToString(sum[:]), "access-analyzer", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%d, not a JSON object for %q %q: %s", w.Code, path, body, w.Body)
		}
		if w.Code >= 500 {
			t.Fatalf("%d for %q %q: %s", w.Code, path, body, w.Body)
		}
		if w.Code != 200 && w.Header().Get("x-amzn-ErrorType") == "" {
			t.Fatalf("%d without x-amzn-ErrorType: %s", w.Code, w.Body)
		}
	})
}

// Metrics label Access Analyzer calls by the operations served: paths a
// client makes up, signed or not, are "unknown".
func TestAccessAnalyzerMetricsLabelsStayBounded(t *testing.T) {
	e := newEnv(t)
	m := server.NewMetrics()
	e2 := startEnvWith(t, e.st, func(c *server.Config) { c.Metrics = m })
	e2.admin = e.admin
	e2.aaCall(t, e.admin, "us-east-1", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": allow("s3:GetObject"), "policyType": "IDENTITY_POLICY"}))
	for _, p := range []string{"/policy/attacker1", "/policy/attacker2"} {
		e2.aaCall(t, e.admin, "us-east-1", p, `{}`)
		r, _ := http.NewRequest(http.MethodPost, e2.ts.URL+p, strings.NewReader("{}"))
		sendAA(t, r)
	}
	ms := httptest.NewServer(m.Handler())
	defer ms.Close()
	res, err := ms.Client().Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), "attacker") {
		t.Errorf("a client chose a label value:\n%s", body)
	}
	if !strings.Contains(string(body), `action="ValidatePolicy"`) || !strings.Contains(string(body), `service="access-analyzer"`) {
		t.Errorf("no access-analyzer ValidatePolicy series:\n%s", body)
	}
}
