package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// entityState is what the per-kind entity operations change for a user,
// group and role: inline policy names, attached policy ARNs, tags and
// boundary, as the administrator reads them.
func entityState(t *testing.T, c *iam.Client, user, group, role string) string {
	t.Helper()
	ctx := context.Background()
	s := aws.String
	var b strings.Builder
	attached := func(ps []iamtypes.AttachedPolicy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, *p.PolicyArn)
		}
		sort.Strings(out)
		return out
	}
	tags := func(ts []iamtypes.Tag) []string {
		var out []string
		for _, tg := range ts {
			out = append(out, *tg.Key+"="+*tg.Value)
		}
		return out
	}
	u := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: s(user)})).User
	fmt.Fprintf(&b, "user inline=%v attached=%v tags=%v boundary=%v\n",
		must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: s(user)})).PolicyNames,
		attached(must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: s(user)})).AttachedPolicies),
		tags(must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: s(user)})).Tags),
		aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn))
	fmt.Fprintf(&b, "group inline=%v attached=%v\n",
		must[*iam.ListGroupPoliciesOutput](t)(c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: s(group)})).PolicyNames,
		attached(must[*iam.ListAttachedGroupPoliciesOutput](t)(c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: s(group)})).AttachedPolicies))
	r := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: s(role)})).Role
	fmt.Fprintf(&b, "role inline=%v attached=%v tags=%v boundary=%v\n",
		must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: s(role)})).PolicyNames,
		attached(must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: s(role)})).AttachedPolicies),
		tags(must[*iam.ListRoleTagsOutput](t)(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: s(role)})).Tags),
		aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn))
	return b.String()
}

// The typed per-kind entity operations authorize before they change or
// reveal anything, with the condition keys IAM gives them: a caller allowed
// only to attach one policy (iam:PolicyARN) and to set one boundary
// (iam:PermissionsBoundary is the boundary being set; the IAM User Guide,
// "Permissions boundaries for IAM entities", and "IAM condition context
// keys") is refused every other call of the 31 operations with
// AccessDenied (403; the IAM API Reference, "Common Errors"), and the
// users', groups' and roles' policies, tags and boundaries stay as they
// were; the calls it may make then succeed.
func TestEntityOperationsAuthorizeBeforeTheyAct(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	s := aws.String
	arn := func(n string) string { return "arn:aws:iam::" + accountA + ":policy/" + n }
	for _, n := range []string{"bnd", "other"} {
		must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: s(n), PolicyDocument: s(allowS3)}))
	}
	readOnly := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	tags := []iamtypes.Tag{{Key: s("team"), Value: s("a")}}
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: s("u"), PermissionsBoundary: s(arn("bnd")), Tags: tags}))
	must[*iam.CreateGroupOutput](t)(admin.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: s("g")}))
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("r"), AssumeRolePolicyDocument: s(trustAccount), PermissionsBoundary: s(arn("bnd")), Tags: tags}))
	must[*iam.PutUserPolicyOutput](t)(admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s("u"), PolicyName: s("keep"), PolicyDocument: s(allowS3)}))
	must[*iam.PutGroupPolicyOutput](t)(admin.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: s("g"), PolicyName: s("keep"), PolicyDocument: s(allowS3)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s("r"), PolicyName: s("keep"), PolicyDocument: s(allowS3)}))
	must[*iam.AttachUserPolicyOutput](t)(admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s("u"), PolicyArn: s(readOnly)}))
	must[*iam.AttachGroupPolicyOutput](t)(admin.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: s("g"), PolicyArn: s(readOnly)}))
	must[*iam.AttachRolePolicyOutput](t)(admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: s(readOnly)}))

	limited := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:AttachGroupPolicy","iam:AttachRolePolicy"],"Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"` + arn("other") + `"}}},
	 {"Effect":"Allow","Action":["iam:PutUserPermissionsBoundary","iam:PutRolePermissionsBoundary"],"Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":"` + arn("other") + `"}}}]}`
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: s("limited")}))
	must[*iam.PutUserPolicyOutput](t)(admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s("limited"), PolicyName: s("p"), PolicyDocument: s(limited)}))
	key := must[*iam.CreateAccessKeyOutput](t)(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("limited")})).AccessKey
	c := e.iam(aws.Credentials{AccessKeyID: *key.AccessKeyId, SecretAccessKey: *key.SecretAccessKey})

	before := entityState(t, admin, "u", "g", "r")
	newTags := []iamtypes.Tag{{Key: s("team"), Value: s("b")}}
	calls := map[string]func() error{
		"PutUserPolicy": func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s("u"), PolicyName: s("x"), PolicyDocument: s(allowS3)})
			return err
		},
		"PutGroupPolicy": func() error {
			_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: s("g"), PolicyName: s("x"), PolicyDocument: s(allowS3)})
			return err
		},
		"PutRolePolicy": func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s("r"), PolicyName: s("x"), PolicyDocument: s(allowS3)})
			return err
		},
		"GetUserPolicy": func() error {
			_, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: s("u"), PolicyName: s("keep")})
			return err
		},
		"GetGroupPolicy": func() error {
			_, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: s("g"), PolicyName: s("keep")})
			return err
		},
		"GetRolePolicy": func() error {
			_, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: s("r"), PolicyName: s("keep")})
			return err
		},
		"ListUserPolicies": func() error {
			_, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: s("u")})
			return err
		},
		"ListGroupPolicies": func() error {
			_, err := c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: s("g")})
			return err
		},
		"ListRolePolicies": func() error {
			_, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: s("r")})
			return err
		},
		"DeleteUserPolicy": func() error {
			_, err := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: s("u"), PolicyName: s("keep")})
			return err
		},
		"DeleteGroupPolicy": func() error {
			_, err := c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: s("g"), PolicyName: s("keep")})
			return err
		},
		"DeleteRolePolicy": func() error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: s("r"), PolicyName: s("keep")})
			return err
		},
		// Allowed only for arn("other").
		"AttachUserPolicy": func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s("u"), PolicyArn: s(arn("bnd"))})
			return err
		},
		"AttachGroupPolicy": func() error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: s("g"), PolicyArn: s(arn("bnd"))})
			return err
		},
		"AttachRolePolicy": func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: s(arn("bnd"))})
			return err
		},
		"DetachUserPolicy": func() error {
			_, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: s("u"), PolicyArn: s(readOnly)})
			return err
		},
		"DetachGroupPolicy": func() error {
			_, err := c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: s("g"), PolicyArn: s(readOnly)})
			return err
		},
		"DetachRolePolicy": func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: s("r"), PolicyArn: s(readOnly)})
			return err
		},
		"ListAttachedUserPolicies": func() error {
			_, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: s("u")})
			return err
		},
		"ListAttachedGroupPolicies": func() error {
			_, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: s("g")})
			return err
		},
		"ListAttachedRolePolicies": func() error {
			_, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: s("r")})
			return err
		},
		"TagUser": func() error {
			_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: s("u"), Tags: newTags})
			return err
		},
		"TagRole": func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: s("r"), Tags: newTags})
			return err
		},
		"UntagUser": func() error {
			_, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: s("u"), TagKeys: []string{"team"}})
			return err
		},
		"UntagRole": func() error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: s("r"), TagKeys: []string{"team"}})
			return err
		},
		"ListUserTags": func() error {
			_, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: s("u")})
			return err
		},
		"ListRoleTags": func() error {
			_, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: s("r")})
			return err
		},
		// Allowed only for arn("other").
		"PutUserPermissionsBoundary": func() error {
			_, err := c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: s("u"), PermissionsBoundary: s(readOnly)})
			return err
		},
		"PutRolePermissionsBoundary": func() error {
			_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: s("r"), PermissionsBoundary: s(readOnly)})
			return err
		},
		"DeleteUserPermissionsBoundary": func() error {
			_, err := c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: s("u")})
			return err
		},
		"DeleteRolePermissionsBoundary": func() error {
			_, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: s("r")})
			return err
		},
	}
	if len(calls) != 31 {
		t.Fatalf("%d operations, want 31", len(calls))
	}
	names := make([]string, 0, len(calls))
	for n := range calls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			msg := wantError(t, calls[n](), "AccessDenied", 403)
			contains(t, msg, "iam:"+n)
		})
	}
	if after := entityState(t, admin, "u", "g", "r"); after != before {
		t.Fatalf("denied calls changed state:\nbefore %s\nafter  %s", before, after)
	}

	// What the conditions allow.
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s("u"), PolicyArn: s(arn("other"))}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: s("g"), PolicyArn: s(arn("other"))}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: s(arn("other"))}))
	must[*iam.PutUserPermissionsBoundaryOutput](t)(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: s("u"), PermissionsBoundary: s(arn("other"))}))
	must[*iam.PutRolePermissionsBoundaryOutput](t)(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: s("r"), PermissionsBoundary: s(arn("other"))}))
	want := strings.NewReplacer(
		"attached=["+readOnly+"]", "attached=["+arn("other")+" "+readOnly+"]",
		"boundary="+arn("bnd"), "boundary="+arn("other")).Replace(before)
	if got := entityState(t, admin, "u", "g", "r"); got != want {
		t.Fatalf("allowed calls:\ngot  %s\nwant %s", got, want)
	}
}

// An entity with no attached policy is answered with an empty
// AttachedPolicies element, not without one: "if there are no policies
// attached to the specified role (or none that match the specified path
// prefix), the operation returns an empty list" (the IAM API Reference,
// ListAttachedRolePolicies; the member is optional in the botocore model
// iam/2010-05-08, ListAttachedRolePoliciesResponse).
func TestListAttachedPoliciesWritesAnEmptyList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	s := aws.String
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: s("u")}))
	must[*iam.CreateGroupOutput](t)(admin.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: s("g")}))
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("r"), AssumeRolePolicyDocument: s(trustAccount)}))
	must[*iam.AttachRolePolicyOutput](t)(admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: s("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	for _, q := range []string{
		"Action=ListAttachedUserPolicies&UserName=u",
		"Action=ListAttachedGroupPolicies&GroupName=g",
		"Action=ListAttachedRolePolicies&RoleName=r&PathPrefix=/service-role/",
	} {
		res, err := http.DefaultClient.Do(signed(t, e.ts.URL+"/", q+"&Version=2010-05-08", e.admin, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), "<AttachedPolicies></AttachedPolicies><IsTruncated>false</IsTruncated>") {
			t.Errorf("%s: %d %s", q, res.StatusCode, body)
		}
	}
}
