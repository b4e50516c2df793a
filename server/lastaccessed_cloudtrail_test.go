package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
)

// TestAccessAdvisorFromCloudTrail: CloudTrail events imported into the
// audit log (as iamgate import --cloudtrail stores them) are accesses in
// access advisor's reports, for services iamgate does not serve too.
func TestAccessAdvisorFromCloudTrail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("q"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:TagQueue"],"Resource":"*"}]}`)}))
	log := `{"Records": [{"eventVersion": "1.08", "eventTime": "2026-11-02T10:00:00Z", "eventSource": "sqs.amazonaws.com", "eventName": "GetQueueAttributes",
  "awsRegion": "eu-west-1", "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/worker/s", "accountId": "123456789012"},
  "resources": [{"ARN": "arn:aws:sqs:eu-west-1:123456789012:jobs"}]}]}`
	var recs []store.AuditRecord
	if err := importer.ReadCloudTrail("log.json", strings.NewReader(log), func(_ int, ev *importer.CloudTrailEvent) error {
		r, err := audit.Record(ev.Entry())
		recs = append(recs, r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AppendAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{
		Arn: aws.String("arn:aws:iam::123456789012:role/worker"), Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel}))
	rep := must[*iam.GetServiceLastAccessedDetailsOutput](t)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
	found := false
	for _, s := range rep.ServicesLastAccessed {
		if *s.ServiceNamespace != "sqs" {
			continue
		}
		if s.LastAuthenticated == nil || s.LastAuthenticatedRegion == nil || *s.LastAuthenticatedRegion != "eu-west-1" {
			t.Fatalf("sqs: %+v", s)
		}
		for _, a := range s.TrackedActionsLastAccessed {
			if *a.ActionName == "GetQueueAttributes" && a.LastAccessedTime != nil {
				found = true
			}
			if *a.ActionName == "TagQueue" && a.LastAccessedTime != nil {
				t.Errorf("TagQueue accessed: %+v", a)
			}
		}
	}
	if !found {
		t.Errorf("no access of sqs:GetQueueAttributes in %+v", rep.ServicesLastAccessed)
	}
}
