package accessanalyzer

import (
	"errors"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// filterOf is a request's filter as package analyzer's, checked: a key no
// finding has, or a criterion testing nothing, is ValidationException.
func filterOf(in shape.Map[aashape.Criterion]) (analyzer.Filter, *awserr.Error) {
	f := analyzer.Filter{}
	for k, c := range in {
		f[k] = analyzer.Criterion{Eq: c.Eq, Neq: c.Neq, Contains: c.Contains, Exists: c.Exists}
	}
	if err := f.Check(); err != nil {
		return nil, validationf(reasonOther, "Invalid filter: %v.", err)
	}
	return f, nil
}

func criteria(f analyzer.Filter) shape.Map[aashape.Criterion] {
	out := shape.Map[aashape.Criterion]{}
	for k, c := range f {
		out[k] = aashape.Criterion{Eq: c.Eq, Neq: c.Neq, Contains: c.Contains, Exists: c.Exists}
	}
	return out
}

// maxRules is Access Analyzer's quota of archive rules per analyzer (the
// IAM User Guide, "IAM Access Analyzer quotas": 100).
const maxRules = 100

// inlineRules are CreateAnalyzer's archiveRules.
func inlineRules(in shape.List[aashape.InlineArchiveRule], c *api.Call) ([]analyzer.Rule, *awserr.Error) {
	var out []analyzer.Rule
	seen := map[string]bool{}
	for _, r := range in {
		f, e := filterOf(r.Filter)
		if e != nil {
			return nil, e
		}
		if seen[r.RuleName] {
			return nil, conflict(r.RuleName, "ArchiveRule")
		}
		seen[r.RuleName] = true
		out = append(out, analyzer.Rule{Name: r.RuleName, Filter: f, CreatedAt: c.Now, UpdatedAt: c.Now})
	}
	if len(out) > maxRules {
		return nil, validationf(reasonOther, "An analyzer has at most %d archive rules.", maxRules)
	}
	return out, nil
}

func ruleSummary(r *analyzer.Rule) *aashape.ArchiveRuleSummary {
	return &aashape.ArchiveRuleSummary{RuleName: r.Name, Filter: criteria(r.Filter), CreatedAt: shape.ISOAt(r.CreatedAt), UpdatedAt: shape.ISOAt(r.UpdatedAt)}
}

// update runs fn on a stored analyzer, with the errors of the API.
func update(b AnalyzerBackend, c *api.Call, name string, fn func(a *analyzer.Analyzer) *awserr.Error) *awserr.Error {
	var fe *awserr.Error
	err := b.Analyzers().Update(c.Ctx, c.Account(), region(c), name, func(a *analyzer.Analyzer) error {
		fe = fn(a)
		if fe != nil {
			return errHandler
		}
		return nil
	})
	switch {
	case errors.Is(err, errHandler):
		return fe
	case errors.Is(err, ErrNoAnalyzer):
		return notFound(name, "Analyzer")
	case err != nil:
		return storeError(err)
	}
	return nil
}

var errHandler = errors.New("accessanalyzer: the handler refused the change")

// scanned makes an analyzer current before its rules change: the findings
// there are then are existing ones, which a new or changed rule does not
// archive (on AWS they would have been found already; iamgate scans when a
// read needs it).
func scanned(b AnalyzerBackend, c *api.Call, name string) *awserr.Error {
	a, e := lookup(b, c, name)
	if e != nil {
		return e
	}
	_, e = current(b, c, a)
	return e
}

// createArchiveRule adds a rule, which archives the new findings it
// matches from then on (the API Reference, CreateArchiveRule: "Archive
// rules automatically archive new findings that meet the criteria you
// define when you create the rule").
func createArchiveRule(b AnalyzerBackend, c *api.Call, in *aashape.CreateArchiveRuleRequest) (*struct{}, *awserr.Error) {
	f, e := filterOf(in.Filter)
	if e != nil {
		return nil, e
	}
	if e := scanned(b, c, in.AnalyzerName); e != nil {
		return nil, e
	}
	e = update(b, c, in.AnalyzerName, func(a *analyzer.Analyzer) *awserr.Error {
		if _, ok := a.Rule(in.RuleName); ok {
			return conflict(in.RuleName, "ArchiveRule")
		}
		if len(a.Rules) >= maxRules {
			qe := aaerr.ServiceQuotaExceededException("An analyzer has at most %d archive rules.", maxRules)
			qe.ResourceID, qe.ResourceType = in.RuleName, "ArchiveRule"
			return qe
		}
		a.Rules = append(a.Rules, analyzer.Rule{Name: in.RuleName, Filter: f, CreatedAt: c.Now, UpdatedAt: c.Now})
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &struct{}{}, nil
}

func getArchiveRule(b AnalyzerBackend, c *api.Call, in *aashape.GetArchiveRuleRequest) (*aashape.GetArchiveRuleResponse, *awserr.Error) {
	a, e := lookup(b, c, in.AnalyzerName)
	if e != nil {
		return nil, e
	}
	r, ok := a.Rule(in.RuleName)
	if !ok {
		return nil, notFound(in.RuleName, "ArchiveRule")
	}
	return &aashape.GetArchiveRuleResponse{ArchiveRule: ruleSummary(r)}, nil
}

func listArchiveRules(b AnalyzerBackend, c *api.Call, in *aashape.ListArchiveRulesRequest) (*aashape.ListArchiveRulesResponse, *awserr.Error) {
	a, e := lookup(b, c, in.AnalyzerName)
	if e != nil {
		return nil, e
	}
	from, to, next, e := page(in.NextToken, in.MaxResults, len(a.Rules))
	if e != nil {
		return nil, e
	}
	out := &aashape.ListArchiveRulesResponse{ArchiveRules: shape.List[aashape.ArchiveRuleSummary]{}, NextToken: next}
	for i := from; i < to; i++ {
		out.ArchiveRules = append(out.ArchiveRules, *ruleSummary(&a.Rules[i]))
	}
	return out, nil
}

func updateArchiveRule(b AnalyzerBackend, c *api.Call, in *aashape.UpdateArchiveRuleRequest) (*struct{}, *awserr.Error) {
	f, e := filterOf(in.Filter)
	if e != nil {
		return nil, e
	}
	if e := scanned(b, c, in.AnalyzerName); e != nil {
		return nil, e
	}
	e = update(b, c, in.AnalyzerName, func(a *analyzer.Analyzer) *awserr.Error {
		r, ok := a.Rule(in.RuleName)
		if !ok {
			return notFound(in.RuleName, "ArchiveRule")
		}
		r.Filter, r.UpdatedAt = f, c.Now
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &struct{}{}, nil
}

func deleteArchiveRule(b AnalyzerBackend, c *api.Call, in *aashape.DeleteArchiveRuleRequest) (*struct{}, *awserr.Error) {
	// As for a new or changed rule: the findings the world has now are
	// judged under the rules as they were.
	if e := scanned(b, c, in.AnalyzerName); e != nil {
		return nil, e
	}
	e := update(b, c, in.AnalyzerName, func(a *analyzer.Analyzer) *awserr.Error {
		for i := range a.Rules {
			if a.Rules[i].Name == in.RuleName {
				a.Rules = append(a.Rules[:i], a.Rules[i+1:]...)
				return nil
			}
		}
		return notFound(in.RuleName, "ArchiveRule")
	})
	if e != nil {
		return nil, e
	}
	return &struct{}{}, nil
}

// applyArchiveRule archives the ACTIVE findings a rule matches, with the
// findings current (the API Reference, ApplyArchiveRule: "Retroactively
// applies the archive rule to existing findings that meet the archive rule
// criteria").
func applyArchiveRule(b AnalyzerBackend, c *api.Call, in *aashape.ApplyArchiveRuleRequest) (*struct{}, *awserr.Error) {
	a, e := lookupARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	if _, ok := a.Rule(in.RuleName); !ok {
		return nil, notFound(in.RuleName, "ArchiveRule")
	}
	if _, e := current(b, c, a); e != nil {
		return nil, e
	}
	e = update(b, c, a.Name, func(a *analyzer.Analyzer) *awserr.Error {
		r, ok := a.Rule(in.RuleName)
		if !ok {
			return notFound(in.RuleName, "ArchiveRule")
		}
		a.Apply(*r, c.Now)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &struct{}{}, nil
}

func init() {
	registerOn("CreateArchiveRule", "CreateArchiveRule",
		ruleByName(func(in *aashape.CreateArchiveRuleRequest) (string, string) { return in.AnalyzerName, in.RuleName }), createArchiveRule)
	registerOn("GetArchiveRule", "GetArchiveRule",
		ruleByName(func(in *aashape.GetArchiveRuleRequest) (string, string) { return in.AnalyzerName, in.RuleName }), getArchiveRule)
	registerOn("ListArchiveRules", "ListArchiveRules",
		byName(func(in *aashape.ListArchiveRulesRequest) string { return in.AnalyzerName }), listArchiveRules)
	registerOn("UpdateArchiveRule", "UpdateArchiveRule",
		ruleByName(func(in *aashape.UpdateArchiveRuleRequest) (string, string) { return in.AnalyzerName, in.RuleName }), updateArchiveRule)
	registerOn("DeleteArchiveRule", "DeleteArchiveRule",
		ruleByName(func(in *aashape.DeleteArchiveRuleRequest) (string, string) { return in.AnalyzerName, in.RuleName }), deleteArchiveRule)
	registerOn("ApplyArchiveRule", "ApplyArchiveRule",
		byARN(func(in *aashape.ApplyArchiveRuleRequest) string { return in.AnalyzerArn }), applyArchiveRule)
}
