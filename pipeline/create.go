package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// CreateRequest is an accepted policy to create.
type CreateRequest struct {
	Account string
	// Role is the central role to assume in Account, from the guardrails
	// that checked the policy (empty: DefaultCentralRole).
	Role                    string
	Name, Description, Body string
}

// Creator creates an accepted policy in its account.
type Creator interface {
	CreatePolicy(ctx context.Context, req CreateRequest) (arn string, err error)
}

// AWSCreator creates policies the way the seed's Lambda function does:
// with its own credentials it calls STS AssumeRole on the central role of
// the target account (900 seconds), then IAM CreatePolicy with the session.
// Against iamgate, Endpoint is the server's URL; empty means AWS.
type AWSCreator struct {
	// Credentials are the pipeline principal's (a role session in the
	// security account).
	Credentials aws.CredentialsProvider
	Endpoint    string
	HTTPClient  aws.HTTPClient
	Region      string
	// SessionName defaults to the seed's SecurityManageAccountPermissions.
	SessionName string
}

// CreateError says which step failed, with AWS's error code.
type CreateError struct {
	Step string // "assume-role" or "create-policy"
	ARN  string // the role or policy
	Code string
	Err  error
}

func (e *CreateError) Error() string {
	switch e.Step {
	case "assume-role":
		return fmt.Sprintf("the pipeline could not assume %s, so nothing was created: %v", e.ARN, e.Err)
	}
	return fmt.Sprintf("creating %s failed: %v", e.ARN, e.Err)
}

func (e *CreateError) Unwrap() error { return e.Err }

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// CreatePolicy implements Creator.
func (c *AWSCreator) CreatePolicy(ctx context.Context, req CreateRequest) (string, error) {
	account, name, description, document := req.Account, req.Name, req.Description, req.Body
	role, session := req.Role, c.SessionName
	if role == "" {
		role = DefaultCentralRole
	}
	if session == "" {
		session = "SecurityManageAccountPermissions"
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	var endpoint *string
	if c.Endpoint != "" {
		endpoint = aws.String(c.Endpoint)
	}
	roleARN := "arn:aws:iam::" + account + ":role/" + role
	stsc := sts.New(sts.Options{Region: region, Credentials: c.Credentials, BaseEndpoint: endpoint, HTTPClient: c.HTTPClient, Retryer: aws.NopRetryer{}})
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session), DurationSeconds: aws.Int32(900)})
	if err != nil {
		return "", &CreateError{Step: "assume-role", ARN: roleARN, Code: code(err), Err: err}
	}
	cr := out.Credentials
	creds := credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	iamc := iam.New(iam.Options{Region: region, Credentials: creds, BaseEndpoint: endpoint, HTTPClient: c.HTTPClient, Retryer: aws.NopRetryer{}})
	in := &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(document)}
	if description != "" {
		in.Description = aws.String(description)
	}
	res, err := iamc.CreatePolicy(ctx, in)
	if err != nil {
		return "", &CreateError{Step: "create-policy", ARN: "arn:aws:iam::" + account + ":policy/" + name, Code: code(err), Err: err}
	}
	return aws.ToString(res.Policy.Arn), nil
}
