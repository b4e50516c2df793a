package accessanalyzer

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// current is the analyzer with its findings as of the current world: when
// the stored world changed since its last scan (its version differs), the
// world is scanned again (in an analysis slot) and the scan reconciled
// with the findings kept, in one write conditional on the analyzer read
// (a write between, such as UpdateFindings, is kept: the scan is
// reconciled with the analyzer as then stored).
func current(b AnalyzerBackend, c *api.Call, a *analyzer.Analyzer) (*analyzer.Analyzer, *awserr.Error) {
	w, version := b.World()
	if a.Version == version || a.Version.Head > version.Head {
		// Current, or scanned by a server whose copy of the world is
		// ahead of this one's: that scan is the newer.
		return a, nil
	}
	var scan *analyzer.Scan
	err := b.Analyze(c, func(ctx context.Context) error {
		var err error
		scan, err = a.Analyze(ctx, w, c.Now)
		return err
	})
	var ae *awserr.Error
	switch {
	case errors.As(err, &ae):
		return nil, Edge(ae)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return nil, aaerr.ThrottlingException("The scan of the analyzer's zone of trust did not finish in the time iamgate gives one (serve --analysis-timeout).")
	}
	if err != nil {
		return nil, aaerr.InternalServerException("The analysis of external access failed: %v", err)
	}
	var out *analyzer.Analyzer
	e := update(b, c, a.Name, func(x *analyzer.Analyzer) *awserr.Error {
		if x.Version != version && x.Version.Head <= version.Head {
			x.Take(scan, version, c.Now)
		}
		out = x
		return nil
	})
	if e != nil {
		return nil, e
	}
	return out, nil
}

// currentARN is the analyzer an ARN names, current.
func currentARN(b AnalyzerBackend, c *api.Call, analyzerARN string) (*analyzer.Analyzer, *awserr.Error) {
	a, e := lookupARN(b, c, analyzerARN)
	if e != nil {
		return nil, e
	}
	return current(b, c, a)
}

func findingOut(f *analyzer.Finding) aashape.Finding {
	out := aashape.Finding{Id: f.ID, Resource: f.Resource, ResourceType: f.ResourceType, ResourceOwnerAccount: f.ResourceOwnerAccount,
		Status: f.Status, CreatedAt: shape.ISOAt(f.CreatedAt), AnalyzedAt: shape.ISOAt(f.AnalyzedAt), UpdatedAt: shape.ISOAt(f.UpdatedAt),
		Condition: shape.Map[string]{}, Error: f.Error}
	if f.Error == "" {
		out.IsPublic = shape.Ptr(f.IsPublic)
		out.Action = shape.List[string](f.Actions)
	}
	if len(f.Principal) > 0 {
		out.Principal = shape.Map[string](f.Principal)
	}
	for k, v := range f.Condition {
		out.Condition[k] = v
	}
	return out
}

// sortKeys are the attributes findings sort on (SortCriteria's
// attributeName: a filter key, or a time).
func sortValue(f *analyzer.Finding, attr string) string {
	switch attr {
	case "createdAt":
		return f.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z")
	case "updatedAt":
		return f.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z")
	case "analyzedAt":
		return f.AnalyzedAt.UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	vs := analyzer.Values(*f, attr)
	return strings.Join(vs, ",")
}

// listed are an analyzer's findings the filter keeps, in the order asked
// (by resource, then ID, when none is).
func listed(a *analyzer.Analyzer, filter shape.Map[aashape.Criterion], sc *aashape.SortCriteria) ([]*analyzer.Finding, *awserr.Error) {
	flt, e := filterOf(filter)
	if e != nil {
		return nil, e
	}
	var out []*analyzer.Finding
	for i := range a.Findings {
		if flt.Match(a.Findings[i]) {
			out = append(out, &a.Findings[i])
		}
	}
	if sc != nil && sc.AttributeName != "" {
		if !analyzer.SortKey(sc.AttributeName) {
			return nil, validationf(reasonOther, "Findings cannot be sorted on %s.", sc.AttributeName)
		}
		desc := sc.OrderBy == "DESC"
		sort.SliceStable(out, func(i, j int) bool {
			x, y := sortValue(out[i], sc.AttributeName), sortValue(out[j], sc.AttributeName)
			if desc {
				return x > y
			}
			return x < y
		})
	}
	return out, nil
}

func listFindings(b AnalyzerBackend, c *api.Call, in *aashape.ListFindingsRequest) (*aashape.ListFindingsResponse, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	fs, e := listed(a, in.Filter, in.Sort)
	if e != nil {
		return nil, e
	}
	from, to, next, e := page(in.NextToken, in.MaxResults, len(fs))
	if e != nil {
		return nil, e
	}
	out := &aashape.ListFindingsResponse{Findings: shape.List[aashape.FindingSummary]{}, NextToken: next}
	for _, f := range fs[from:to] {
		x := findingOut(f)
		out.Findings = append(out.Findings, aashape.FindingSummary{Id: x.Id, Principal: x.Principal, Action: x.Action, Resource: x.Resource,
			IsPublic: x.IsPublic, ResourceType: x.ResourceType, Condition: x.Condition, CreatedAt: x.CreatedAt, AnalyzedAt: x.AnalyzedAt,
			UpdatedAt: x.UpdatedAt, Status: x.Status, ResourceOwnerAccount: x.ResourceOwnerAccount, Error: x.Error})
	}
	return out, nil
}

func listFindingsV2(b AnalyzerBackend, c *api.Call, in *aashape.ListFindingsV2Request) (*aashape.ListFindingsV2Response, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	fs, e := listed(a, in.Filter, in.Sort)
	if e != nil {
		return nil, e
	}
	from, to, next, e := page(in.NextToken, in.MaxResults, len(fs))
	if e != nil {
		return nil, e
	}
	out := &aashape.ListFindingsV2Response{Findings: shape.List[aashape.FindingSummaryV2]{}, NextToken: next}
	for _, f := range fs[from:to] {
		out.Findings = append(out.Findings, aashape.FindingSummaryV2{Id: f.ID, Resource: f.Resource, ResourceType: f.ResourceType,
			ResourceOwnerAccount: f.ResourceOwnerAccount, Status: f.Status, Error: f.Error, FindingType: "ExternalAccess",
			CreatedAt: shape.ISOAt(f.CreatedAt), AnalyzedAt: shape.ISOAt(f.AnalyzedAt), UpdatedAt: shape.ISOAt(f.UpdatedAt)})
	}
	return out, nil
}

func findingByID(b AnalyzerBackend, c *api.Call, analyzerARN, id string) (*analyzer.Finding, *awserr.Error) {
	a, e := currentARN(b, c, analyzerARN)
	if e != nil {
		return nil, e
	}
	f, ok := a.Finding(id)
	if !ok {
		return nil, notFound(id, "Finding")
	}
	return f, nil
}

func getFinding(b AnalyzerBackend, c *api.Call, in *aashape.GetFindingRequest) (*aashape.GetFindingResponse, *awserr.Error) {
	f, e := findingByID(b, c, in.AnalyzerArn, in.Id)
	if e != nil {
		return nil, e
	}
	out := findingOut(f)
	return &aashape.GetFindingResponse{Finding: &out}, nil
}

// getFindingV2 answers an external access finding with one
// externalAccessDetails (its principal, actions, condition).
func getFindingV2(b AnalyzerBackend, c *api.Call, in *aashape.GetFindingV2Request) (*aashape.GetFindingV2Response, *awserr.Error) {
	f, e := findingByID(b, c, in.AnalyzerArn, in.Id)
	if e != nil {
		return nil, e
	}
	x := findingOut(f)
	return &aashape.GetFindingV2Response{Id: f.ID, Resource: f.Resource, ResourceType: f.ResourceType, ResourceOwnerAccount: f.ResourceOwnerAccount,
		Status: f.Status, Error: f.Error, FindingType: "ExternalAccess", CreatedAt: x.CreatedAt, AnalyzedAt: x.AnalyzedAt, UpdatedAt: x.UpdatedAt,
		FindingDetails: shape.List[aashape.FindingDetails]{{ExternalAccessDetails: &aashape.ExternalAccessDetails{
			Action: x.Action, Condition: x.Condition, IsPublic: x.IsPublic, Principal: x.Principal}}}}, nil
}

// updateFindings sets the status of findings, named by ID or by their
// resource (the API Reference, UpdateFindings: "ids: The IDs of the
// findings to update"; "resourceArn: The ARN of the resource identified in
// the finding"): ACTIVE or ARCHIVED; a RESOLVED finding keeps its status
// (only a new scan changes it). An ID the analyzer has no finding of is
// ResourceNotFoundException.
func updateFindings(b AnalyzerBackend, c *api.Call, in *aashape.UpdateFindingsRequest) (*struct{}, *awserr.Error) {
	if (len(in.Ids) == 0) == (in.ResourceArn == "") {
		return nil, validationf(reasonOther, "Give either ids or resourceArn.")
	}
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	e = update(b, c, a.Name, func(x *analyzer.Analyzer) *awserr.Error {
		for _, id := range in.Ids {
			if _, ok := x.Finding(id); !ok {
				return notFound(id, "Finding")
			}
		}
		ids := map[string]bool{}
		for _, id := range in.Ids {
			ids[id] = true
		}
		for i := range x.Findings {
			f := &x.Findings[i]
			if (ids[f.ID] || in.ResourceArn != "" && f.Resource == in.ResourceArn) && f.Status != analyzer.StatusResolved && f.Status != in.Status {
				f.Status, f.UpdatedAt = in.Status, c.Now
			}
		}
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &struct{}{}, nil
}

func getFindingsStatistics(b AnalyzerBackend, c *api.Call, in *aashape.GetFindingsStatisticsRequest) (*aashape.GetFindingsStatisticsResponse, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	var active, archived, resolved int32
	byType := shape.Map[aashape.ResourceTypeDetails]{}
	count := func(p **int32) {
		if *p == nil {
			*p = shape.Ptr(int32(0))
		}
		**p++
	}
	for i := range a.Findings {
		f := &a.Findings[i]
		switch f.Status {
		case analyzer.StatusActive:
			active++
			d := byType[f.ResourceType]
			switch {
			case f.Error != "":
				count(&d.TotalActiveErrors)
			case f.IsPublic:
				count(&d.TotalActivePublic)
			default:
				count(&d.TotalActiveCrossAccount)
			}
			byType[f.ResourceType] = d
		case analyzer.StatusArchived:
			archived++
		case analyzer.StatusResolved:
			resolved++
		}
	}
	return &aashape.GetFindingsStatisticsResponse{LastUpdatedAt: shape.ISOAt(c.Now), FindingsStatistics: shape.List[aashape.FindingsStatistics]{{
		ExternalAccessFindingsStatistics: &aashape.ExternalAccessFindingsStatistics{ResourceTypeStatistics: byType,
			TotalActiveFindings: shape.Ptr(active), TotalArchivedFindings: shape.Ptr(archived), TotalResolvedFindings: shape.Ptr(resolved)}}}}, nil
}

func init() {
	registerOn("ListFindings", "ListFindings", byARN(func(in *aashape.ListFindingsRequest) string { return in.AnalyzerArn }), listFindings)
	registerOn("GetFinding", "GetFinding", byARN(func(in *aashape.GetFindingRequest) string { return in.AnalyzerArn }), getFinding)
	// ListFindingsV2 and GetFindingV2 are authorized as ListFindings and
	// GetFinding (the API Reference, ListFindings: "ListFindings and
	// ListFindingsV2 both use access-analyzer:ListFindings"; GetFinding
	// likewise).
	registerOn("ListFindingsV2", "ListFindings", byARN(func(in *aashape.ListFindingsV2Request) string { return in.AnalyzerArn }), listFindingsV2)
	registerOn("GetFindingV2", "GetFinding", byARN(func(in *aashape.GetFindingV2Request) string { return in.AnalyzerArn }), getFindingV2)
	registerOn("UpdateFindings", "UpdateFindings", byARN(func(in *aashape.UpdateFindingsRequest) string { return in.AnalyzerArn }), updateFindings)
	registerOn("GetFindingsStatistics", "GetFindingsStatistics",
		byARN(func(in *aashape.GetFindingsStatisticsRequest) string { return in.AnalyzerArn }), getFindingsStatistics)
}
