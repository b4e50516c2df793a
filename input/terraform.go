package input

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// tfRule says which attribute of a Terraform resource type holds a policy.
type tfRule struct {
	attr       string // "inline_policy.*.policy" steps into list elements
	policyType string
}

var tfRules = map[string][]tfRule{
	"aws_iam_policy":                     {{"policy", "identity"}},
	"aws_iam_role":                       {{"assume_role_policy", "trust"}, {"inline_policy.*.policy", "identity"}},
	"aws_iam_role_policy":                {{"policy", "identity"}},
	"aws_iam_user_policy":                {{"policy", "identity"}},
	"aws_iam_group_policy":               {{"policy", "identity"}},
	"aws_s3_bucket_policy":               {{"policy", "resource"}},
	"aws_s3_access_point":                {{"policy", "resource"}},
	"aws_kms_key":                        {{"policy", "resource"}},
	"aws_sqs_queue":                      {{"policy", "resource"}},
	"aws_sqs_queue_policy":               {{"policy", "resource"}},
	"aws_sns_topic":                      {{"policy", "resource"}},
	"aws_sns_topic_policy":               {{"policy", "resource"}},
	"aws_ecr_repository_policy":          {{"policy", "resource"}},
	"aws_secretsmanager_secret":          {{"policy", "resource"}},
	"aws_secretsmanager_secret_policy":   {{"policy", "resource"}},
	"aws_cloudwatch_log_resource_policy": {{"policy_document", "resource"}},
	"aws_api_gateway_rest_api_policy":    {{"policy", "resource"}},
	"aws_api_gateway_rest_api":           {{"policy", "resource"}},
	"aws_glue_resource_policy":           {{"policy", "resource"}},
	"aws_opensearch_domain_policy":       {{"access_policies", "resource"}},
	"aws_elasticsearch_domain_policy":    {{"access_policies", "resource"}},
	"aws_efs_file_system_policy":         {{"policy", "resource"}},
	"aws_backup_vault_policy":            {{"policy", "resource"}},
	"aws_cloudwatch_event_bus_policy":    {{"policy", "resource"}},
	"aws_organizations_policy":           {{"content", "organizations"}},
}

type tfModule struct {
	Resources []struct {
		Address string         `json:"address"`
		Mode    string         `json:"mode"`
		Type    string         `json:"type"`
		Values  map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []tfModule `json:"child_modules"`
}

func terraformPlan(name string, data []byte) ([]Document, error) {
	var plan struct {
		PlannedValues struct {
			RootModule tfModule `json:"root_module"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(data, &plan); err != nil {
		return nil, errorf(name, "not a valid Terraform plan: %v", err)
	}
	var out []Document
	var visit func(m tfModule)
	visit = func(m tfModule) {
		for _, r := range m.Resources {
			if r.Mode == "data" {
				continue
			}
			rules := tfRules[r.Type]
			if r.Type == "aws_lambda_permission" {
				if d, ok := tfLambdaPermission(name, data, r.Address, r.Values); ok {
					out = append(out, d)
				}
				continue
			}
			for _, rule := range rules {
				for _, f := range tfValues(r.Values, strings.Split(rule.attr, "."), "") {
					s, ok := f.value.(string)
					if !ok || strings.TrimSpace(s) == "" {
						continue // unknown until apply, or empty
					}
					ptype := rule.policyType
					if ptype == "organizations" {
						ptype = "scp"
						if t, _ := r.Values["type"].(string); t == "RESOURCE_CONTROL_POLICY" {
							ptype = "rcp"
						}
					}
					line, col := addressPosition(data, r.Address)
					out = append(out, Document{File: name, Resource: r.Address + "." + f.path, Type: ptype, Data: []byte(s), Line: line, Column: col})
				}
			}
		}
		for _, c := range m.ChildModules {
			visit(c)
		}
	}
	visit(plan.PlannedValues.RootModule)
	return out, nil
}

type tfFound struct {
	value any
	path  string
}

func tfValues(v any, path []string, at string) []tfFound {
	if len(path) == 0 {
		return []tfFound{{v, at}}
	}
	join := func(p string) string {
		if at == "" {
			return p
		}
		return at + "." + p
	}
	if path[0] == "*" {
		l, _ := v.([]any)
		var out []tfFound
		for i, e := range l {
			out = append(out, tfValues(e, path[1:], fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	return tfValues(m[path[0]], path[1:], join(path[0]))
}

// addressPosition finds where a resource's address first appears in the plan.
func addressPosition(data []byte, address string) (int, int) {
	re := regexp.MustCompile(`"address"\s*:\s*"` + regexp.QuoteMeta(address) + `"`)
	loc := re.FindIndex(data)
	if loc == nil {
		return 1, 1
	}
	line, col := 1, 1
	for _, b := range data[:loc[0]] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func tfLambdaPermission(name string, data []byte, address string, v map[string]any) (Document, bool) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	doc, ok := lambdaPermissionPolicy(lambdaPermission{
		sid: str("statement_id"), function: str("function_name"), action: v["action"], principal: str("principal"),
		sourceArn: str("source_arn"), sourceAccount: str("source_account"), orgID: str("principal_org_id"), urlAuthType: str("function_url_auth_type"),
	})
	if !ok {
		return Document{}, false
	}
	line, col := addressPosition(data, address)
	return Document{File: name, Resource: address + " (aws_lambda_permission as a function policy statement)", Type: "resource", Data: doc, Line: line, Column: col}, true
}
