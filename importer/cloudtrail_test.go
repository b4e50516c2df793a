package importer_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/importer"
)

// A record as the CloudTrail record contents page describes it
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
const ctRecord = `{"eventVersion": "1.08",
 "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:s", "arn": "arn:aws:sts::111122223333:assumed-role/deploy/s",
   "accountId": "111122223333", "accessKeyId": "ASIAEXAMPLE",
   "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ci/deploy", "accountId": "111122223333", "userName": "deploy"}}},
 "eventTime": "2026-11-02T10:00:00Z", "eventSource": "lambda.amazonaws.com", "eventName": "CreateFunction20150331",
 "awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.7",
 "requestParameters": {"functionName": "f", "role": "arn:aws:iam::111122223333:role/fn-exec", "vpcConfig": {"executionRoleArn": "arn:aws:iam::111122223333:role/other"}, "note": "arn:aws:iam::111122223333:role/not-a-role-param"},
 "resources": [{"ARN": "arn:aws:lambda:eu-west-1:111122223333:function:f", "accountId": "111122223333"}],
 "eventID": "e1", "eventType": "AwsApiCall", "eventCategory": "Management", "recipientAccountId": "111122223333"}`

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	// A gzip.Writer into a bytes.Buffer cannot fail.
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestReadCloudTrailRecord(t *testing.T) {
	file := []byte(`{"Records": [` + ctRecord + `]}`)
	for name, data := range map[string][]byte{"plain": file, "gzipped": gz(file)} {
		t.Run(name, func(t *testing.T) {
			var got []string
			err := importer.ReadCloudTrail("f.json", bytes.NewReader(data), func(i int, ev *importer.CloudTrailEvent) error {
				e := ev.Entry()
				if ev.Action() != "lambda:CreateFunction" || e.Caller != "arn:aws:sts::111122223333:assumed-role/deploy/s" || e.Account != "111122223333" ||
					e.AccessKey != "ASIAEXAMPLE" || e.Region != "eu-west-1" || e.Source != "cloudtrail" || e.Outcome != "OK" {
					t.Errorf("entry %+v", e)
				}
				for _, d := range e.Decisions {
					got = append(got, fmt.Sprintf("%s %s %s %v", d.Action, d.Resource, d.Decision, d.Inferred))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"lambda:CreateFunction arn:aws:lambda:eu-west-1:111122223333:function:f allowed false",
				"iam:PassRole arn:aws:iam::111122223333:role/fn-exec allowed true",
				"iam:PassRole arn:aws:iam::111122223333:role/other allowed true",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decisions\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestCloudTrailOutcomes(t *testing.T) {
	for _, tc := range []struct {
		code, want string
	}{
		{"", "allowed"},
		{"AccessDenied", "implicitDeny"},
		{"Client.UnauthorizedOperation", "implicitDeny"},
		{"AccessDeniedException", "implicitDeny"},
		{"NoSuchEntity", ""}, // failed, not for authorization: no decision
	} {
		ev := importer.CloudTrailEvent{EventSource: "iam.amazonaws.com", EventName: "GetRole", ErrorCode: tc.code, UserIdentity: &importer.CloudTrailIdentity{Type: "Root", AccountID: "111122223333"}}
		e := ev.Entry()
		got := ""
		if len(e.Decisions) > 0 {
			got = e.Decisions[0].Decision
		}
		if got != tc.want || e.Caller != "arn:aws:iam::111122223333:root" {
			t.Errorf("%q: decision %q caller %s, want %q", tc.code, got, e.Caller, tc.want)
		}
	}
}

// TestReadCloudTrailErrors: every malformed input names the file, and a
// bad record its index in Records.
func TestReadCloudTrailErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		record     int
		msg        string
	}{
		{"not json", `nope`, -1, "f.json: invalid character"},
		{"no records", `{"x": 1}`, -1, `no "Records" array`},
		{"records not array", `{"Records": {}}`, -1, "not an array"},
		{"bad record json", `{"Records": [` + ctRecord + `, {"eventTime": 5}]}`, 1, "f.json: record 1: "},
		{"missing fields", `{"Records": [{"eventSource": "s3.amazonaws.com"}]}`, 0, "record 0: no eventTime, eventName, userIdentity"},
		{"truncated", `{"Records": [` + ctRecord + `, {"eventTime": "2026`, 1, "record 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := importer.ReadCloudTrail("f.json", strings.NewReader(tc.data), func(int, *importer.CloudTrailEvent) error { return nil })
			var ce *importer.CloudTrailError
			if !errors.As(err, &ce) || !errors.Is(err, importer.ErrCloudTrail) || ce.Record != tc.record || ce.File != "f.json" || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v (record %v), want record %d, %q", err, ce, tc.record, tc.msg)
			}
		})
	}
}

func TestPassedRoles(t *testing.T) {
	for _, tc := range []struct {
		params string
		want   []string
	}{
		{`{"roleArn": "arn:aws:iam::111122223333:role/a"}`, []string{"arn:aws:iam::111122223333:role/a"}},
		{`{"IamRole": "arn:aws:iam::111122223333:role/path/b", "Tags": [{"Key": "role", "Value": "x"}]}`, []string{"arn:aws:iam::111122223333:role/path/b"}},
		{`{"description": "arn:aws:iam::111122223333:role/c"}`, nil},
		{`{"roleArn": "arn:aws:iam::111122223333:user/u"}`, nil},
		{`null`, nil},
	} {
		if got := importer.PassedRoles(json.RawMessage(tc.params)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.params, got, tc.want)
		}
	}
}

func BenchmarkReadCloudTrail(b *testing.B) {
	var recs []string
	for range 1000 {
		recs = append(recs, ctRecord)
	}
	data := gz([]byte(`{"Records": [` + strings.Join(recs, ",") + `]}`))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		if err := importer.ReadCloudTrail("f.json.gz", bytes.NewReader(data), func(int, *importer.CloudTrailEvent) error { n++; return nil }); err != nil || n != 1000 {
			b.Fatal(err, n)
		}
	}
}
