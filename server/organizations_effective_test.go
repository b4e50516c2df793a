package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgEffectivePolicyTest drives DescribeEffectivePolicy (run from
// TestOrganizationSCP). The policies and the effective policy are the
// Organizations User Guide's "Policy inheritance examples" 2 and 3 (A at
// the root, C at the member's OU, D at the member; the merge itself is
// tested with every example in api/organizations/inherit); the errors are
// the operation's in botocore organizations/2016-11-28, whose
// documentation says it may be called "from any account in a
// organization", that TargetId is an account (a root or an OU "is not
// supported") and that the management account names the account.
func orgEffectivePolicyTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String
	tag := orgtypes.EffectivePolicyTypeTagPolicy

	_, err := oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("OU2")})).OrganizationalUnit.Id
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("m@example.com"), AccountName: s("m")})).CreateAccountStatus.AccountId
	must[*organizations.MoveAccountOutput](t)(oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &member, SourceParentId: &root, DestinationParentId: &ou}))

	// The type is not enabled: EffectivePolicyNotFoundException ("If you
	// ran this action on the management account, this policy type is not
	// enabled"); enabled with nothing attached, the same.
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})
	wantError(t, err, "EffectivePolicyNotFoundException", 400)
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeTagPolicy}))
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})
	wantError(t, err, "EffectivePolicyNotFoundException", 400)

	attach := func(name, content, target string) {
		p := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s(name), Description: s(""),
			Type: orgtypes.PolicyTypeTagPolicy, Content: s(content)})).Policy.PolicySummary.Id
		must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p, TargetId: &target}))
	}
	attach("A", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Development","Support"]}}}}`, root)
	attach("C", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@append":["Marketing"]},"enforced_for":{"@@append":["redshift:*","dynamodb:table"]}}}}`, ou)
	// Another type's policy at the member changes nothing of TAG_POLICY.
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeBackupPolicy}))
	bp := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("bk"), Description: s(""),
		Type: orgtypes.PolicyTypeBackupPolicy, Content: s(`{"plans":{"p":{"regions":{"@@assign":["eu-west-1"]}}}}`)})).Policy.PolicySummary.Id
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: bp, TargetId: &member}))

	got := must[*organizations.DescribeEffectivePolicyOutput](t)(oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})).EffectivePolicy
	if want := `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support","Marketing"],"enforced_for":["redshift:*","dynamodb:table"]}}}`; *got.PolicyContent != want ||
		*got.TargetId != member || got.PolicyType != tag || got.LastUpdatedTimestamp == nil {
		t.Fatalf("example 2: %+v %s", got, *got.PolicyContent)
	}
	attach("D", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@remove":["Development","Marketing"]},"enforced_for":{"@@remove":["redshift:*","dynamodb:table"]}}}}`, member)
	got = must[*organizations.DescribeEffectivePolicyOutput](t)(oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})).EffectivePolicy
	if want := `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Support"]}}}`; *got.PolicyContent != want {
		t.Fatalf("example 3: %s", *got.PolicyContent)
	}
	// Without a target, the caller's account: the management account,
	// which inherits the root's A alone.
	got = must[*organizations.DescribeEffectivePolicyOutput](t)(oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag})).EffectivePolicy
	if *got.TargetId != "123456789012" || *got.PolicyContent != `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support"]}}}` {
		t.Fatalf("management account: %s %s", *got.TargetId, *got.PolicyContent)
	}
	backup := must[*organizations.DescribeEffectivePolicyOutput](t)(oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeBackupPolicy, TargetId: &member})).EffectivePolicy
	if *backup.PolicyContent != `{"plans":{"p":{"regions":["eu-west-1"]}}}` {
		t.Fatalf("backup: %s", *backup.PolicyContent)
	}
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeBackupPolicy})
	wantError(t, err, "EffectivePolicyNotFoundException", 400)

	// A root or an OU is not a target; an account outside the
	// organization is not found.
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &root})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &ou})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: s("111122223333")})
	wantError(t, err, "TargetNotFoundException", 400)
	// SCPs and RCPs have no effective policy (the model's
	// EffectivePolicyType leaves them out).
	_, err = oc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: "SERVICE_CONTROL_POLICY", TargetId: &member})
	wantError(t, err, "InvalidInputException", 400)

	// The member account sees its own, and not the management account's.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	mc := e.org(session(out.Credentials))
	got = must[*organizations.DescribeEffectivePolicyOutput](t)(mc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag})).EffectivePolicy
	if *got.TargetId != member || *got.PolicyContent != `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Support"]}}}` {
		t.Fatalf("member's own: %s %s", *got.TargetId, *got.PolicyContent)
	}
	_, err = mc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: s("123456789012")})
	wantError(t, err, "AccessDeniedException", 400)
	// A principal of the member without permission is denied its own.
	must[*iam.CreateUserOutput](t)(e.iam(session(out.Credentials)).CreateUser(ctx, &iam.CreateUserInput{UserName: s("nobody")}))
	k, kerr := e.srv.Keys().CreateAccessKey(ctx, member, "nobody")
	if kerr != nil {
		t.Fatal(kerr)
	}
	_, err = e.org(aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}).DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag})
	wantError(t, err, "AccessDeniedException", 400)

	// Authorized on the account's ARN with organizations:PolicyType (the
	// Service Authorization Reference) before anything is looked up.
	acctARN := func(id string) string {
		return "arn:aws:organizations::123456789012:account/" + *must[*organizations.DescribeOrganizationOutput](t)(oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})).Organization.Id + "/" + id
	}
	keys := aaUsers(t, e, map[string]string{"nobody": "",
		"one-account": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeEffectivePolicy","Resource":"` + acctARN(member) + `"}]}`,
		"backup-only": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeEffectivePolicy","Resource":"*","Condition":{"StringEquals":{"organizations:PolicyType":"BACKUP_POLICY"}}}]}`})
	nc := e.org(keys["nobody"])
	_, err = nc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: s("111122223333")})
	wantError(t, err, "AccessDeniedException", 400)
	one := e.org(keys["one-account"])
	must[*organizations.DescribeEffectivePolicyOutput](t)(one.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member}))
	_, err = one.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag})
	wantError(t, err, "AccessDeniedException", 400)
	bo := e.org(keys["backup-only"])
	must[*organizations.DescribeEffectivePolicyOutput](t)(bo.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeBackupPolicy, TargetId: &member}))
	_, err = bo.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: tag, TargetId: &member})
	wantError(t, err, "AccessDeniedException", 400)
}
