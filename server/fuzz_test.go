package server_test

import (
	"context"
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// FuzzServe sends signed requests with arbitrary forms as the
// administrator: whatever the parameters, the answer is a well-formed
// response and never a 5xx (no input may panic the server or leave the
// store inconsistent).
func FuzzServe(f *testing.F) {
	for _, seed := range []string{
		"Action=GetCallerIdentity&Version=2011-06-15",
		"Action=CreateUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=" + url.QueryEscape(trustAccount),
		"Action=PutRolePolicy&Version=2010-05-08&RoleName=r0&PolicyName=p&PolicyDocument=" + url.QueryEscape(allowS3),
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr0&RoleSessionName=s0&DurationSeconds=900&Tags.member.1.Key=a",
		"Action=ListPolicies&Version=2010-05-08&MaxItems=3&Marker=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FA",
		"Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Role&Marker=-1",
		"Action=CreatePolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fp0&PolicyDocument=%7B%7D",
		"Action=UpdateUser&Version=2010-05-08&UserName=admin&NewUserName=x",
		"Action=CreateAccountAlias&Version=2010-05-08&AccountAlias=a--b",
		"Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=%00%00&Policy=%7B",
		"Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-aaaaaaaaaa%2Fr-aaaa%2F%2F%2F&OrganizationsPolicyId=p-aaaaaaaa",
		"Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=00000000-0000-0000-0000-000000000000&Marker=-1&SortKey=LAST_AUTHENTICATED_TIME_ASCENDING",
		"Action=SetSecurityTokenServicePreferences&Version=2010-05-08&GlobalEndpointTokenVersion=v2Token",
		"Action=CreateDelegationRequest&Version=2010-05-08&Description=d&RequestorWorkflowId=wf-00&NotificationChannel=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&SessionDuration=900&Permissions.PolicyTemplateArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fp0&Permissions.Parameters.member.1.Name=%40%7Bxx%7D&Permissions.Parameters.member.1.Type=stringList",
		"Action=GetHumanReadableSummary&Version=2010-05-08&EntityArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Adelegation-request%2F&Locale=zz",
		"Action=GetDelegatedAccessToken&Version=2011-06-15&TradeInToken=dr-.x",
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	ctx := context.Background()
	c := e.iam(e.admin)
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r0"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		f.Fatal(err)
	}
	if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p0"), PolicyDocument: aws.String(allowS3)}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Contains(body, "Action=DeleteAccessKey") || strings.Contains(body, "Action=UpdateAccessKey") ||
			strings.Contains(body, "UserName=admin") {
			return // keep the administrator able to sign the next input
		}
		r := signed(t, e.ts.URL, body, e.admin, time.Now())
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%d for %q: %s", w.Code, body, w.Body)
		}
		var v struct{ XMLName xml.Name }
		if err := xml.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("not XML for %q: %v\n%s", body, err, w.Body)
		}
	})
}
