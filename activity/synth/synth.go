// Package synth writes a synthetic world and CloudTrail events whose
// ground truth of used and unused access is known by construction: each
// principal is granted explicit actions on explicit resources, an SCP and
// permissions boundaries take some away, and events are drawn only from
// what remains, so what is unused (and what cannot be observed) is known
// without asking the engine. Seeded and deterministic.
package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/world"
)

// Options size the corpus.
type Options struct {
	Seed     uint64
	Accounts int // 2 when 0
	Roles    int // per account, 6 when 0
	Users    int // per account, 4 when 0
	Events   int // 2,000 when 0
	// Now is the end of the period the events cover (30 days before it).
	Now time.Time
}

// Record is one CloudTrail record (the fields the importer reads).
type Record struct {
	EventVersion       string              `json:"eventVersion"`
	UserIdentity       map[string]any      `json:"userIdentity"`
	EventTime          string              `json:"eventTime"`
	EventSource        string              `json:"eventSource"`
	EventName          string              `json:"eventName"`
	AWSRegion          string              `json:"awsRegion"`
	SourceIPAddress    string              `json:"sourceIPAddress"`
	RequestParameters  map[string]any      `json:"requestParameters"`
	Resources          []map[string]string `json:"resources,omitempty"`
	EventID            string              `json:"eventID"`
	EventType          string              `json:"eventType"`
	EventCategory      string              `json:"eventCategory"`
	RecipientAccountID string              `json:"recipientAccountId"`
}

// Truth is what the corpus's events use and leave unused.
type Truth struct {
	UnusedPrincipals []string `json:"unusedPrincipals"` // user and role ARNs
	// UnusedKeys are "USER_ARN KEY_ID".
	UnusedKeys []string `json:"unusedKeys"`
	// UnusedMemberships are "USER_ARN GROUP_ARN".
	UnusedMemberships []string `json:"unusedMemberships"`
	// UnusedActions are "PRINCIPAL_ARN service:Action": effectively
	// granted, observable, never used.
	UnusedActions []string `json:"unusedActions"`
	// Unobservable are "PRINCIPAL_ARN service:Action": granted, not used,
	// and not observable.
	Unobservable []string `json:"unobservable"`
	// UnusedServices are "PRINCIPAL_ARN service".
	UnusedServices []string `json:"unusedServices"`
	// UnexercisedTrust are "ROLE_ARN PRINCIPAL".
	UnexercisedTrust []string `json:"unexercisedTrust"`
	// UsedPairs are, per principal (user or role ARN), the "action
	// resource" pairs its events were allowed: what a generated policy
	// grants.
	UsedPairs map[string][]string `json:"usedPairs"`
}

// Corpus is a world, its events and their truth.
type Corpus struct {
	World   *world.FileWorld
	Records []Record
	Truth   Truth
}

// active is a principal that makes calls: the pairs it uses, with one of
// its access keys.
type active struct {
	p     *principal
	pairs []grant
	key   string
}

// grant is an action on a resource.
type grant struct{ action, resource string }

type principal struct {
	arn     string
	account string
	kind    string // user or role
	name    string
	own     []grant            // from its own policies
	groups  map[string][]grant // group ARN -> the group's grants (users)
	keys    []string
	// effective: own and groups', less the SCP's denies and what the
	// boundary leaves out.
	effective []grant
	trust     []string // trust policy principals (roles)
}

// Denied by the SCP in every account.
var scpDenied = map[string]bool{"sqs:PurgeQueue": true, "sns:DeleteTopic": true}

// boundaryServices are the services users' boundary allows (not sns).
var boundaryServices = map[string]bool{"sqs": true, "sts": true, "dynamodb": true, "lambda": true, "iam": true}

// unobservable by construction (iam:PassRole: permission only; DynamoDB
// item actions: data events).
var unobservable = map[string]bool{"iam:PassRole": true, "dynamodb:GetItem": true, "dynamodb:PutItem": true}

var (
	queueActions = []string{"sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:ListQueueTags", "sqs:PurgeQueue"}
	topicActions = []string{"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:DeleteTopic"}
	tableActions = []string{"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateTimeToLive"}
)

const region = "us-east-1"

// Generate makes a corpus.
func Generate(o Options) *Corpus {
	if o.Accounts == 0 {
		o.Accounts = 2
	}
	if o.Roles == 0 {
		o.Roles = 6
	}
	if o.Users == 0 {
		o.Users = 4
	}
	if o.Events == 0 {
		o.Events = 2000
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x1a2b3c))
	fw := &world.FileWorld{}
	var ids []string
	var all []*principal
	for ai := 0; ai < o.Accounts; ai++ {
		id := fmt.Sprintf("%012d", 111111111111*(ai+1)%1000000000000)
		ids = append(ids, id)
		fa := world.FileAccount{ID: id, Name: fmt.Sprintf("acct-%d", ai)}
		queues := []string{}
		topics := []string{}
		tables := []string{}
		for i := 0; i < 3; i++ {
			queues = append(queues, fmt.Sprintf("arn:aws:sqs:%s:%s:queue-%d", region, id, i))
			topics = append(topics, fmt.Sprintf("arn:aws:sns:%s:%s:topic-%d", region, id, i))
			tables = append(tables, fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/table-%d", region, id, i))
		}
		roleARN := func(i int) string { return fmt.Sprintf("arn:aws:iam::%s:role/app-%d", id, i) }
		userARN := func(i int) string { return fmt.Sprintf("arn:aws:iam::%s:user/dev-%d", id, i) }
		pick := func(actions, resources []string) []grant {
			var out []grant
			for _, a := range actions {
				if rng.IntN(3) == 0 {
					continue
				}
				for _, r := range resources {
					if rng.IntN(2) == 0 {
						out = append(out, grant{a, r})
					}
				}
			}
			return out
		}
		// Boundary for users.
		var bActs []string
		for s := range boundaryServices {
			bActs = append(bActs, s+":*")
		}
		sort.Strings(bActs)
		boundary := "arn:aws:iam::" + id + ":policy/dev-boundary"
		fa.Policies = append(fa.Policies, world.FilePolicy{Name: "dev-boundary", Document: world.NewPolicySource(doc([]stmt{{Action: bActs, Resource: []string{"*"}}}))})
		// Groups.
		groupGrants := map[string][]grant{}
		for gi := 0; gi < 2; gi++ {
			name := fmt.Sprintf("team-%d", gi)
			gARN := "arn:aws:iam::" + id + ":group/" + name
			gg := pick(queueActions, queues)
			groupGrants[gARN] = gg
			fa.Groups = append(fa.Groups, world.FileGroup{Name: name, Policies: []world.FileInline{{Name: "team", Document: world.NewPolicySource(grantsDoc(gg))}}})
		}
		for ui := 0; ui < o.Users; ui++ {
			p := &principal{arn: userARN(ui), account: id, kind: "user", name: fmt.Sprintf("dev-%d", ui), groups: map[string][]grant{}}
			p.own = append(pick(topicActions, topics), pick(tableActions[:1], tables)...)
			// Users may assume some roles.
			for ri := 0; ri < o.Roles; ri++ {
				if rng.IntN(3) == 0 {
					p.own = append(p.own, grant{"sts:AssumeRole", roleARN(ri)})
				}
			}
			fu := world.FileUser{Name: p.name, PermissionsBoundary: boundary}
			if len(p.own) > 0 {
				fu.Policies = []world.FileInline{{Name: "own", Document: world.NewPolicySource(grantsDoc(p.own))}}
			}
			for gi := 0; gi < 2; gi++ {
				if rng.IntN(2) == 0 {
					g := fmt.Sprintf("arn:aws:iam::%s:group/team-%d", id, gi)
					fu.Groups = append(fu.Groups, fmt.Sprintf("team-%d", gi))
					p.groups[g] = groupGrants[g]
				}
			}
			for ki := 0; ki < 1+rng.IntN(2); ki++ {
				k := fmt.Sprintf("AKIA%s%02d%02d", id[:8], ui, ki)
				p.keys = append(p.keys, k)
				fu.AccessKeys = append(fu.AccessKeys, world.AccessKey{ID: k, Status: "Active"})
			}
			fa.Users = append(fa.Users, fu)
			all = append(all, p)
		}
		for ri := 0; ri < o.Roles; ri++ {
			p := &principal{arn: roleARN(ri), account: id, kind: "role", name: fmt.Sprintf("app-%d", ri)}
			p.own = append(append(pick(queueActions, queues), pick(topicActions, topics)...), pick(tableActions, tables)...)
			if rng.IntN(2) == 0 {
				fn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:fn-%d", region, id, ri)
				p.own = append(p.own, grant{"lambda:CreateFunction", fn}, grant{"iam:PassRole", roleARN((ri + 1) % o.Roles)})
			}
			if len(p.own) == 0 {
				p.own = []grant{{"sqs:GetQueueAttributes", queues[0]}}
			}
			p.trust = []string{"arn:aws:iam::" + id + ":root", "lambda.amazonaws.com"}
			trust := doc([]stmt{
				{Action: []string{"sts:AssumeRole"}, Principal: map[string]any{"AWS": "arn:aws:iam::" + id + ":root"}},
				{Action: []string{"sts:AssumeRole"}, Principal: map[string]any{"Service": "lambda.amazonaws.com"}},
			})
			fa.Roles = append(fa.Roles, world.FileRole{Name: p.name, TrustPolicy: world.NewPolicySource(trust),
				Policies: []world.FileInline{{Name: "app", Document: world.NewPolicySource(grantsDoc(p.own))}}})
			all = append(all, p)
		}
		fw.Accounts = append(fw.Accounts, fa)
	}
	scp := doc([]stmt{{Action: []string{"*"}, Resource: []string{"*"}}, {Effect: "Deny", Action: sortedSet(scpDenied), Resource: []string{"*"}}})
	// The management account holds no principals: SCPs do not apply to
	// it ("Service control policies", AWS Organizations User Guide).
	fw.Accounts = append(fw.Accounts, world.FileAccount{ID: "999999999999", Name: "management"})
	ids = append(ids, "999999999999")
	fw.Organization = &world.FileOrganization{ID: "o-synth00001", ManagementAccount: "999999999999",
		Policies: map[string]world.FileOrgPolicy{"guard": {Type: "scp", Document: world.NewPolicySource(scp)}},
		Root:     world.FileOU{ID: "r-syn1", SCPs: []string{"guard"}, Accounts: ids}}

	// Effective grants.
	for _, p := range all {
		seen := map[grant]bool{}
		add := func(g grant) {
			if scpDenied[g.action] || seen[g] {
				return
			}
			if p.kind == "user" && !boundaryServices[strings.Split(g.action, ":")[0]] {
				return
			}
			seen[g] = true
			p.effective = append(p.effective, g)
		}
		for _, g := range p.own {
			add(g)
		}
		for _, ga := range sortedKeys(p.groups) {
			for _, g := range p.groups[ga] {
				add(g)
			}
		}
	}

	// Which principals, keys, grants are used.
	c := &Corpus{World: fw, Truth: Truth{UsedPairs: map[string][]string{}}}
	var actives []active
	assumedBy := map[string]map[string]bool{} // role ARN -> assumers (user ARN, service)
	for _, p := range all {
		if rng.IntN(4) == 0 || len(p.effective) == 0 {
			continue // unused
		}
		var used []grant
		for _, g := range p.effective {
			if unobservable[g.action] {
				continue // used only through what implies it
			}
			if rng.IntN(2) == 0 {
				used = append(used, g)
			}
		}
		if len(used) == 0 {
			continue
		}
		a := active{p: p, pairs: used}
		if len(p.keys) > 0 {
			a.key = p.keys[rng.IntN(len(p.keys))]
		}
		actives = append(actives, a)
		for _, g := range used {
			if g.action == "sts:AssumeRole" {
				m := assumedBy[g.resource]
				if m == nil {
					m = map[string]bool{}
					assumedBy[g.resource] = m
				}
				m[p.arn] = true
			}
		}
	}
	// Lambda assumes some roles.
	var lambdaAssumes []string
	for _, p := range all {
		if p.kind == "role" && rng.IntN(3) == 0 {
			lambdaAssumes = append(lambdaAssumes, p.arn)
			m := assumedBy[p.arn]
			if m == nil {
				m = map[string]bool{}
				assumedBy[p.arn] = m
			}
			m["lambda.amazonaws.com"] = true
		}
	}

	// Events: every used pair at least once, then at random.
	start := o.Now.Add(-30 * 24 * time.Hour)
	var n int
	emit := func(a active, g grant) {
		t := start.Add(time.Duration(rng.Int64N(int64(30*24*time.Hour - time.Hour))))
		c.Records = append(c.Records, a.record(g, t, n))
		n++
	}
	for _, a := range actives {
		for _, g := range a.pairs {
			emit(a, g)
		}
	}
	for _, r := range lambdaAssumes {
		t := start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
		id := strings.Split(r, ":")[4]
		c.Records = append(c.Records, Record{EventVersion: "1.08", UserIdentity: map[string]any{"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
			EventTime: t.Format(time.RFC3339), EventSource: "sts.amazonaws.com", EventName: "AssumeRole", AWSRegion: region, SourceIPAddress: "lambda.amazonaws.com",
			RequestParameters: map[string]any{"roleArn": r, "roleSessionName": "lambda"}, Resources: []map[string]string{{"ARN": r, "accountId": id, "type": "AWS::IAM::Role"}},
			EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), EventType: "AwsApiCall", EventCategory: "Management", RecipientAccountID: id})
		n++
	}
	for len(actives) > 0 && n < o.Events {
		a := actives[rng.IntN(len(actives))]
		emit(a, a.pairs[rng.IntN(len(a.pairs))])
	}
	sort.SliceStable(c.Records, func(i, j int) bool { return c.Records[i].EventTime < c.Records[j].EventTime })

	// Truth.
	activeOf := map[string]*active{}
	for i := range actives {
		activeOf[actives[i].p.arn] = &actives[i]
	}
	t := &c.Truth
	for _, p := range all {
		a := activeOf[p.arn]
		usedAct := map[string]bool{}
		usedPair := map[grant]bool{}
		if a != nil {
			for _, g := range a.pairs {
				usedAct[g.action] = true
				usedPair[g] = true
				if g.action == "lambda:CreateFunction" {
					// The call passes the role the principal may pass.
					for _, e := range p.effective {
						if e.action == "iam:PassRole" {
							usedAct[e.action] = true
							usedPair[e] = true
						}
					}
				}
			}
			for _, g := range sortedGrants(usedPair) {
				t.UsedPairs[p.arn] = append(t.UsedPairs[p.arn], g.action+" "+g.resource)
			}
		}
		if a == nil && (p.kind == "user" || len(assumedBy[p.arn]) == 0) {
			t.UnusedPrincipals = append(t.UnusedPrincipals, p.arn)
		}
		for _, k := range p.keys {
			if a == nil || a.key != k {
				t.UnusedKeys = append(t.UnusedKeys, p.arn+" "+k)
			}
		}
		for _, g := range sortedKeys(p.groups) {
			used := false
			for _, gg := range p.groups[g] {
				if usedPair[gg] {
					used = true
				}
			}
			if !used {
				t.UnusedMemberships = append(t.UnusedMemberships, p.arn+" "+g)
			}
		}
		effAct := map[string]bool{}
		for _, g := range p.effective {
			effAct[g.action] = true
		}
		observable, usedSvc := map[string]bool{}, map[string]bool{}
		for a := range usedAct {
			usedSvc[strings.Split(a, ":")[0]] = true
		}
		for _, a := range sortedSet(effAct) {
			switch {
			case usedAct[a]:
			case unobservable[a]:
				t.Unobservable = append(t.Unobservable, p.arn+" "+a)
			default:
				t.UnusedActions = append(t.UnusedActions, p.arn+" "+a)
				observable[strings.Split(a, ":")[0]] = true
			}
		}
		for _, s := range sortedSet(observable) {
			if !usedSvc[s] {
				t.UnusedServices = append(t.UnusedServices, p.arn+" "+s)
			}
		}
		for _, tp := range p.trust {
			exercised := false
			for by := range assumedBy[p.arn] {
				if by == tp || (strings.HasSuffix(tp, ":root") && strings.HasPrefix(by, "arn:aws:iam::"+p.account+":")) {
					exercised = true
				}
			}
			if !exercised {
				t.UnexercisedTrust = append(t.UnexercisedTrust, p.arn+" "+tp)
			}
		}
	}
	return c
}

// record is a CloudTrail record of the principal's call.
func (a active) record(g grant, t time.Time, n int) Record {
	p := a.p
	svc, name, _ := strings.Cut(g.action, ":")
	r := Record{EventVersion: "1.08", EventTime: t.Format(time.RFC3339), EventSource: svc + ".amazonaws.com", EventName: name,
		AWSRegion: region, SourceIPAddress: fmt.Sprintf("198.51.100.%d", 1+n%200), EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		EventType: "AwsApiCall", EventCategory: "Management", RecipientAccountID: p.account,
		Resources: []map[string]string{{"ARN": g.resource, "accountId": p.account}}}
	if p.kind == "user" {
		r.UserIdentity = map[string]any{"type": "IAMUser", "principalId": "AIDA" + p.name, "arn": p.arn, "accountId": p.account, "accessKeyId": a.key, "userName": p.name}
	} else {
		r.UserIdentity = map[string]any{"type": "AssumedRole", "principalId": "AROA" + p.name + ":s", "arn": "arn:aws:sts::" + p.account + ":assumed-role/" + p.name + "/s" + fmt.Sprint(n%3),
			"accountId": p.account, "accessKeyId": fmt.Sprintf("ASIA%012d", n),
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": p.arn, "accountId": p.account, "userName": p.name}}}
	}
	switch g.action {
	case "lambda:CreateFunction":
		params := map[string]any{"functionName": g.resource}
		for _, e := range p.effective {
			if e.action == "iam:PassRole" {
				params["role"] = e.resource
			}
		}
		r.RequestParameters = params
		r.EventName = "CreateFunction20150331"
	case "sts:AssumeRole":
		r.RequestParameters = map[string]any{"roleArn": g.resource, "roleSessionName": "s"}
	}
	return r
}

type stmt struct {
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource,omitempty"`
}

func doc(ss []stmt) []byte {
	for i := range ss {
		if ss[i].Effect == "" {
			ss[i].Effect = "Allow"
		}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": ss})
	return b
}

// grantsDoc grants each action on its resources, one statement per action.
func grantsDoc(gs []grant) []byte {
	by := map[string][]string{}
	for _, g := range gs {
		by[g.action] = append(by[g.action], g.resource)
	}
	var ss []stmt
	for _, a := range sortedKeys(by) {
		ss = append(ss, stmt{Action: []string{a}, Resource: by[a]})
	}
	return doc(ss)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedSet(m map[string]bool) []string { return sortedKeys(m) }

func sortedGrants(m map[grant]bool) []grant {
	out := make([]grant, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].action != out[j].action {
			return out[i].action < out[j].action
		}
		return out[i].resource < out[j].resource
	})
	return out
}

// Files splits the records into CloudTrail log files of at most per
// records each, as {"Records": [...]} documents.
func (c *Corpus) Files(per int) [][]byte {
	var out [][]byte
	for i := 0; i < len(c.Records); i += per {
		j := min(i+per, len(c.Records))
		b, _ := json.Marshal(map[string]any{"Records": c.Records[i:j]})
		out = append(out, b)
	}
	return out
}
