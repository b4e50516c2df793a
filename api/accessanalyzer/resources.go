package accessanalyzer

import (
	"sort"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// listAnalyzedResources lists the resources the analyzer's last scan (of
// the current world) analyzed: every resource of its zone with a
// resource-based or trust policy of a type Access Analyzer has, sorted by
// ARN.
func listAnalyzedResources(b AnalyzerBackend, c *api.Call, in *aashape.ListAnalyzedResourcesRequest) (*aashape.ListAnalyzedResourcesResponse, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	var arns []string
	for r, res := range a.Resources {
		if in.ResourceType == "" || res.Type == in.ResourceType {
			arns = append(arns, r)
		}
	}
	sort.Strings(arns)
	from, to, next, e := page(in.NextToken, in.MaxResults, len(arns))
	if e != nil {
		return nil, e
	}
	out := &aashape.ListAnalyzedResourcesResponse{AnalyzedResources: shape.List[aashape.AnalyzedResourceSummary]{}, NextToken: next}
	for _, r := range arns[from:to] {
		res := a.Resources[r]
		out.AnalyzedResources = append(out.AnalyzedResources, aashape.AnalyzedResourceSummary{ResourceArn: r, ResourceType: res.Type, ResourceOwnerAccount: res.Owner})
	}
	return out, nil
}

// getAnalyzedResource answers a resource analyzed: its actions granted
// outside the zone, whether it is public, and the status of its findings
// (ACTIVE when one is, else ARCHIVED when one is; none for a resource
// with no finding left), from its findings that are not RESOLVED.
func getAnalyzedResource(b AnalyzerBackend, c *api.Call, in *aashape.GetAnalyzedResourceRequest) (*aashape.GetAnalyzedResourceResponse, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	res, ok := a.Resources[in.ResourceArn]
	if !ok {
		return nil, notFound(in.ResourceArn, "AnalyzedResource")
	}
	out := &aashape.AnalyzedResource{ResourceArn: in.ResourceArn, ResourceType: res.Type, ResourceOwnerAccount: res.Owner,
		CreatedAt: shape.ISOAt(res.CreatedAt), AnalyzedAt: shape.ISOAt(res.AnalyzedAt), UpdatedAt: shape.ISOAt(res.AnalyzedAt)}
	actions := map[string]bool{}
	var errs []string
	for _, f := range a.Findings {
		if f.Resource != in.ResourceArn || f.Status == analyzer.StatusResolved {
			continue
		}
		if f.Error != "" {
			errs = append(errs, f.Error)
			continue
		}
		out.IsPublic = out.IsPublic || f.IsPublic
		for _, x := range f.Actions {
			actions[x] = true
		}
		if f.Status == analyzer.StatusActive || out.Status == "" {
			out.Status = f.Status
		}
	}
	for x := range actions {
		out.Actions = append(out.Actions, x)
	}
	sort.Strings(out.Actions)
	out.Error = strings.Join(errs, "; ")
	return &aashape.GetAnalyzedResourceResponse{Resource: out}, nil
}

// startResourceScan scans the resource now: iamgate scans the whole zone
// of trust whenever the world changed, so the analyzer is made current
// (the API Reference, StartResourceScan: "Immediately starts a scan of the
// policies applied to the specified resource"). A resource the analyzer
// does not analyze is ResourceNotFoundException.
func startResourceScan(b AnalyzerBackend, c *api.Call, in *aashape.StartResourceScanRequest) (*struct{}, *awserr.Error) {
	a, e := currentARN(b, c, in.AnalyzerArn)
	if e != nil {
		return nil, e
	}
	res, ok := a.Resources[in.ResourceArn]
	if !ok || in.ResourceOwnerAccount != "" && in.ResourceOwnerAccount != res.Owner {
		return nil, notFound(in.ResourceArn, "AnalyzedResource")
	}
	return &struct{}{}, nil
}

func init() {
	registerOn("ListAnalyzedResources", "ListAnalyzedResources",
		byARN(func(in *aashape.ListAnalyzedResourcesRequest) string { return in.AnalyzerArn }), listAnalyzedResources)
	registerOn("GetAnalyzedResource", "GetAnalyzedResource",
		byARN(func(in *aashape.GetAnalyzedResourceRequest) string { return in.AnalyzerArn }), getAnalyzedResource)
	registerOn("StartResourceScan", "StartResourceScan",
		byARN(func(in *aashape.StartResourceScanRequest) string { return in.AnalyzerArn }), startResourceScan)
}
