package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/validate"
)

// Guardrails are the security team's rules, as written in a YAML file.
type Guardrails struct {
	// SecurityAccount holds the mandatory-deny and boundary policies and
	// the pipeline's own role.
	SecurityAccount string `yaml:"securityAccount"`
	// CentralRole is the role the pipeline assumes in a target account
	// (default central-account-role, the seed's name).
	CentralRole string `yaml:"centralRole,omitempty"`
	// TeamTag is the principal tag that names a submitter's team (default
	// "team"); rulesets can match on it.
	TeamTag  string    `yaml:"teamTag,omitempty"`
	Rulesets []Ruleset `yaml:"rulesets"`

	// Set when loaded.
	File    string `yaml:"-"`
	Text    []byte `yaml:"-"`
	Version int    `yaml:"-"` // the store's version number (0: not stored)
}

// Ruleset is the rules for one kind of account or team.
type Ruleset struct {
	Name  string `yaml:"name"`
	Match Match  `yaml:"match"`
	// MandatoryDenies names a managed policy in the security account (its
	// name or ARN) whose Deny statements are appended to every accepted
	// policy.
	MandatoryDenies string `yaml:"mandatoryDenies,omitempty"`
	Rules           []Rule `yaml:"rules"`
	Line            int    `yaml:"-"`
}

// Match chooses the target accounts and teams a ruleset applies to: any
// listed label of the account, its ID, or the submitter's team; All
// applies it everywhere.
type Match struct {
	Labels   []string `yaml:"labels,omitempty"`
	Accounts []string `yaml:"accounts,omitempty"`
	Teams    []string `yaml:"teams,omitempty"`
	All      bool     `yaml:"all,omitempty"`
}

// Rule is one check. Exactly one of the check fields is set.
type Rule struct {
	ID string `yaml:"id"`
	// Message replaces the rule's own message in a rejection.
	Message string `yaml:"message,omitempty"`

	// StarStar rejects an Allow statement with "*" in both Action and
	// Resource (the seed's first check).
	StarStar bool `yaml:"starStar,omitempty"`
	// Findings rejects validator findings of this type or worse: ERROR,
	// SECURITY_WARNING, WARNING or SUGGESTION.
	Findings string `yaml:"findings,omitempty"`
	// AllowedServices and ForbiddenServices are service prefixes (ec2, s3).
	AllowedServices   []string `yaml:"allowedServices,omitempty"`
	ForbiddenServices []string `yaml:"forbiddenServices,omitempty"`
	// AllowedActions and ForbiddenActions are action patterns (s3:Get*).
	AllowedActions   []string `yaml:"allowedActions,omitempty"`
	ForbiddenActions []string `yaml:"forbiddenActions,omitempty"`
	// RequiredConditions: a statement granting these actions must limit
	// them with this condition.
	RequiredConditions []RequiredCondition `yaml:"requiredConditions,omitempty"`
	// ForbiddenResources are ARN patterns no statement may grant access to.
	ForbiddenResources []string `yaml:"forbiddenResources,omitempty"`
	// MaxAccessLevel is the highest access level granted per service
	// prefix, "*" for every other service: List, Read, Tagging, Write,
	// Permissions management.
	MaxAccessLevel map[string]string `yaml:"maxAccessLevel,omitempty"`
	// Boundary names a managed policy in the security account (name or
	// ARN): a policy may never grant more than it.
	Boundary string `yaml:"boundary,omitempty"`

	Line int `yaml:"-"`
}

// RequiredCondition is a condition that statements granting Actions must
// carry: Key with one of Operators (any operator when empty), every value
// matching one of Values (patterns with * and ?).
type RequiredCondition struct {
	Actions   []string `yaml:"actions"`
	Key       string   `yaml:"key"`
	Operators []string `yaml:"operators,omitempty"`
	Values    []string `yaml:"values"`
}

// StarStarMessage is the seed's rejection for "*" on "*".
const StarStarMessage = "Policy creation request rejected: * permissions not allowed in both actions and resources"

// DefaultCentralRole is the seed's role name in target accounts.
const DefaultCentralRole = "central-account-role"

// accessRank orders access levels from least to most powerful.
var accessRank = map[string]int{
	strings.ToLower(catalog.List): 1, strings.ToLower(catalog.Read): 2, strings.ToLower(catalog.Tagging): 3,
	strings.ToLower(catalog.Write): 4, strings.ToLower(catalog.PermissionsManagement): 5,
}

// kind names the check a rule makes ("" when none or several are set).
func (r *Rule) kind() (string, int) {
	var set []string
	add := func(on bool, name string) {
		if on {
			set = append(set, name)
		}
	}
	add(r.StarStar, "starStar")
	add(r.Findings != "", "findings")
	add(len(r.AllowedServices) > 0, "allowedServices")
	add(len(r.ForbiddenServices) > 0, "forbiddenServices")
	add(len(r.AllowedActions) > 0, "allowedActions")
	add(len(r.ForbiddenActions) > 0, "forbiddenActions")
	add(len(r.RequiredConditions) > 0, "requiredConditions")
	add(len(r.ForbiddenResources) > 0, "forbiddenResources")
	add(len(r.MaxAccessLevel) > 0, "maxAccessLevel")
	add(r.Boundary != "", "boundary")
	if len(set) == 1 {
		return set[0], 1
	}
	return strings.Join(set, ", "), len(set)
}

// LoadGuardrails reads and checks a guardrails file.
func LoadGuardrails(path string) (*Guardrails, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseGuardrails(path, data)
}

// ParseGuardrails reads and checks guardrails. Every error names the file
// and line.
func ParseGuardrails(name string, data []byte) (*Guardrails, error) {
	var g Guardrails
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	setLines(&root, &g)
	g.File, g.Text = name, append([]byte(nil), data...)
	if g.CentralRole == "" {
		g.CentralRole = DefaultCentralRole
	}
	if g.TeamTag == "" {
		g.TeamTag = "team"
	}
	if err := g.check(catalog.Default()); err != nil {
		return nil, err
	}
	return &g, nil
}

// setLines copies each ruleset's and rule's line from the YAML nodes.
func setLines(root *yaml.Node, g *Guardrails) {
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	sets := mapValue(root, "rulesets")
	if sets == nil || sets.Kind != yaml.SequenceNode {
		return
	}
	for i, n := range sets.Content {
		if i >= len(g.Rulesets) {
			break
		}
		g.Rulesets[i].Line = n.Line
		rules := mapValue(n, "rules")
		if rules == nil || rules.Kind != yaml.SequenceNode {
			continue
		}
		for j, rn := range rules.Content {
			if j < len(g.Rulesets[i].Rules) {
				g.Rulesets[i].Rules[j].Line = rn.Line
			}
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func (g *Guardrails) check(cat *catalog.Catalog) error {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", g.File, line, fmt.Sprintf(format, args...)))
	}
	if !arn.IsAccountID(g.SecurityAccount) {
		bad(1, "securityAccount %q: want the 12-digit ID of the security account", g.SecurityAccount)
	}
	if len(g.Rulesets) == 0 {
		bad(1, "no rulesets: the pipeline would accept nothing")
	}
	names := map[string]bool{}
	for i := range g.Rulesets {
		rs := &g.Rulesets[i]
		if rs.Name == "" {
			bad(rs.Line, "ruleset %d has no name", i+1)
		} else if names[rs.Name] {
			bad(rs.Line, "ruleset %q is defined twice", rs.Name)
		}
		names[rs.Name] = true
		m := rs.Match
		if !m.All && len(m.Labels)+len(m.Accounts)+len(m.Teams) == 0 {
			bad(rs.Line, "ruleset %q: match needs labels, accounts, teams or all: true", rs.Name)
		}
		for _, a := range m.Accounts {
			if !arn.IsAccountID(a) {
				bad(rs.Line, "ruleset %q: match account %q is not a 12-digit account ID", rs.Name, a)
			}
		}
		ids := map[string]bool{}
		for j := range rs.Rules {
			r := &rs.Rules[j]
			kind, n := r.kind()
			switch n {
			case 0:
				bad(r.Line, "rule %q checks nothing: set one of starStar, findings, allowedServices, forbiddenServices, allowedActions, forbiddenActions, requiredConditions, forbiddenResources, maxAccessLevel, boundary", r.ID)
				continue
			case 1:
			default:
				bad(r.Line, "rule %q sets %s; a rule makes one check", r.ID, kind)
				continue
			}
			if r.ID == "" {
				r.ID = kind
			}
			if ids[r.ID] {
				bad(r.Line, "rule id %q is used twice in ruleset %q", r.ID, rs.Name)
			}
			ids[r.ID] = true
			for _, err := range r.check(cat) {
				bad(r.Line, "rule %q: %v", r.ID, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Rule) check(cat *catalog.Catalog) []error {
	var errs []error
	if r.Findings != "" {
		t, err := validate.ParseFindingType(r.Findings)
		if err != nil {
			errs = append(errs, err)
		}
		r.Findings = string(t)
	}
	for _, s := range append(slices.Clone(r.AllowedServices), r.ForbiddenServices...) {
		if _, ok := cat.Service(s); !ok && !strings.ContainsAny(s, "*?") {
			errs = append(errs, fmt.Errorf("service %q is not in the service catalog", s))
		}
	}
	actionPattern := func(p string) {
		if p != "*" && !strings.Contains(p, ":") {
			errs = append(errs, fmt.Errorf("action %q: want service:action", p))
		}
	}
	for _, p := range append(slices.Clone(r.AllowedActions), r.ForbiddenActions...) {
		actionPattern(p)
	}
	for i, rc := range r.RequiredConditions {
		if len(rc.Actions) == 0 || rc.Key == "" || len(rc.Values) == 0 {
			errs = append(errs, fmt.Errorf("requiredConditions[%d] needs actions, key and values", i))
		}
		for _, p := range rc.Actions {
			actionPattern(p)
		}
	}
	for _, p := range r.ForbiddenResources {
		if p != "*" && len(strings.SplitN(p, ":", 6)) != 6 {
			errs = append(errs, fmt.Errorf("forbidden resource %q: want an ARN pattern (arn:aws:lambda:*:*:function:security-*)", p))
		}
	}
	for svc, lvl := range r.MaxAccessLevel {
		if _, ok := accessRank[strings.ToLower(lvl)]; !ok {
			errs = append(errs, fmt.Errorf("maxAccessLevel %s: %q: want List, Read, Tagging, Write or Permissions management", svc, lvl))
		}
		if _, ok := cat.Service(svc); !ok && svc != "*" {
			errs = append(errs, fmt.Errorf("maxAccessLevel: service %q is not in the service catalog", svc))
		}
	}
	return errs
}

// Applies reports whether a ruleset applies to an account (by ID and
// labels) and a team.
func (m Match) Applies(account string, labels []string, team string) bool {
	if m.All || slices.Contains(m.Accounts, account) || (team != "" && slices.Contains(m.Teams, team)) {
		return true
	}
	for _, l := range labels {
		if slices.ContainsFunc(m.Labels, func(x string) bool { return strings.EqualFold(x, l) }) {
			return true
		}
	}
	return false
}

// policyARN turns a name or ARN in the security account into an ARN.
func (g *Guardrails) policyARN(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return "arn:aws:iam::" + g.SecurityAccount + ":policy/" + strings.TrimPrefix(ref, "/")
}
