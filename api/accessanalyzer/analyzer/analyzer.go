package analyzer

import (
	"context"
	"sort"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/world"
)

// Analyzer types served (botocore: Type). The unused and internal access
// types are not.
const (
	TypeAccount      = "ACCOUNT"
	TypeOrganization = "ORGANIZATION"
)

// Analyzer is an analyzer of external access: what CreateAnalyzer made,
// its archive rules and tags, and its findings as of the world version
// it last scanned.
type Analyzer struct {
	ARN       string            `json:"arn"`
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	Account   string            `json:"account"`
	Region    string            `json:"region"`
	CreatedAt time.Time         `json:"createdAt"`
	Tags      map[string]string `json:"tags,omitempty"`
	Rules     []Rule            `json:"rules,omitempty"`
	Findings  []Finding         `json:"findings,omitempty"`
	// Version is the version of the world last scanned (zero: never).
	Version Version `json:"version,omitzero"`
	// Resources are the resources the last scan analyzed, with their
	// owner, by ARN (ListAnalyzedResources).
	Resources map[string]Resource `json:"resources,omitempty"`
	// LastResource and LastResourceAt are the last resource analyzed and
	// when (AnalyzerSummary's lastResourceAnalyzed).
	LastResource   string    `json:"lastResource,omitempty"`
	LastResourceAt time.Time `json:"lastResourceAt,omitzero"`
}

// Version says which state of the stored world a scan saw: Digest tells
// two states apart (a digest of the sequence numbers of the accounts and
// the organization), Head orders them (the largest of those sequence
// numbers), so that a server whose copy of the world is behind another's
// never replaces the other's scan with an older one.
type Version struct {
	Digest int64 `json:"digest,omitempty"`
	Head   int64 `json:"head,omitempty"`
}

// Resource is a resource an analyzer analyzed.
type Resource struct {
	Type       string    `json:"type"`
	Owner      string    `json:"owner"`
	AnalyzedAt time.Time `json:"analyzedAt"`
	CreatedAt  time.Time `json:"createdAt"`
}

// ARN is an analyzer's ARN (the Service Authorization Reference, IAM
// Access Analyzer, resource type Analyzer).
func ARN(region, account, name string) string {
	return "arn:aws:access-analyzer:" + region + ":" + account + ":analyzer/" + name
}

// RuleARN is an archive rule's ARN (resource type ArchiveRule).
func RuleARN(region, account, analyzer, rule string) string {
	return ARN(region, account, analyzer) + "/archive-rule/" + rule
}

// Rule finds its archive rule by name.
func (a *Analyzer) Rule(name string) (*Rule, bool) {
	for i := range a.Rules {
		if a.Rules[i].Name == name {
			return &a.Rules[i], true
		}
	}
	return nil, false
}

// Finding finds a finding by ID.
func (a *Analyzer) Finding(id string) (*Finding, bool) {
	for i := range a.Findings {
		if a.Findings[i].ID == id {
			return &a.Findings[i], true
		}
	}
	return nil, false
}

// Scan is what a scan of the world found for an analyzer: its findings
// (without ID, status or times) and the resources it analyzed.
type Scan struct {
	Findings  []Finding
	Resources map[string]Resource
}

// Analyze scans w for the analyzer's zone of trust, its account or its
// organization (analysis.External): an ORGANIZATION analyzer reports the
// resources of the organization's accounts, an ACCOUNT analyzer those of
// its account. ctx bounds the analysis (nil: none).
func (a *Analyzer) Analyze(ctx context.Context, w *world.World, now time.Time) (*Scan, error) {
	q := analysis.ExternalQuery{Zone: analysis.ZoneAccount, Account: a.Account, Time: now, NoEvaldocCheck: true, Ctx: ctx}
	inZone := func(acct string) bool { return acct == a.Account }
	if a.Type == TypeOrganization {
		q = analysis.ExternalQuery{Zone: analysis.ZoneOrganization, Time: now, NoEvaldocCheck: true, Ctx: ctx}
		inZone = func(acct string) bool {
			x := w.Accounts.Get(acct)
			return x != nil && x.OU != nil
		}
	}
	fs, err := analysis.NewIndex(w).External(q)
	if err != nil {
		return nil, err
	}
	owners := Owners(w)
	// Analyzers are regional: a resource whose ARN names a region is
	// analyzed by the analyzers of that region only (global ones, such as
	// IAM roles, by every region's).
	inRegion := func(r string) bool {
		p, err := arn.Parse(r)
		return a.Region == "" || err != nil || p.Region == "" || p.Region == a.Region
	}
	s := &Scan{Resources: map[string]Resource{}}
	for _, f := range FromAnalysis(fs, func(r string) string { return owners[r] }) {
		if inZone(f.ResourceOwnerAccount) && inRegion(f.Resource) {
			s.Findings = append(s.Findings, f)
		}
	}
	for r, owner := range owners {
		if t, ok := ResourceType(r); ok && inZone(owner) && inRegion(r) {
			s.Resources[r] = Resource{Type: t, Owner: owner, AnalyzedAt: now, CreatedAt: now}
		}
	}
	return s, nil
}

// Take makes a scan of the world at version the analyzer's: its findings
// reconciled with those kept (Reconcile), its resources analyzed.
func (a *Analyzer) Take(s *Scan, version Version, now time.Time) {
	resources := map[string]Resource{}
	last := ""
	for r, res := range s.Resources {
		if old, ok := a.Resources[r]; ok {
			res.CreatedAt = old.CreatedAt
		}
		resources[r] = res
		last = max(last, r)
	}
	a.Resources = resources
	a.Findings = Reconcile(a.ARN, a.Findings, s.Findings, a.Rules, now)
	a.Version = version
	if last != "" {
		a.LastResource, a.LastResourceAt = last, now
	}
}

// Owners maps every resource and role of w with a resource-based or trust
// policy to its account.
func Owners(w *world.World) map[string]string {
	out := map[string]string{}
	for id, acct := range w.Accounts.All() {
		for r := range acct.Resources.Keys() {
			out[r] = id
		}
		for _, role := range acct.Roles.All() {
			out[role.ARN()] = id
		}
	}
	return out
}

// Reconcile gives the findings of a scan (without ID, status or times) the
// IDs of analyzer arn and their status, from the findings kept: a finding
// kept keeps its status, creation time and, unless its status changes, its
// update time (a RESOLVED finding produced again is ACTIVE again); a new
// one is ACTIVE, or ARCHIVED when an archive rule matches it; a kept
// finding the scan no longer produces is RESOLVED, except an error finding,
// which is removed (the IAM User Guide, "Resolve IAM Access Analyzer
// findings",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings-remediate.html:
// "If the access to the resource is removed, the status of the finding is
// changed to Resolved"; "the error finding will be removed completely
// instead of changing to a resolved finding"). Findings are sorted by
// resource, then ID.
func Reconcile(arn string, kept, scanned []Finding, rules []Rule, now time.Time) []Finding {
	old := map[string]Finding{}
	for _, f := range kept {
		old[f.ID] = f
	}
	seen := map[string]bool{}
	var out []Finding
	for _, f := range scanned {
		f.ID = ID(arn, f)
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		f.AnalyzedAt = now
		if o, ok := old[f.ID]; ok && o.Status != StatusResolved {
			f.Status, f.CreatedAt, f.UpdatedAt = o.Status, o.CreatedAt, o.UpdatedAt
		} else {
			f.CreatedAt = now
			if ok {
				f.CreatedAt = o.CreatedAt
			}
			f.UpdatedAt = now
			f.Status = StatusActive
			if Archives(rules, f) {
				f.Status = StatusArchived
			}
		}
		out = append(out, f)
	}
	for _, f := range kept {
		if seen[f.ID] || f.Error != "" {
			continue
		}
		if f.Status != StatusResolved {
			f.Status, f.UpdatedAt = StatusResolved, now
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Archives reports whether an archive rule matches a finding.
func Archives(rules []Rule, f Finding) bool {
	for _, r := range rules {
		if r.Filter.Match(f) {
			return true
		}
	}
	return false
}

// Apply archives the ACTIVE findings rule matches (ApplyArchiveRule:
// "Retroactively applies the archive rule to existing findings that meet
// the archive rule criteria", the API Reference; a rule created or
// updated archives only new findings); it returns how many it archived.
func (a *Analyzer) Apply(rule Rule, now time.Time) int {
	n := 0
	for i := range a.Findings {
		f := &a.Findings[i]
		if f.Status == StatusActive && rule.Filter.Match(*f) {
			f.Status, f.UpdatedAt = StatusArchived, now
			n++
		}
	}
	return n
}
