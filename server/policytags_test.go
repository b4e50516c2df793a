package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Tags on customer managed policies and instance profiles, through the real
// server with SigV4: added (keys replace ignoring case), listed, removed;
// another account's admin and a user without permission are denied before
// the entity's existence is revealed. The NoSuchEntity messages are the
// ones GetPolicy and GetInstanceProfile already answer (AWS's).
func TestPolicyAndInstanceProfileTags(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("tp"),
		PolicyDocument: aws.String(allow("s3:GetObject")), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))
	arn := p.Policy.Arn
	must[*iam.TagPolicyOutput](t)(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn,
		Tags: []iamtypes.Tag{{Key: aws.String("TEAM"), Value: aws.String("b")}, {Key: aws.String("env"), Value: aws.String("dev")}}}))
	lt := must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}))
	if got := tagString(lt.Tags); got != "TEAM=b,env=dev" {
		t.Fatalf("policy tags %s", got)
	}
	must[*iam.UntagPolicyOutput](t)(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team"}}))
	lt = must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}))
	if got := tagString(lt.Tags); got != "env=dev" {
		t.Fatalf("policy tags after untag %s", got)
	}
	gp := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))
	if got := tagString(gp.Policy.Tags); got != "env=dev" {
		t.Fatalf("GetPolicy tags %s", got)
	}
	_, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/none"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantError(t, err, "NoSuchEntity", 404)

	must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")}))
	must[*iam.TagInstanceProfileOutput](t)(c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("ip"),
		Tags: []iamtypes.Tag{{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("v2")}}}))
	must[*iam.UntagInstanceProfileOutput](t)(c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("ip"), TagKeys: []string{"K1"}}))
	li := must[*iam.ListInstanceProfileTagsOutput](t)(c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("ip")}))
	if got := tagString(li.Tags); got != "k2=v2" {
		t.Fatalf("profile tags %s", got)
	}
	_, err = c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("none")})
	wantError(t, err, "NoSuchEntity", 404)

	// Another account's administrator names this account's policy by ARN:
	// denied (the ARN is not in its account); its own account has no "ip".
	b := e.iam(adminB)
	_, err = b.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn})
	wantError(t, err, "AccessDenied", 403)
	_, err = b.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("ip")})
	wantError(t, err, "NoSuchEntity", 404)

	// A user without permission learns nothing: the same denial for a
	// profile that exists and one that does not.
	keys := aaUsers(t, e, map[string]string{"nobody": allow("iam:GetUser")})
	n := e.iam(keys["nobody"])
	for _, name := range []string{"ip", "none"} {
		_, err = n.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String(name), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
		wantError(t, err, "AccessDenied", 403)
	}
	for _, ref := range []string{*arn, "arn:aws:iam::123456789012:policy/none"} {
		_, err = n.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(ref), TagKeys: []string{"env"}})
		wantError(t, err, "AccessDenied", 403)
	}
	lt = must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}))
	if got := tagString(lt.Tags); got != "env=dev" {
		t.Fatalf("policy tags after denied untag %s", got)
	}
}

func tagString(tags []iamtypes.Tag) string {
	s := ""
	for i, t := range tags {
		if i > 0 {
			s += ","
		}
		s += *t.Key + "=" + *t.Value
	}
	return s
}

// TestPolicyAndInstanceProfileTagConditions: a policy's and an instance
// profile's tags are aws:ResourceTag/* of requests on them (the Service
// Authorization Reference, IAM: the policy and instance-profile resource
// types take aws:ResourceTag/${TagKey}; the TagInstanceProfile API page:
// "You can use tags to restrict access to only an IAM instance profile
// that has a specified tag attached"). A Deny on a tag holds, and an
// Allow on a tag admits only what carries it.
func TestPolicyAndInstanceProfileTagConditions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	tag := []iamtypes.Tag{{Key: aws.String("protected"), Value: aws.String("yes")}}
	for _, name := range []string{"kept", "free"} {
		in := &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(allow("s3:GetObject"))}
		pin := &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}
		if name == "kept" {
			in.Tags, pin.Tags = tag, tag
		}
		must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, in))
		must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, pin))
	}
	guard := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},` +
		`{"Effect":"Deny","Action":["iam:DeletePolicy","iam:DeleteInstanceProfile"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"yes"}}}]}`
	only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetPolicy","iam:GetInstanceProfile"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"yes"}}}]}`
	keys := aaUsers(t, e, map[string]string{"guarded": guard, "tagged": only})
	g, o := e.iam(keys["guarded"]), e.iam(keys["tagged"])
	arnOf := func(name string) *string { return aws.String("arn:aws:iam::123456789012:policy/" + name) }

	_, err := g.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arnOf("kept")})
	wantError(t, err, "AccessDenied", 403)
	_, err = g.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("kept")})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.GetPolicyOutput](t)(o.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arnOf("kept")}))
	must[*iam.GetInstanceProfileOutput](t)(o.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("kept")}))
	_, err = o.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arnOf("free")})
	wantError(t, err, "AccessDenied", 403)
	_, err = o.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("free")})
	wantError(t, err, "AccessDenied", 403)

	// Tags added and removed later count from the next request on.
	must[*iam.TagPolicyOutput](t)(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arnOf("free"), Tags: tag}))
	must[*iam.TagInstanceProfileOutput](t)(c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("free"), Tags: tag}))
	must[*iam.GetPolicyOutput](t)(o.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arnOf("free")}))
	must[*iam.GetInstanceProfileOutput](t)(o.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("free")}))
	must[*iam.UntagPolicyOutput](t)(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arnOf("kept"), TagKeys: []string{"protected"}}))
	must[*iam.UntagInstanceProfileOutput](t)(c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("kept"), TagKeys: []string{"protected"}}))
	must[*iam.DeletePolicyOutput](t)(g.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arnOf("kept")}))
	must[*iam.DeleteInstanceProfileOutput](t)(g.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("kept")}))

	// A virtual MFA device's tags likewise (resource type mfa).
	kept := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("kept"), Tags: tag}))
	free := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("free")}))
	mfaGuard := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},` +
		`{"Effect":"Deny","Action":["iam:DeleteVirtualMFADevice","iam:ListMFADeviceTags"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"yes"}}}]}`
	mg := e.iam(aaUsers(t, e, map[string]string{"mfaguard": mfaGuard})["mfaguard"])
	_, err = mg.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: kept.VirtualMFADevice.SerialNumber})
	wantError(t, err, "AccessDenied", 403)
	_, err = mg.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: kept.VirtualMFADevice.SerialNumber})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.ListMFADeviceTagsOutput](t)(mg.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: free.VirtualMFADevice.SerialNumber}))
	must[*iam.DeleteVirtualMFADeviceOutput](t)(mg.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: free.VirtualMFADevice.SerialNumber}))
}
