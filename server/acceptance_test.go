package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMAcceptanceCorpus replays testdata/acceptance through the real IAM
// API over HTTP with SigV4: a managed case through CreatePolicy and
// CreatePolicyVersion, an inline case through PutUserPolicy, PutGroupPolicy
// and PutRolePolicy, a trust case through CreateRole and
// UpdateAssumeRolePolicy. Each stores the document or answers
// MalformedPolicyDocument (400) with IAM's words, exactly as the policy
// package's TestIAMAcceptance expects, so both layers agree. The corpus's
// account 111111111111 is the administrator's account, which holds the
// user alice.
func TestIAMAcceptanceCorpus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(e.admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	acct := aws.ToString(id.Account)
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	good := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)}))
	pol := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("base"), PolicyDocument: aws.String(good)}))

	files, _ := filepath.Glob("../testdata/acceptance/*.json")
	if len(files) == 0 {
		t.Fatal("no acceptance corpus")
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct {
			Cases []struct {
				Name     string          `json:"name"`
				Kind     string          `json:"kind"`
				Source   string          `json:"source"`
				Document json.RawMessage `json:"document"`
				Accepted bool            `json:"accepted"`
				Message  string          `json:"message"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(data, &suite); err != nil {
			t.Fatal(err)
		}
		for _, tc := range suite.Cases {
			var doc string
			if json.Unmarshal(tc.Document, &doc) != nil {
				doc = string(tc.Document)
			}
			doc = strings.ReplaceAll(doc, "111111111111", acct)
			want := strings.ReplaceAll(tc.Message, "111111111111", acct)
			var calls map[string]func() error
			switch tc.Kind {
			case "managed":
				calls = map[string]func() error{
					"CreatePolicy": func() error {
						n++
						_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p" + itoa(n)), PolicyDocument: aws.String(doc)})
						return err
					},
					"CreatePolicyVersion": func() error {
						_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, PolicyDocument: aws.String(doc)})
						if err == nil {
							// Keep under five versions: drop the one just made.
							vs := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: pol.Policy.Arn}))
							for _, v := range vs.Versions {
								if !v.IsDefaultVersion {
									must[*iam.DeletePolicyVersionOutput](t)(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: v.VersionId}))
								}
							}
						}
						return err
					},
				}
			case "inline":
				calls = map[string]func() error{
					"PutUserPolicy": func() error {
						_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
						return err
					},
					"PutGroupPolicy": func() error {
						_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
						return err
					},
					"PutRolePolicy": func() error {
						_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
						return err
					},
				}
			case "trust":
				calls = map[string]func() error{
					"CreateRole": func() error {
						n++
						_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("t" + itoa(n)), AssumeRolePolicyDocument: aws.String(doc)})
						return err
					},
					"UpdateAssumeRolePolicy": func() error {
						_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(doc)})
						return err
					},
				}
			default:
				t.Fatalf("%s: kind %q", tc.Name, tc.Kind)
			}
			for op, call := range calls {
				t.Run(tc.Kind+"/"+tc.Name+"/"+op, func(t *testing.T) {
					err := call()
					if tc.Accepted {
						if err != nil {
							t.Fatalf("refused: %v; IAM stores it (%s)", err, tc.Source)
						}
						return
					}
					if msg := wantError(t, err, "MalformedPolicyDocument", 400); msg != want {
						t.Fatalf("message %q\nIAM says  %q (%s)", msg, want, tc.Source)
					}
				})
			}
		}
	}
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
