// Package orggen generates synthetic AWS organizations as world files, for
// the scale benchmarks of analysis (who-can, can) and of world loading.
//
// The output is deterministic: the same Config (Seed included) gives the
// same world, byte for byte when written. The full preset is the size the
// issue names: 1,000 accounts in a 4-level OU tree with SCPs and RCPs,
// 20,000 roles with trust across accounts (some with sts:ExternalId or MFA
// conditions, some chained role to role), 5,000 users in groups, customer
// managed policies and 5,000 resource policies (S3 buckets, KMS keys, SQS
// queues, SNS topics, Secrets Manager secrets). Smaller presets keep the
// same shapes for tests.
//
// It knows nothing of decisions: it writes a world.FileWorld.
package orggen

import (
	"encoding/json"
	"fmt"
	"math/rand"

	"github.com/iamgate/iamgate/world"
)

// Config sizes an organization. Roles, Users and Resources are totals,
// spread evenly over the accounts (at least the fixed roles per account).
type Config struct {
	Seed      int64
	Accounts  int
	Roles     int
	Users     int
	Resources int
}

// Full is the size of the scale targets.
func Full() Config {
	return Config{Seed: 1, Accounts: 1000, Roles: 20000, Users: 5000, Resources: 5000}
}

// Small is a preset for tests: the same shapes, 20 accounts.
func Small() Config {
	return Config{Seed: 1, Accounts: 20, Roles: 400, Users: 100, Resources: 100}
}

// Medium is a preset for quicker benchmarks: 100 accounts.
func Medium() Config {
	return Config{Seed: 1, Accounts: 100, Roles: 2000, Users: 500, Resources: 500}
}

// Tiny is a preset for brute-force differential tests: 6 accounts.
func Tiny() Config {
	return Config{Seed: 1, Accounts: 6, Roles: 60, Users: 18, Resources: 30}
}

// Preset returns a named preset (full, medium, small, tiny).
func Preset(name string) (Config, bool) {
	switch name {
	case "full":
		return Full(), true
	case "medium":
		return Medium(), true
	case "small":
		return Small(), true
	case "tiny":
		return Tiny(), true
	}
	return Config{}, false
}

// OrgID is the generated organization's ID.
const OrgID = "o-gen0000001"

// VendorAccount is an account outside the organization that third-party
// roles trust (with sts:ExternalId).
const VendorAccount = "999900000001"

// Regions the SCPs allow.
var allowedRegions = []string{"us-east-1", "eu-west-1"}

// Account returns the ID of the i-th account (0 is the management account,
// 1 security, 2 tooling).
func Account(i int) string { return fmt.Sprintf("%012d", 100000000000+i) }

// Bucket, Key, Queue, Topic and Secret name the resources of account i
// (k-th of their kind).
func Bucket(i, k int) string { return fmt.Sprintf("arn:aws:s3:::gen-%s-data-%d", Account(i), k) }

// Key is the k-th KMS key of account i.
func Key(i, k int) string {
	return fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%08x-0000-4000-8000-%012d", Account(i), i, k)
}

// Queue is the k-th SQS queue of account i.
func Queue(i, k int) string { return fmt.Sprintf("arn:aws:sqs:us-east-1:%s:jobs-%d", Account(i), k) }

// Topic is the k-th SNS topic of account i.
func Topic(i, k int) string { return fmt.Sprintf("arn:aws:sns:us-east-1:%s:events-%d", Account(i), k) }

// Secret is the k-th secret of account i.
func Secret(i, k int) string {
	return fmt.Sprintf("arn:aws:secretsmanager:us-east-1:%s:secret:app-%d-AbCdEf", Account(i), k)
}

// Role is the ARN of a role of account i.
func Role(i int, name string) string { return "arn:aws:iam::" + Account(i) + ":role/" + name }

// User is the ARN of a user of account i.
func User(i int, name string) string { return "arn:aws:iam::" + Account(i) + ":user/" + name }

type gen struct {
	cfg Config
	r   *rand.Rand
}

type m = map[string]any

func doc(statements ...m) world.PolicySource {
	st := make([]any, len(statements))
	for i, s := range statements {
		st[i] = s
	}
	b, err := json.Marshal(m{"Version": "2012-10-17", "Statement": st})
	if err != nil {
		panic(err)
	}
	return world.NewPolicySource(b)
}

func (g *gen) other(i int) int {
	if g.cfg.Accounts == 1 {
		return i
	}
	j := g.r.Intn(g.cfg.Accounts - 1)
	if j >= i {
		j++
	}
	return j
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// share returns how many of total fall to account i.
func share(total, accounts, i int) int {
	n := total / accounts
	if i < total%accounts {
		n++
	}
	return n
}

// Generate builds the organization.
func Generate(cfg Config) *world.FileWorld {
	if cfg.Accounts < 3 {
		cfg.Accounts = 3
	}
	g := &gen{cfg: cfg, r: rand.New(rand.NewSource(cfg.Seed))}
	fw := &world.FileWorld{Organization: g.organization()}
	for i := 0; i < cfg.Accounts; i++ {
		fw.Accounts = append(fw.Accounts, g.account(i))
	}
	return fw
}

// The OU tree: Root > 4 OUs > 3 each > 2 each > 2 each (4 levels below the
// root, 48 leaves). The management, security and tooling accounts are in
// the first level-1 OU's first leaf; the others are spread over the leaves.
var (
	level1 = []string{"Core", "Workloads", "Sandbox", "Staging"}
	level2 = []string{"Prod", "NonProd", "Shared"}
	level3 = []string{"BU-A", "BU-B"}
	level4 = []string{"Team-1", "Team-2"}
)

func (g *gen) organization() *world.FileOrganization {
	org := &world.FileOrganization{
		ID: OrgID, ManagementAccount: Account(0),
		PolicyTypes: []string{"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"},
		Policies:    map[string]world.FileOrgPolicy{},
	}
	scp := func(name string, st ...m) {
		org.Policies[name] = world.FileOrgPolicy{Type: "scp", Document: doc(st...)}
	}
	rcp := func(name string, st ...m) {
		org.Policies[name] = world.FileOrgPolicy{Type: "rcp", Document: doc(st...)}
	}
	scp("FullAWSAccess", m{"Effect": "Allow", "Action": "*", "Resource": "*"})
	scp("DenyLeaveOrg", m{"Effect": "Allow", "Action": "*", "Resource": "*"},
		m{"Effect": "Deny", "Action": []string{"organizations:LeaveOrganization", "account:CloseAccount"}, "Resource": "*"})
	scp("RegionGuard", m{"Effect": "Deny",
		"NotAction": []string{"iam:*", "sts:*", "organizations:*", "support:*", "cloudfront:*", "route53:*"},
		"Resource":  "*",
		"Condition": m{"StringNotEquals": m{"aws:RequestedRegion": allowedRegions}}})
	scp("ProtectAccessRole", m{"Effect": "Deny", "Action": []string{"iam:*"},
		"Resource":  "arn:aws:iam::*:role/OrganizationAccountAccessRole",
		"Condition": m{"ArnNotLike": m{"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}})
	scp("ProdNoDelete", m{"Effect": "Deny",
		"Action":   []string{"s3:DeleteBucket", "s3:DeleteObject*", "kms:ScheduleKeyDeletion", "sqs:DeleteQueue", "secretsmanager:DeleteSecret"},
		"Resource": "*",
		"Condition": m{"StringNotLike": m{"aws:PrincipalArn": []string{
			"arn:aws:iam::*:role/Admin", "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}})
	scp("SandboxLimits", m{"Effect": "Deny", "Action": []string{"ec2:RunInstances"},
		"Resource":  "arn:aws:ec2:*:*:instance/*",
		"Condition": m{"StringNotLike": m{"ec2:InstanceType": []string{"t3.*", "t4g.*"}}}},
		m{"Effect": "Deny", "Action": []string{"iam:CreateUser", "iam:CreateAccessKey"}, "Resource": "*"})
	scp("DenyAll", m{"Effect": "Deny", "Action": "*", "Resource": "*"})
	rcp("RCPFullAWSAccess", m{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
	rcp("OrgDataPerimeter", m{"Effect": "Deny", "Principal": "*",
		"Action":   []string{"s3:*", "sqs:*", "kms:*", "secretsmanager:*"},
		"Resource": "*",
		"Condition": m{
			"StringNotEqualsIfExists": m{"aws:PrincipalOrgID": OrgID},
			"BoolIfExists":            m{"aws:PrincipalIsAWSService": "false"}}})
	rcp("SecureTransport", m{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
		"Condition": m{"Bool": m{"aws:SecureTransport": "false"}}})

	root := world.FileOU{ID: "r-gen0", Name: "Root", SCPs: []string{"DenyLeaveOrg"}, RCPs: []string{"RCPFullAWSAccess", "OrgDataPerimeter"}}
	var leaves []*world.FileOU
	n := 0
	ouID := func() string { n++; return fmt.Sprintf("ou-gen0-%08d", n) }
	for _, l1 := range level1 {
		o1 := world.FileOU{ID: ouID(), Name: l1}
		switch l1 {
		case "Workloads":
			o1.SCPs = []string{"FullAWSAccess", "RegionGuard", "ProtectAccessRole"}
			o1.RCPs = []string{"RCPFullAWSAccess", "SecureTransport"}
		case "Sandbox":
			o1.SCPs = []string{"FullAWSAccess", "SandboxLimits", "RegionGuard"}
		case "Staging":
			o1.SCPs = []string{"FullAWSAccess", "RegionGuard"}
		}
		for _, l2 := range level2 {
			o2 := world.FileOU{ID: ouID(), Name: l1 + "-" + l2}
			if l2 == "Prod" && l1 == "Workloads" {
				o2.SCPs = []string{"FullAWSAccess", "ProdNoDelete"}
			}
			for _, l3 := range level3 {
				o3 := world.FileOU{ID: ouID(), Name: o2.Name + "-" + l3}
				for _, l4 := range level4 {
					o3.OUs = append(o3.OUs, world.FileOU{ID: ouID(), Name: o3.Name + "-" + l4})
				}
				o2.OUs = append(o2.OUs, o3)
			}
			o1.OUs = append(o1.OUs, o2)
		}
		root.OUs = append(root.OUs, o1)
	}
	for a := range root.OUs {
		for b := range root.OUs[a].OUs {
			for c := range root.OUs[a].OUs[b].OUs {
				for d := range root.OUs[a].OUs[b].OUs[c].OUs {
					leaves = append(leaves, &root.OUs[a].OUs[b].OUs[c].OUs[d])
				}
			}
		}
	}
	// A quarantine OU at level 1 with DenyAll, holding no account but the
	// last one.
	quarantine := world.FileOU{ID: ouID(), Name: "Suspended", SCPs: []string{"DenyAll"}}
	for i := 0; i < g.cfg.Accounts; i++ {
		switch {
		case i < 3:
			leaves[0].Accounts = append(leaves[0].Accounts, Account(i))
		case i == g.cfg.Accounts-1 && g.cfg.Accounts > 10:
			quarantine.Accounts = append(quarantine.Accounts, Account(i))
		default:
			l := leaves[1+(i-3)%(len(leaves)-1)]
			l.Accounts = append(l.Accounts, Account(i))
		}
	}
	root.OUs = append(root.OUs, quarantine)
	org.Root = root
	return org
}

func (g *gen) account(i int) world.FileAccount {
	id := Account(i)
	fa := world.FileAccount{ID: id, Name: fmt.Sprintf("gen-%d", i), Email: fmt.Sprintf("aws+%d@example.com", i),
		Tags: map[string]string{"env": []string{"prod", "dev", "test"}[i%3], "cost-center": fmt.Sprintf("cc-%d", i%17)}}
	ownRoles := "arn:aws:iam::" + id + ":role/"
	nBuckets := 0
	nRes := share(g.cfg.Resources, g.cfg.Accounts, i)
	kinds := []string{"bucket", "key", "queue", "topic", "secret"}
	counts := map[string]int{}
	for k := 0; k < nRes; k++ {
		counts[kinds[k%len(kinds)]]++
	}
	nBuckets = max(counts["bucket"], 1)
	ownBucket := func() string { return Bucket(i, g.r.Intn(nBuckets)) }

	// Customer managed policies.
	fa.Policies = []world.FilePolicy{
		{Name: "dev-access", Document: doc(
			m{"Effect": "Allow", "Action": []string{"s3:Get*", "s3:List*"}, "Resource": []string{
				fmt.Sprintf("arn:aws:s3:::gen-%s-*", id), fmt.Sprintf("arn:aws:s3:::gen-%s-*/*", id)}},
			m{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ownRoles + "dev-*"},
			m{"Effect": "Allow", "Action": []string{"sqs:SendMessage", "sqs:ReceiveMessage"}, "Resource": "arn:aws:sqs:*:" + id + ":*"})},
		{Name: "ops-access", Document: doc(
			m{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": []string{ownRoles + "Admin", ownRoles + "ReadOnly"},
				"Condition": m{"Bool": m{"aws:MultiFactorAuthPresent": "true"}}},
			m{"Effect": "Allow", "Action": []string{"cloudwatch:*", "logs:*"}, "Resource": "*"})},
		{Name: "deploy", Document: doc(
			m{"Effect": "Allow", "Action": []string{"cloudformation:*", "lambda:*"}, "Resource": "*"},
			m{"Effect": "Allow", "Action": []string{"s3:PutObject", "s3:GetObject"}, "Resource": fmt.Sprintf("arn:aws:s3:::gen-%s-*/*", id)},
			m{"Effect": "Allow", "Action": "iam:PassRole", "Resource": ownRoles + "app-*"})},
		{Name: "app-boundary", Document: doc(
			m{"Effect": "Allow", "Action": []string{"s3:*", "sqs:*", "kms:Decrypt", "kms:GenerateDataKey", "sns:Publish", "secretsmanager:GetSecretValue", "sts:AssumeRole", "logs:*", "dynamodb:*"}, "Resource": "*"},
			m{"Effect": "Deny", "Action": []string{"s3:DeleteBucket", "s3:PutBucketPolicy"}, "Resource": "*"})},
	}

	// Groups and users.
	fa.Groups = []world.FileGroup{
		{Name: "developers", ManagedPolicies: []string{"arn:aws:iam::" + id + ":policy/dev-access"}},
		{Name: "operators", ManagedPolicies: []string{"arn:aws:iam::" + id + ":policy/ops-access"},
			Policies: []world.FileInline{{Name: "describe", Document: doc(m{"Effect": "Allow", "Action": []string{"ec2:Describe*", "rds:Describe*"}, "Resource": "*"})}}},
	}
	for k := 0; k < share(g.cfg.Users, g.cfg.Accounts, i); k++ {
		u := world.FileUser{Name: fmt.Sprintf("user-%d", k), Tags: map[string]string{"team": []string{"red", "blue", "green"}[k%3]}}
		switch k % 4 {
		case 0, 1:
			u.Groups = []string{"developers"}
		case 2:
			u.Groups = []string{"operators"}
		default:
			u.Groups = []string{"developers", "operators"}
		}
		if g.chance(0.2) {
			u.Policies = []world.FileInline{{Name: "own-bucket", Document: doc(
				m{"Effect": "Allow", "Action": []string{"s3:PutObject", "s3:DeleteObject"}, "Resource": ownBucket() + "/home/${aws:username}/*"})}}
		}
		fa.Users = append(fa.Users, u)
	}

	// Fixed roles.
	mgmt := Account(0)
	fa.Roles = []world.FileRole{
		{Name: "OrganizationAccountAccessRole",
			TrustPolicy:     doc(m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::" + mgmt + ":root"}, "Action": "sts:AssumeRole"}),
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
		{Name: "Admin",
			TrustPolicy: doc(m{"Effect": "Allow", "Principal": m{"AWS": []string{"arn:aws:iam::" + id + ":root", Role(1, "SecurityAdmin")}}, "Action": "sts:AssumeRole",
				"Condition": m{"Bool": m{"aws:MultiFactorAuthPresent": "true"}}}),
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
		{Name: "ReadOnly",
			TrustPolicy:     doc(m{"Effect": "Allow", "Principal": m{"AWS": []string{"arn:aws:iam::" + id + ":root", "arn:aws:iam::" + Account(1) + ":root"}}, "Action": "sts:AssumeRole"}),
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{Name: "SecurityAudit",
			TrustPolicy:     doc(m{"Effect": "Allow", "Principal": m{"AWS": Role(1, "SecurityAdmin")}, "Action": "sts:AssumeRole"}),
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/SecurityAudit"}},
		{Name: "CIDeploy",
			TrustPolicy:     doc(m{"Effect": "Allow", "Principal": m{"AWS": Role(2, "ci-runner")}, "Action": "sts:AssumeRole"}),
			ManagedPolicies: []string{"arn:aws:iam::" + id + ":policy/deploy"}},
		{Name: "VendorMonitoring",
			TrustPolicy: doc(m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::" + VendorAccount + ":root"}, "Action": "sts:AssumeRole",
				"Condition": m{"StringEquals": m{"sts:ExternalId": fmt.Sprintf("ext-%s", id)}}}),
			Policies: []world.FileInline{{Name: "read-metrics", Document: doc(
				m{"Effect": "Allow", "Action": []string{"cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "s3:GetObject"}, "Resource": "*"})}}},
	}
	switch i {
	case 1:
		fa.Roles = append(fa.Roles, world.FileRole{Name: "SecurityAdmin",
			TrustPolicy: doc(m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "sts:AssumeRole",
				"Condition": m{"Bool": m{"aws:MultiFactorAuthPresent": "true"}}}),
			Policies: []world.FileInline{{Name: "assume-org", Document: doc(
				m{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": []string{"arn:aws:iam::*:role/Admin", "arn:aws:iam::*:role/SecurityAudit"}})}}})
	case 2:
		fa.Roles = append(fa.Roles, world.FileRole{Name: "ci-runner",
			TrustPolicy: doc(m{"Effect": "Allow", "Principal": m{"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}),
			Policies: []world.FileInline{{Name: "assume-deploy", Document: doc(
				m{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/CIDeploy"})}}})
	}

	// Application roles: services assume them; some are assumed by another
	// account's application role (a chain), some by the account's
	// developers through dev-* roles.
	services := []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"}
	nApp := share(g.cfg.Roles, g.cfg.Accounts, i) - len(fa.Roles)
	for k := 0; k < nApp; k++ {
		name := fmt.Sprintf("app-%d", k)
		if k%5 == 4 {
			name = fmt.Sprintf("dev-%d", k)
		}
		var trust m
		switch {
		case k%5 == 4:
			trust = m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "sts:AssumeRole"}
			if g.chance(0.5) {
				trust["Condition"] = m{"Bool": m{"aws:MultiFactorAuthPresent": "true"}}
			}
		case k%7 == 3:
			o := g.other(i)
			trust = m{"Effect": "Allow", "Principal": m{"AWS": Role(o, fmt.Sprintf("app-%d", g.r.Intn(max(nApp, 1))))}, "Action": "sts:AssumeRole"}
			if g.chance(0.3) {
				trust["Condition"] = m{"StringEquals": m{"sts:ExternalId": fmt.Sprintf("x-%d-%d", i, k)}}
			}
		default:
			trust = m{"Effect": "Allow", "Principal": m{"Service": services[k%len(services)]}, "Action": "sts:AssumeRole"}
		}
		st := []m{
			{"Effect": "Allow", "Action": []string{"s3:GetObject", "s3:PutObject"}, "Resource": ownBucket() + "/*"},
			{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": ownBucket()},
		}
		if counts["queue"] > 0 {
			st = append(st, m{"Effect": "Allow", "Action": []string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"}, "Resource": Queue(i, g.r.Intn(counts["queue"]))})
		}
		if counts["key"] > 0 && g.chance(0.5) {
			st = append(st, m{"Effect": "Allow", "Action": []string{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": Key(i, g.r.Intn(counts["key"]))})
		}
		if g.chance(0.15) {
			o := g.other(i)
			st = append(st, m{"Effect": "Allow", "Action": "s3:GetObject", "Resource": fmt.Sprintf("arn:aws:s3:::gen-%s-data-*/*", Account(o))})
		}
		if g.chance(0.15) {
			o := g.other(i)
			st = append(st, m{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": Role(o, fmt.Sprintf("app-%d", g.r.Intn(max(nApp, 1))))})
		}
		if g.chance(0.05) {
			st = append(st, m{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:us-east-1:" + id + ":table/*"})
		}
		r := world.FileRole{Name: name, TrustPolicy: doc(trust), Policies: []world.FileInline{{Name: "app", Document: doc(st...)}},
			Tags: map[string]string{"app": fmt.Sprintf("svc-%d", k%11)}}
		if k%5 == 4 {
			r.ManagedPolicies = []string{"arn:aws:iam::" + id + ":policy/dev-access"}
		}
		if g.chance(0.3) {
			r.PermissionsBoundary = "arn:aws:iam::" + id + ":policy/app-boundary"
		}
		fa.Roles = append(fa.Roles, r)
	}

	// Resources with policies.
	idx := map[string]int{}
	for k := 0; k < nRes; k++ {
		kind := kinds[k%len(kinds)]
		n := idx[kind]
		idx[kind]++
		o := g.other(i)
		peer := Role(o, fmt.Sprintf("app-%d", g.r.Intn(max(nApp, 1))))
		var res world.FileResource
		switch kind {
		case "bucket":
			b := Bucket(i, n)
			res = world.FileResource{ARN: b, Policy: doc(
				m{"Sid": "PeerRead", "Effect": "Allow", "Principal": m{"AWS": peer}, "Action": []string{"s3:GetObject", "s3:ListBucket"}, "Resource": []string{b, b + "/*"}},
				m{"Sid": "OrgList", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": b,
					"Condition": m{"StringEquals": m{"aws:PrincipalOrgID": OrgID}}},
				m{"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []string{b, b + "/*"},
					"Condition": m{"Bool": m{"aws:SecureTransport": "false"}}})}
		case "key":
			res = world.FileResource{ARN: Key(i, n), Policy: doc(
				m{"Sid": "Root", "Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "kms:*", "Resource": "*"},
				m{"Sid": "Peer", "Effect": "Allow", "Principal": m{"AWS": peer}, "Action": []string{"kms:Decrypt", "kms:DescribeKey"}, "Resource": "*",
					"Condition": m{"StringEquals": m{"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})}
		case "queue":
			q := Queue(i, n)
			res = world.FileResource{ARN: q, Policy: doc(
				m{"Sid": "Topic", "Effect": "Allow", "Principal": m{"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": q,
					"Condition": m{"ArnEquals": m{"aws:SourceArn": Topic(i, 0)}}},
				m{"Sid": "PeerSend", "Effect": "Allow", "Principal": m{"AWS": Account(o)}, "Action": "sqs:SendMessage", "Resource": q})}
		case "topic":
			t := Topic(i, n)
			res = world.FileResource{ARN: t, Policy: doc(
				m{"Sid": "OrgPublish", "Effect": "Allow", "Principal": m{"AWS": "*"}, "Action": "sns:Publish", "Resource": t,
					"Condition": m{"StringEquals": m{"aws:PrincipalOrgID": OrgID}}})}
		case "secret":
			s := Secret(i, n)
			res = world.FileResource{ARN: s, Policy: doc(
				m{"Sid": "Peer", "Effect": "Allow", "Principal": m{"AWS": peer}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})}
		}
		fa.Resources = append(fa.Resources, res)
	}
	return fa
}
