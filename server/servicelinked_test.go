package server_test

import (
	"context"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
)

const (
	autoScaling = "autoscaling.amazonaws.com"
	elb         = "elasticloadbalancing.amazonaws.com"
)

// deletionTask is the form of a deletion task ID: the IAM API Reference,
// DeleteServiceLinkedRole ("task/aws-service-role/<service-principal-name>/
// <role-name>/<task-uuid>").
var deletionTask = regexp.MustCompile(`^task/aws-service-role/([^/]+)/([^/]+)/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// CreateServiceLinkedRole through the real server. Sources: the IAM API
// Reference (CreateServiceLinkedRole: the role at /aws-service-role/SERVICE/,
// CustomSuffix "combined with the service-provided prefix"), the EC2 Auto
// Scaling User Guide ("Service-linked roles for Amazon EC2 Auto Scaling":
// AWSServiceRoleForAutoScaling, AWSServiceRoleForAutoScaling_mysuffix,
// AutoScalingServiceRolePolicy), IAM's message for a taken name (real
// output quoted in Rayraegah/terraform-aws-hasura#17, DataDog/
// pathfinding-labs#23 and the AWS Batch User Guide: "InvalidInput: Service
// role name AWSServiceRoleForECS has been taken in this account, please try
// a different suffix.", status code 400) and for a suffix the service does
// not take (pplu/cfn-elasticsearch: "Custom suffix is not allowed for
// es.amazonaws.com").
func TestServiceLinkedRoleCreate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	out := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String(autoScaling), Description: aws.String("Default Auto Scaling role")}))
	r := out.Role
	if *r.RoleName != "AWSServiceRoleForAutoScaling" || *r.Path != "/aws-service-role/autoscaling.amazonaws.com/" ||
		*r.Arn != "arn:aws:iam::"+accountA+":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" ||
		!strings.HasPrefix(*r.RoleId, "AROA") || aws.ToString(r.Description) != "Default Auto Scaling role" || r.CreateDate == nil {
		t.Fatalf("role: %+v", r)
	}
	trust, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil || trust != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"autoscaling.amazonaws.com"},"Action":"sts:AssumeRole"}]}` {
		t.Fatalf("trust policy %q (%v)", trust, err)
	}
	att := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: r.RoleName}))
	if len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy" {
		t.Fatalf("attached: %+v", att.AttachedPolicies)
	}
	got := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: r.RoleName}))
	if *got.Role.Arn != *r.Arn {
		t.Fatalf("GetRole: %s", *got.Role.Arn)
	}

	// The same role again is IAM's InvalidInput, and changes nothing.
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling)})
	if msg := wantError(t, err, "InvalidInput", 400); msg != "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix." {
		t.Fatalf("message %q", msg)
	}
	// Auto Scaling takes a suffix, joined with "_".
	sfx := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("web")}))
	if *sfx.Role.RoleName != "AWSServiceRoleForAutoScaling_web" || *sfx.Role.Path != "/aws-service-role/autoscaling.amazonaws.com/" {
		t.Fatalf("suffixed role: %+v", sfx.Role)
	}
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("web")})
	if msg := wantError(t, err, "InvalidInput", 400); msg != "Service role name AWSServiceRoleForAutoScaling_web has been taken in this account, please try a different suffix." {
		t.Fatalf("message %q", msg)
	}
	// Elastic Load Balancing takes none; an unknown service is refused.
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(elb), CustomSuffix: aws.String("x")})
	if msg := wantError(t, err, "InvalidInput", 400); msg != "Custom suffix is not allowed for elasticloadbalancing.amazonaws.com" {
		t.Fatalf("message %q", msg)
	}
	for _, svc := range []string{"nosuchservice.amazonaws.com", "AutoScaling.amazonaws.com"} {
		_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(svc)})
		wantError(t, err, "InvalidInput", 400)
	}
	// The model's pattern ([\w+=,.@-]+) is checked at the edge.
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("a/b.amazonaws.com")})
	wantError(t, err, "ValidationError", 400)
	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-service-role/")}))
	if len(roles.Roles) != 2 {
		t.Fatalf("service-linked roles: %d, want 2", len(roles.Roles))
	}
}

// A service-linked role "can be modified only by the service" (IAM User
// Guide, "Create a service-linked role"): a role CreateServiceLinkedRole
// made refuses the ordinary role changes with IAM's UnmodifiableEntity (the
// wording quoted in gruntwork-io/cloud-nuke#880 and rebuy-de/aws-nuke#331;
// server/protected_test.go checks every protected action), and stays as it
// was.
func TestServiceLinkedRoleIsProtected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(elb)}))
	name := aws.String("AWSServiceRoleForElasticLoadBalancing")
	want := "Cannot perform the operation on the protected role 'AWSServiceRoleForElasticLoadBalancing' - this role is only modifiable by AWS"
	for op, call := range map[string]func() error{
		"UpdateAssumeRolePolicy": func() error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(trustAccount)})
			return err
		},
		"PutRolePolicy": func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("x"), PolicyDocument: aws.String(allowAll)})
			return err
		},
		"AttachRolePolicy": func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		},
		"DetachRolePolicy": func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String("arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy")})
			return err
		},
		"DeleteRole": func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
			return err
		},
	} {
		if msg := wantError(t, call(), "UnmodifiableEntity", 400); msg != want {
			t.Errorf("%s: message %q, want %q", op, msg, want)
		}
	}
	r := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))
	trust, _ := url.QueryUnescape(*r.Role.AssumeRolePolicyDocument)
	if !strings.Contains(trust, `"Service":"elasticloadbalancing.amazonaws.com"`) {
		t.Fatalf("trust policy changed: %s", trust)
	}
	att := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name}))
	inl := must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: name}))
	if len(att.AttachedPolicies) != 1 || len(inl.PolicyNames) != 0 {
		t.Fatalf("policies changed: %+v %v", att.AttachedPolicies, inl.PolicyNames)
	}
}

// DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus (IAM API
// Reference): the task ID's form, SUCCEEDED for it (iamgate deletes at
// once), NoSuchEntity for a task not made for this account (AWS's answer
// for a task it does not know, gruntwork-io/cloud-nuke#1143), InvalidInput
// for an ID not of the form, NoSuchEntity for a role that is not
// service-linked (iamgate's choice; README).
func TestServiceLinkedRoleDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("x")}))
	must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("AWSServiceRoleForAutoScaling_x")}))
	del := must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling_x")}))
	task := *del.DeletionTaskId
	if m := deletionTask.FindStringSubmatch(task); m == nil || m[1] != autoScaling || m[2] != "AWSServiceRoleForAutoScaling_x" {
		t.Fatalf("task ID %q", task)
	}
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling_x")})
	wantError(t, err, "NoSuchEntity", 404)
	ip := must[*iam.GetInstanceProfileOutput](t)(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")}))
	if len(ip.InstanceProfile.Roles) != 0 {
		t.Fatalf("the instance profile still holds %+v", ip.InstanceProfile.Roles)
	}
	st := must[*iam.GetServiceLinkedRoleDeletionStatusOutput](t)(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: &task}))
	if st.Status != "SUCCEEDED" || st.Reason != nil {
		t.Fatalf("status %s %+v", st.Status, st.Reason)
	}
	// The same name can be made again, and its next deletion is another task.
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("x")}))
	again := must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling_x")}))
	if *again.DeletionTaskId == task {
		t.Fatal("two deletions share a task ID")
	}

	// A task ID of the form that this server did not make: another UUID,
	// another role in it.
	forged := []string{
		task[:len(task)-12] + "000000000000",
		strings.Replace(task, "AWSServiceRoleForAutoScaling_x", "AWSServiceRoleForAutoScaling_y", 1),
	}
	for _, id := range forged {
		_, err = c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
		wantError(t, err, "NoSuchEntity", 404)
	}
	for _, id := range []string{"task", "task/aws-service-role/x/y", "deletion/aws-service-role/" + autoScaling + "/r/" + task[len(task)-36:], task + "/more", task[:len(task)-1] + "g"} {
		_, err = c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
		wantError(t, err, "InvalidInput", 400)
	}

	// Only service-linked roles: an ordinary role stays.
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("plain"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	for n, want := range map[string]string{"plain": "The service-linked role with name plain cannot be found.", "missing": "The role with name missing cannot be found."} {
		_, err = c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(n)})
		if msg := wantError(t, err, "NoSuchEntity", 404); msg != want {
			t.Errorf("message %q, want %q", msg, want)
		}
	}
	must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("plain")}))
}

// CreateRole cannot place a role under /aws-service-role/, where roles are
// service-linked (and exempt from SCPs and RCPs): IAM's InvalidInput "Path
// prefix '/aws-service-role/' can only be used for AWS Service linked
// Roles" (real output quoted in tilfin/aws-iam-policy-tool#9), before
// anything else, and nothing is created.
func TestServiceLinkedRolePathIsReserved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	for _, p := range []string{"/aws-service-role/", "/aws-service-role/support.amazonaws.com/", "/aws-service-role/a/b/"} {
		_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AWSServiceRoleForSupport"), Path: aws.String(p), AssumeRolePolicyDocument: aws.String(trustAccount)})
		if msg := wantError(t, err, "InvalidInput", 400); msg != "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles" {
			t.Errorf("%s: message %q", p, msg)
		}
	}
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForSupport")})
	wantError(t, err, "NoSuchEntity", 404)
	// Elsewhere the path is an ordinary one.
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String("/aws-service-roles/"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
}

// Authorization (the Service Authorization Reference, IAM:
// iam:CreateServiceLinkedRole on the role with iam:AWSServiceName;
// iam:DeleteServiceLinkedRole and iam:GetServiceLinkedRoleDeletionStatus on
// the role): a caller without permission is denied and nothing changes; a
// caller allowed one service by iam:AWSServiceName, or one role ARN, gets
// no other; another account sees neither this account's roles nor its
// deletion tasks.
func TestServiceLinkedRoleAuthorization(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling)}))
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("gone")}))
	task := *must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling_gone")})).DeletionTaskId

	nobody := e.iam(e.newUser("nobody", ""))
	_, err := nobody.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(elb)})
	msg := wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "is not authorized to perform: iam:CreateServiceLinkedRole on resource: arn:aws:iam::"+accountA+":role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing")
	_, err = nobody.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})
	wantError(t, err, "AccessDenied", 403)
	_, err = nobody.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: &task})
	msg = wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "iam:GetServiceLinkedRoleDeletionStatus on resource: arn:aws:iam::"+accountA+":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_gone")

	// iam:AWSServiceName limits the services; a resource ARN limits the roles.
	limited := e.iam(e.newUser("elb-admin", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"elasticloadbalancing.amazonaws.com"}}},
		{"Effect":"Allow","Action":["iam:DeleteServiceLinkedRole","iam:GetServiceLinkedRoleDeletionStatus"],"Resource":"arn:aws:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*"}]}`))
	_, err = limited.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling), CustomSuffix: aws.String("mine")})
	wantError(t, err, "AccessDenied", 403)
	_, err = limited.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})
	wantError(t, err, "AccessDenied", 403)
	_, err = limited.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: &task})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.CreateServiceLinkedRoleOutput](t)(limited.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(elb)}))
	own := must[*iam.DeleteServiceLinkedRoleOutput](t)(limited.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForElasticLoadBalancing")}))
	must[*iam.GetServiceLinkedRoleDeletionStatusOutput](t)(limited.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: own.DeletionTaskId}))
	must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")}))

	// Account B: A's role name names nothing in B, A's task is unknown in
	// B, and B's own role of the same name is B's.
	cb := e.iam(adminB)
	_, err = cb.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})
	wantError(t, err, "NoSuchEntity", 404)
	_, err = cb.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: &task})
	wantError(t, err, "NoSuchEntity", 404)
	mine := must[*iam.CreateServiceLinkedRoleOutput](t)(cb.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling)}))
	if strings.Contains(*mine.Role.Arn, accountA) {
		t.Fatalf("B's role is %s", *mine.Role.Arn)
	}
	must[*iam.DeleteServiceLinkedRoleOutput](t)(cb.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")}))
	must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")}))
}

// A service-linked role and a deletion task outlive a restart on the same
// store and master key: the role is kept with its path and policy, still
// protected, and the task still answers SUCCEEDED (it is checked by its
// keyed digest, not looked up).
func TestServiceLinkedRoleSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamgate.db")
	open := func() store.Store {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	c := e.iam(admin)
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(elb)}))
	must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(autoScaling)}))
	task := must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})).DeletionTaskId
	e.ts.Close()
	st.Close()

	st = open()
	defer st.Close()
	c = startEnv(t, st).iam(admin)
	r := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForElasticLoadBalancing")}))
	if *r.Role.Path != "/aws-service-role/elasticloadbalancing.amazonaws.com/" {
		t.Fatalf("path after restart: %s", *r.Role.Path)
	}
	att := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: r.Role.RoleName}))
	if len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyName != "AWSElasticLoadBalancingServiceRolePolicy" {
		t.Fatalf("attached after restart: %+v", att.AttachedPolicies)
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: r.Role.RoleName})
	wantError(t, err, "UnmodifiableEntity", 400)
	s := must[*iam.GetServiceLinkedRoleDeletionStatusOutput](t)(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: task}))
	if s.Status != "SUCCEEDED" {
		t.Fatalf("status after restart: %s", s.Status)
	}
}

// Application Auto Scaling's role for custom resources: "The following
// service-linked role is automatically created ...
// AWSServiceRoleForApplicationAutoScaling_CustomResource", trusting
// custom-resource.application-autoscaling.amazonaws.com (the Application
// Auto Scaling User Guide, "Custom resources and Application Auto
// Scaling"), with the service-linked role policy
// AWSApplicationAutoScalingCustomResourcePolicy (AWS Managed Policy
// Reference). moto's test_create_service_linked_role creates it.
func TestServiceLinkedRoleApplicationAutoScalingCustomResource(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	const svc = "custom-resource.application-autoscaling.amazonaws.com"
	r := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(svc)})).Role
	if *r.RoleName != "AWSServiceRoleForApplicationAutoScaling_CustomResource" || *r.Path != "/aws-service-role/"+svc+"/" {
		t.Fatalf("role: %s at %s", *r.RoleName, *r.Path)
	}
	att := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: r.RoleName}))
	if len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != "arn:aws:iam::aws:policy/aws-service-role/AWSApplicationAutoScalingCustomResourcePolicy" {
		t.Fatalf("attached: %+v", att.AttachedPolicies)
	}
}
