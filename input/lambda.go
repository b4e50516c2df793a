package input

import (
	"encoding/json"
	"strings"
)

// lambdaPermission is what an AWS::Lambda::Permission or aws_lambda_permission
// says; Lambda turns it into one statement of the function's resource policy.
type lambdaPermission struct {
	sid, function, principal                     string
	action                                       any
	sourceArn, sourceAccount, orgID, urlAuthType string
}

// lambdaPermissionPolicy renders the function policy statement a permission
// adds (the Lambda Developer Guide, "Working with resource-based IAM policies
// in Lambda").
func lambdaPermissionPolicy(p lambdaPermission) ([]byte, bool) {
	if p.function == "" {
		return nil, false
	}
	fn := p.function
	if !strings.HasPrefix(fn, "arn:") {
		fn = arnFor("AWS::Lambda::Function", fn)
	}
	stmt := map[string]any{"Effect": "Allow", "Action": p.action, "Resource": fn}
	if p.sid != "" {
		stmt["Sid"] = p.sid
	}
	switch {
	case p.principal == "*":
		stmt["Principal"] = "*"
	case strings.HasSuffix(p.principal, ".amazonaws.com") || strings.HasSuffix(p.principal, ".amazonaws.com.cn"):
		stmt["Principal"] = map[string]any{"Service": p.principal}
	default:
		stmt["Principal"] = map[string]any{"AWS": p.principal}
	}
	cond := map[string]any{}
	if p.sourceArn != "" {
		cond["ArnLike"] = map[string]any{"AWS:SourceArn": p.sourceArn}
	}
	eq := map[string]any{}
	if p.sourceAccount != "" {
		eq["AWS:SourceAccount"] = p.sourceAccount
	}
	if p.orgID != "" {
		eq["aws:PrincipalOrgID"] = p.orgID
	}
	if p.urlAuthType != "" {
		eq["lambda:FunctionUrlAuthType"] = p.urlAuthType
	}
	if len(eq) > 0 {
		cond["StringEquals"] = eq
	}
	if len(cond) > 0 {
		stmt["Condition"] = cond
	}
	data, _ := json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}}, "", "  ")
	return data, true
}
