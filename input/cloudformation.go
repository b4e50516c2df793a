package input

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/internal/yamljson"
)

// Values CloudFormation pseudo parameters resolve to.
const (
	pseudoAccount   = "123456789012"
	pseudoRegion    = "us-east-1"
	pseudoPartition = "aws"
)

// cfnRule says where a resource type keeps a policy.
type cfnRule struct {
	resourceType string
	path         []string // "*" steps into every list element
	policyType   string
}

var cfnRules = []cfnRule{
	{"AWS::IAM::Policy", []string{"PolicyDocument"}, "identity"},
	{"AWS::IAM::ManagedPolicy", []string{"PolicyDocument"}, "identity"},
	{"AWS::IAM::RolePolicy", []string{"PolicyDocument"}, "identity"},
	{"AWS::IAM::UserPolicy", []string{"PolicyDocument"}, "identity"},
	{"AWS::IAM::GroupPolicy", []string{"PolicyDocument"}, "identity"},
	{"AWS::IAM::Role", []string{"AssumeRolePolicyDocument"}, "trust"},
	{"AWS::IAM::Role", []string{"Policies", "*", "PolicyDocument"}, "identity"},
	{"AWS::IAM::User", []string{"Policies", "*", "PolicyDocument"}, "identity"},
	{"AWS::IAM::Group", []string{"Policies", "*", "PolicyDocument"}, "identity"},
	{"AWS::S3::BucketPolicy", []string{"PolicyDocument"}, "resource"},
	{"AWS::S3::AccessPoint", []string{"Policy"}, "resource"},
	{"AWS::KMS::Key", []string{"KeyPolicy"}, "resource"},
	{"AWS::SQS::QueuePolicy", []string{"PolicyDocument"}, "resource"},
	{"AWS::SNS::TopicPolicy", []string{"PolicyDocument"}, "resource"},
	{"AWS::SecretsManager::ResourcePolicy", []string{"ResourcePolicy"}, "resource"},
	{"AWS::ECR::Repository", []string{"RepositoryPolicyText"}, "resource"},
	{"AWS::Logs::ResourcePolicy", []string{"PolicyDocument"}, "resource"},
	{"AWS::ApiGateway::RestApi", []string{"Policy"}, "resource"},
	{"AWS::OpenSearchService::Domain", []string{"AccessPolicies"}, "resource"},
	{"AWS::Elasticsearch::Domain", []string{"AccessPolicies"}, "resource"},
	{"AWS::EFS::FileSystem", []string{"FileSystemPolicy"}, "resource"},
	{"AWS::Backup::BackupVault", []string{"AccessPolicy"}, "resource"},
	{"AWS::Events::EventBus", []string{"Policy"}, "resource"},
	{"AWS::Organizations::Policy", []string{"Content"}, "organizations"},
}

type template struct {
	depth     int // nesting of resolve, bounded so that alias cycles end
	file      string
	params    map[string]*yaml.Node
	mappings  *yaml.Node
	resources map[string]*yaml.Node // logical ID -> resource node
}

// noValue is what Ref AWS::NoValue resolves to: the property is dropped.
type noValue struct{}

func cloudFormation(name string, data []byte) ([]Document, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, errorf(name, "not a valid CloudFormation template: %v", err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errorf(name, "not a CloudFormation template: want a mapping at the top")
	}
	top := root.Content[0]
	res := get(top, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return nil, errorf(name, "not a CloudFormation template: no Resources section")
	}
	t := &template{file: name, params: map[string]*yaml.Node{}, mappings: get(top, "Mappings"), resources: map[string]*yaml.Node{}}
	if ps := get(top, "Parameters"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			t.params[ps.Content[i].Value] = ps.Content[i+1]
		}
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		t.resources[res.Content[i].Value] = res.Content[i+1]
	}
	var out []Document
	for i := 0; i+1 < len(res.Content); i += 2 {
		id, r := res.Content[i].Value, res.Content[i+1]
		typ := scalar(get(r, "Type"))
		props := get(r, "Properties")
		if props == nil {
			continue
		}
		if typ == "AWS::Lambda::Permission" {
			if d, ok := t.lambdaPermission(id, props); ok {
				out = append(out, d)
			}
			continue
		}
		for _, rule := range cfnRules {
			if rule.resourceType != typ {
				continue
			}
			for _, f := range walk(props, rule.path, "Properties") {
				ptype := rule.policyType
				if ptype == "organizations" {
					ptype = "scp"
					if scalar(get(props, "Type")) == "RESOURCE_CONTROL_POLICY" {
						ptype = "rcp"
					}
				}
				d, err := t.document(id, f.path, ptype, f.node)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			}
		}
	}
	return out, nil
}

type found struct {
	node *yaml.Node
	path string
}

// walk follows a property path; "*" visits each element of a list.
func walk(n *yaml.Node, path []string, at string) []found {
	if n == nil {
		return nil
	}
	if len(path) == 0 {
		return []found{{n, at}}
	}
	if path[0] == "*" {
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		var out []found
		for i, e := range n.Content {
			out = append(out, walk(e, path[1:], fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	return walk(get(n, path[0]), path[1:], at+"."+path[0])
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func (t *template) document(id, path, ptype string, n *yaml.Node) (Document, error) {
	v, err := t.resolve(n)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %s.%s: %v", t.file, id, path, err)
	}
	var data []byte
	locate := func(p string) (int, int, bool) { return locateYAML(n, p) }
	if s, ok := v.(string); ok {
		// A policy written as a JSON string: positions inside it are not
		// positions in the template.
		data = []byte(s)
		locate = nil
	} else if data, err = json.MarshalIndent(v, "", "  "); err != nil {
		return Document{}, err
	}
	d := Document{File: t.file, Resource: id + "." + path, Type: ptype, Data: data, Line: n.Line, Column: n.Column}
	if locate != nil {
		d.Locate = locate
	}
	return d, nil
}

// resolve turns a template node into plain JSON values, resolving
// intrinsic functions.
func (t *template) resolve(n *yaml.Node) (any, error) {
	const maxDepth = 64
	if t.depth >= maxDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep (a YAML alias that refers to itself?)", n.Line, maxDepth)
	}
	t.depth++
	defer func() { t.depth-- }()
	switch n.Kind {
	case yaml.DocumentNode:
		return t.resolve(n.Content[0])
	case yaml.AliasNode:
		return t.resolve(n.Alias)
	case yaml.ScalarNode:
		if isIntrinsic(n.Tag) {
			return t.intrinsic(shortTag(n.Tag), n)
		}
		return yamljson.Scalar(n), nil
	case yaml.SequenceNode:
		if isIntrinsic(n.Tag) {
			return t.intrinsic(shortTag(n.Tag), n)
		}
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := t.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, skip := v.(noValue); !skip {
				out = append(out, v)
			}
		}
		return out, nil
	case yaml.MappingNode:
		if isIntrinsic(n.Tag) {
			return t.intrinsic(shortTag(n.Tag), n)
		}
		if len(n.Content) == 2 && (n.Content[0].Value == "Ref" || strings.HasPrefix(n.Content[0].Value, "Fn::")) {
			return t.intrinsic(n.Content[0].Value, n.Content[1])
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := t.resolve(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			if _, skip := v.(noValue); !skip {
				out[n.Content[i].Value] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// isIntrinsic reports a short-form intrinsic function tag such as !Sub.
func isIntrinsic(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

func shortTag(tag string) string {
	name := strings.TrimPrefix(tag, "!")
	if name == "Ref" || name == "Condition" {
		return name
	}
	return "Fn::" + name
}

// asNode gives the argument of a short-form tag as an untagged node.
func asNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Tag = ""
	return &c
}

func (t *template) str(n *yaml.Node) (string, error) {
	v, err := t.resolve(n)
	if err != nil {
		return "", err
	}
	switch s := v.(type) {
	case string:
		return s, nil
	case json.Number:
		return string(s), nil
	case bool:
		return strconv.FormatBool(s), nil
	}
	return "", fmt.Errorf("line %d: want a string", n.Line)
}

func (t *template) intrinsic(fn string, arg *yaml.Node) (any, error) {
	if isIntrinsic(arg.Tag) && shortTag(arg.Tag) == fn {
		arg = asNode(arg)
	}
	switch fn {
	case "Ref":
		return t.ref(arg.Value), nil
	case "Fn::GetAtt":
		var id, attr string
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			id = arg.Content[0].Value
			a, err := t.str(arg.Content[1])
			if err != nil {
				return nil, err
			}
			attr = a
		} else {
			id, attr, _ = strings.Cut(arg.Value, ".")
		}
		return t.getAtt(id, attr), nil
	case "Fn::Sub":
		text, vars := arg, (*yaml.Node)(nil)
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			text, vars = arg.Content[0], arg.Content[1]
		}
		return t.sub(text.Value, vars)
	case "Fn::Join":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			return nil, fmt.Errorf("line %d: Fn::Join wants [delimiter, [values]]", arg.Line)
		}
		list, err := t.resolve(arg.Content[1])
		if err != nil {
			return nil, err
		}
		parts, _ := list.([]any)
		strs := make([]string, 0, len(parts))
		for _, p := range parts {
			strs = append(strs, fmt.Sprint(p))
		}
		return strings.Join(strs, arg.Content[0].Value), nil
	case "Fn::If":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 {
			return nil, fmt.Errorf("line %d: Fn::If wants [condition, true value, false value]", arg.Line)
		}
		return t.resolve(arg.Content[1]) // the true branch is checked
	case "Fn::Select":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			return nil, fmt.Errorf("line %d: Fn::Select wants [index, list]", arg.Line)
		}
		idx, _ := strconv.Atoi(arg.Content[0].Value)
		list, err := t.resolve(arg.Content[1])
		if err != nil {
			return nil, err
		}
		if l, ok := list.([]any); ok && idx >= 0 && idx < len(l) {
			return l[idx], nil
		}
		return "", nil
	case "Fn::Split":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			return nil, fmt.Errorf("line %d: Fn::Split wants [delimiter, string]", arg.Line)
		}
		s, err := t.str(arg.Content[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, arg.Content[0].Value) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::FindInMap":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) >= 3 {
			keys := make([]string, 3)
			for i := 0; i < 3; i++ {
				k, err := t.str(arg.Content[i])
				if err != nil {
					return nil, err
				}
				keys[i] = k
			}
			if v := get(get(get(t.mappings, keys[0]), keys[1]), keys[2]); v != nil {
				return t.resolve(v)
			}
		}
		return "mapped-value", nil
	case "Fn::ImportValue":
		return "imported-value", nil
	case "Fn::GetAZs":
		return []any{pseudoRegion + "a", pseudoRegion + "b"}, nil
	case "Fn::Base64", "Condition":
		return t.resolve(asNode(arg))
	}
	return nil, fmt.Errorf("line %d: unsupported intrinsic function %s", arg.Line, fn)
}

var pseudo = map[string]string{
	"AWS::AccountId": pseudoAccount, "AWS::Region": pseudoRegion, "AWS::Partition": pseudoPartition,
	"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "stack", "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
	"AWS::NotificationARNs": "",
}

func (t *template) ref(name string) any {
	if name == "AWS::NoValue" {
		return noValue{}
	}
	if v, ok := pseudo[name]; ok {
		return v
	}
	if p, ok := t.params[name]; ok {
		if d := scalar(get(p, "Default")); d != "" {
			return d
		}
		return name
	}
	if r, ok := t.resources[name]; ok {
		typ := scalar(get(r, "Type"))
		nm := t.physicalName(name, r)
		switch typ {
		case "AWS::IAM::ManagedPolicy", "AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::SecretsManager::Secret":
			return arnFor(typ, nm)
		case "AWS::SQS::Queue":
			return "https://sqs." + pseudoRegion + ".amazonaws.com/" + pseudoAccount + "/" + nm
		}
		return nm
	}
	return name
}

var nameProps = []string{"RoleName", "UserName", "GroupName", "ManagedPolicyName", "BucketName", "QueueName", "TopicName",
	"FunctionName", "StateMachineName", "TableName", "RepositoryName", "LogGroupName", "AliasName", "Name"}

func (t *template) physicalName(id string, r *yaml.Node) string {
	props := get(r, "Properties")
	for _, p := range nameProps {
		n := get(props, p)
		if n != nil && n.Kind == yaml.ScalarNode && !isIntrinsic(n.Tag) && n.Value != "" {
			return n.Value
		}
	}
	if strings.HasSuffix(scalar(get(r, "Type")), "::Bucket") {
		return strings.ToLower(id)
	}
	return id
}

func (t *template) getAtt(id, attr string) any {
	r, ok := t.resources[id]
	if !ok {
		return id + "." + attr
	}
	typ := scalar(get(r, "Type"))
	nm := t.physicalName(id, r)
	switch attr {
	case "Arn":
		return arnFor(typ, nm)
	case "RoleId":
		return "AROA" + strings.ToUpper(id)
	}
	return nm + "-" + strings.ToLower(attr)
}

// arnFormats give the ARN of a resource of each type, with %[1]s the
// account, %[2]s the Region and %[3]s the name.
var arnFormats = map[string]string{
	"AWS::IAM::Role":                   "arn:aws:iam::%[1]s:role/%[3]s",
	"AWS::IAM::User":                   "arn:aws:iam::%[1]s:user/%[3]s",
	"AWS::IAM::Group":                  "arn:aws:iam::%[1]s:group/%[3]s",
	"AWS::IAM::ManagedPolicy":          "arn:aws:iam::%[1]s:policy/%[3]s",
	"AWS::IAM::InstanceProfile":        "arn:aws:iam::%[1]s:instance-profile/%[3]s",
	"AWS::S3::Bucket":                  "arn:aws:s3:::%[3]s",
	"AWS::KMS::Key":                    "arn:aws:kms:%[2]s:%[1]s:key/%[3]s",
	"AWS::SQS::Queue":                  "arn:aws:sqs:%[2]s:%[1]s:%[3]s",
	"AWS::SNS::Topic":                  "arn:aws:sns:%[2]s:%[1]s:%[3]s",
	"AWS::Lambda::Function":            "arn:aws:lambda:%[2]s:%[1]s:function:%[3]s",
	"AWS::StepFunctions::StateMachine": "arn:aws:states:%[2]s:%[1]s:stateMachine:%[3]s",
	"AWS::DynamoDB::Table":             "arn:aws:dynamodb:%[2]s:%[1]s:table/%[3]s",
	"AWS::SecretsManager::Secret":      "arn:aws:secretsmanager:%[2]s:%[1]s:secret:%[3]s",
	"AWS::ECR::Repository":             "arn:aws:ecr:%[2]s:%[1]s:repository/%[3]s",
	"AWS::Logs::LogGroup":              "arn:aws:logs:%[2]s:%[1]s:log-group:%[3]s:*",
	"AWS::ECS::Cluster":                "arn:aws:ecs:%[2]s:%[1]s:cluster/%[3]s",
	"AWS::RDS::DBInstance":             "arn:aws:rds:%[2]s:%[1]s:db:%[3]s",
}

// arnFor builds the ARN a resource of the given type and name would have;
// unknown types get arn:aws:<service>:<region>:<account>:<type>/<name>.
func arnFor(typ, name string) string {
	if f, ok := arnFormats[typ]; ok {
		return fmt.Sprintf(f, pseudoAccount, pseudoRegion, name)
	}
	parts := strings.Split(typ, "::")
	svc, kind := "unknown", "resource"
	if len(parts) == 3 {
		svc, kind = strings.ToLower(parts[1]), strings.ToLower(parts[2])
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, pseudoRegion, pseudoAccount, kind, name)
}

func (t *template) sub(text string, vars *yaml.Node) (any, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		name := text[i+2 : i+j]
		switch {
		case strings.HasPrefix(name, "!"):
			b.WriteString("${" + name[1:] + "}") // ${!Literal}
		case vars != nil && get(vars, name) != nil:
			s, err := t.str(get(vars, name))
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
		case pseudo[name] != "" || t.params[name] != nil || t.resources[name] != nil:
			fmt.Fprint(&b, t.ref(name))
		case strings.Contains(name, ".") && !strings.Contains(name, ":"):
			id, attr, _ := strings.Cut(name, ".")
			fmt.Fprint(&b, t.getAtt(id, attr))
		default:
			b.WriteString("${" + name + "}") // an IAM policy variable
		}
		text = text[i+j+1:]
	}
}

func (t *template) lambdaPermission(id string, props *yaml.Node) (Document, bool) {
	v, err := t.resolve(props)
	if err != nil {
		return Document{}, false
	}
	m, _ := v.(map[string]any)
	str := func(k string) string { s, _ := m[k].(string); return s }
	data, ok := lambdaPermissionPolicy(lambdaPermission{
		sid: id, function: str("FunctionName"), action: m["Action"], principal: str("Principal"),
		sourceArn: str("SourceArn"), sourceAccount: str("SourceAccount"), orgID: str("PrincipalOrgID"), urlAuthType: str("FunctionUrlAuthType"),
	})
	if !ok {
		return Document{}, false
	}
	return Document{File: t.file, Resource: id + ".Properties (AWS::Lambda::Permission as a function policy statement)", Type: "resource", Data: data, Line: props.Line, Column: props.Column}, true
}
