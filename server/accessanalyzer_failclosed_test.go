package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	aaapi "github.com/iamgate/iamgate/api/accessanalyzer"
)

// Every analyzer operation served authorizes itself (the server leaves it
// to the operation: accessanalyzer.Operation.Action), so every one, called
// with a valid input by a principal of the analyzer's account without
// permissions, is AccessDeniedException, and changes nothing. A new
// analyzer operation served without a row here fails the test.
func TestAnalyzerOperationsFailClosed(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	owner := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(owner.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{
		AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount,
		ArchiveRules: []aatypes.InlineArchiveRule{{RuleName: aws.String("r1"), Filter: map[string]aatypes.Criterion{"isPublic": {Eq: []string{"true"}}}}}})).Arn
	lf := must[*accessanalyzer.ListFindingsOutput](t)(owner.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn}))
	if len(lf.Findings) == 0 {
		t.Fatal("the world has no finding to act on")
	}
	id := lf.Findings[0].Id
	res := aws.String("arn:aws:s3:::site-a")
	filter := map[string]aatypes.Criterion{"resourceType": {Eq: []string{"AWS::S3::Bucket"}}}
	c := e.aa(keys["nobody"], "eu-west-1")
	calls := map[string]func() error{
		"CreateAnalyzer": func() error {
			_, err := c.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("mine"), Type: aatypes.TypeAccount})
			return err
		},
		"GetAnalyzer": func() error {
			_, err := c.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")})
			return err
		},
		"ListAnalyzers": func() error { _, err := c.ListAnalyzers(ctx, &accessanalyzer.ListAnalyzersInput{}); return err },
		"DeleteAnalyzer": func() error {
			_, err := c.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String("ext")})
			return err
		},
		"UpdateAnalyzer": func() error {
			_, err := c.UpdateAnalyzer(ctx, &accessanalyzer.UpdateAnalyzerInput{AnalyzerName: aws.String("ext")})
			return err
		},
		"CreateArchiveRule": func() error {
			_, err := c.CreateArchiveRule(ctx, &accessanalyzer.CreateArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("r2"), Filter: filter})
			return err
		},
		"GetArchiveRule": func() error {
			_, err := c.GetArchiveRule(ctx, &accessanalyzer.GetArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("r1")})
			return err
		},
		"ListArchiveRules": func() error {
			_, err := c.ListArchiveRules(ctx, &accessanalyzer.ListArchiveRulesInput{AnalyzerName: aws.String("ext")})
			return err
		},
		"UpdateArchiveRule": func() error {
			_, err := c.UpdateArchiveRule(ctx, &accessanalyzer.UpdateArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("r1"), Filter: filter})
			return err
		},
		"DeleteArchiveRule": func() error {
			_, err := c.DeleteArchiveRule(ctx, &accessanalyzer.DeleteArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("r1")})
			return err
		},
		"ApplyArchiveRule": func() error {
			_, err := c.ApplyArchiveRule(ctx, &accessanalyzer.ApplyArchiveRuleInput{AnalyzerArn: arn, RuleName: aws.String("r1")})
			return err
		},
		"ListFindings": func() error {
			_, err := c.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
			return err
		},
		"ListFindingsV2": func() error {
			_, err := c.ListFindingsV2(ctx, &accessanalyzer.ListFindingsV2Input{AnalyzerArn: arn})
			return err
		},
		"GetFinding": func() error {
			_, err := c.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: arn, Id: id})
			return err
		},
		"GetFindingV2": func() error {
			_, err := c.GetFindingV2(ctx, &accessanalyzer.GetFindingV2Input{AnalyzerArn: arn, Id: id})
			return err
		},
		"UpdateFindings": func() error {
			_, err := c.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: arn, Status: aatypes.FindingStatusUpdateArchived, Ids: []string{*id}})
			return err
		},
		"GetFindingsStatistics": func() error {
			_, err := c.GetFindingsStatistics(ctx, &accessanalyzer.GetFindingsStatisticsInput{AnalyzerArn: arn})
			return err
		},
		"ListAnalyzedResources": func() error {
			_, err := c.ListAnalyzedResources(ctx, &accessanalyzer.ListAnalyzedResourcesInput{AnalyzerArn: arn})
			return err
		},
		"GetAnalyzedResource": func() error {
			_, err := c.GetAnalyzedResource(ctx, &accessanalyzer.GetAnalyzedResourceInput{AnalyzerArn: arn, ResourceArn: res})
			return err
		},
		"StartResourceScan": func() error {
			_, err := c.StartResourceScan(ctx, &accessanalyzer.StartResourceScanInput{AnalyzerArn: arn, ResourceArn: res})
			return err
		},
		"TagResource": func() error {
			_, err := c.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"k": "v"}})
			return err
		},
		"UntagResource": func() error {
			_, err := c.UntagResource(ctx, &accessanalyzer.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"k"}})
			return err
		},
		"ListTagsForResource": func() error {
			_, err := c.ListTagsForResource(ctx, &accessanalyzer.ListTagsForResourceInput{ResourceArn: arn})
			return err
		},
	}
	checked := 0
	for name, op := range aaapi.Operations {
		if op.Action == "" {
			continue // a policy check: authorized by the server, on "*"
		}
		call := calls[name]
		if call == nil {
			t.Errorf("%s: served, with no row in this test", name)
			continue
		}
		wantError(t, call(), "AccessDeniedException", 403)
		checked++
	}
	if checked != len(calls) {
		t.Fatalf("%d analyzer operations served, %d rows here", checked, len(calls))
	}
	// Nothing changed: the analyzer, its rule, its finding's status.
	must[*accessanalyzer.GetArchiveRuleOutput](t)(owner.GetArchiveRule(ctx, &accessanalyzer.GetArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("r1")}))
	got := must[*accessanalyzer.GetFindingOutput](t)(owner.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: arn, Id: id}))
	if got.Finding.Status != lf.Findings[0].Status {
		t.Fatalf("the finding's status changed: %s, was %s", got.Finding.Status, lf.Findings[0].Status)
	}
	if tags := must[*accessanalyzer.ListTagsForResourceOutput](t)(owner.ListTagsForResource(ctx, &accessanalyzer.ListTagsForResourceInput{ResourceArn: arn})); len(tags.Tags) != 0 {
		t.Fatalf("tags: %v", tags.Tags)
	}
	if _, err := owner.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("mine")}); err == nil {
		t.Fatal("the analyzer nobody created exists")
	}
}
