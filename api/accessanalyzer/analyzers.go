package accessanalyzer

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/restjson"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
	"github.com/iamgate/iamgate/world"
)

// Analyzers keeps the analyzers, by account, region and name (the
// server's store, shared by every server).
type Analyzers interface {
	// List lists the analyzers of an account in a region (of every
	// account when account is ""), sorted by name.
	List(ctx context.Context, account, region string) ([]*analyzer.Analyzer, error)
	// Get reads one; ok false when there is none.
	Get(ctx context.Context, account, region, name string) (a *analyzer.Analyzer, ok bool, err error)
	// Create stores a new analyzer; ErrAnalyzerExists when the account
	// has one of that name in the region.
	Create(ctx context.Context, a *analyzer.Analyzer) error
	// Update applies fn to the stored analyzer and stores it, in one
	// write conditional on what fn read (fn may run again);
	// ErrNoAnalyzer when there is none; fn's error is returned as it is.
	Update(ctx context.Context, account, region, name string, fn func(*analyzer.Analyzer) error) error
	// Delete deletes one; false when there was none.
	Delete(ctx context.Context, account, region, name string) (bool, error)
}

// Sentinel errors of Analyzers.
var (
	ErrAnalyzerExists = errors.New("accessanalyzer: the analyzer exists")
	ErrNoAnalyzer     = errors.New("accessanalyzer: no such analyzer")
)

// AnalyzerBackend is what the analyzer operations need of the server.
type AnalyzerBackend interface {
	// Analyzers is where the analyzers are kept.
	Analyzers() Analyzers
	// World is the current world and its version.
	World() (*world.World, analyzer.Version)
	// Analyze runs a scan in an analysis slot, as Check does.
	Analyze(c *api.Call, scan func(ctx context.Context) error) error
}

// target is, for an operation on an analyzer or archive rule, the ARN it
// is authorized on (the Service Authorization Reference for IAM Access
// Analyzer: resource types Analyzer and ArchiveRule; "*" for ListAnalyzers)
// and the request keys of its tags, or the input's violations.
type target[I any] func(c *api.Call, in *I) (resource string, extra map[string][]string, e *awserr.Error)

// registerOn serves operation name, authorized as action on the ARN target
// names, after the input is decoded and checked against the model and
// before the handler (which alone looks anything up) runs: whether an
// analyzer exists is told only to a caller allowed to ask.
func registerOn[I, O any](name, action string, tg target[I], h func(b AnalyzerBackend, c *api.Call, in *I) (*O, *awserr.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	order = append(order, name)
	Operations[name] = &Operation{Name: name, Action: action, serve: func(b Backend, c *api.Call, labels map[string]string) (any, *awserr.Error) {
		in := new(I)
		if err := restjson.Decode(model.AccessAnalyzer, name, c.Body, c.Params.Values, labels, in); err != nil {
			return nil, decodeError(err)
		}
		if e := checkInput(name, c, labels); e != nil {
			return nil, e
		}
		resource, extra, e := tg(c, in)
		if e != nil {
			return nil, e
		}
		ab, ok := b.(AnalyzerBackend)
		if !ok {
			return nil, aaerr.InternalServerException("this server keeps no analyzers")
		}
		if extra, e = withResourceTags(ab, c, resource, extra); e != nil {
			return nil, e
		}
		if qe := c.Authorize("access-analyzer:"+action, resource, extra); qe != nil {
			return nil, Edge(qe)
		}
		out, e := h(ab, c, in)
		if e != nil || out == nil {
			return nil, e
		}
		return out, nil
	}}
}

// checkInput checks an operation's input (body, URI labels and query
// string) against the model's constraints: required members, lengths,
// patterns, enums.
func checkInput(name string, c *api.Call, labels map[string]string) *awserr.Error {
	doc := map[string]any{}
	if len(strings.TrimSpace(string(c.Body))) > 0 {
		d := json.NewDecoder(strings.NewReader(string(c.Body)))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			return validationf(reasonCannotParse, "The request body must be a JSON object.")
		}
	}
	for k, v := range labels {
		doc[k] = v
	}
	for k, vs := range c.Params.Values {
		switch {
		case k == "tagKeys":
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			doc[k] = l
		case k == "maxResults" && len(vs) == 1:
			doc[k] = json.Number(vs[0])
		case len(vs) == 1:
			doc[k] = vs[0]
		}
	}
	vs, err := model.AccessAnalyzer.ValidateValue(name, doc)
	var de *model.DecodeError
	if errors.As(err, &de) {
		return validationf(reasonCannotParse, "%s", typeMessage(de))
	}
	if err != nil {
		return aaerr.InternalServerException("%v", err)
	}
	return fieldViolations(vs...)
}

// region is where the call was made: the region of its SigV4 scope
// (aws:RequestedRegion), where analyzers are kept (they are regional).
func region(c *api.Call) string {
	if v := c.Context["aws:RequestedRegion"]; len(v) > 0 && v[0] != "" {
		return v[0]
	}
	return "us-east-1"
}

// byName is the analyzer named in the URI, in the caller's account and
// the call's region.
func byName[I any](name func(*I) string) target[I] {
	return func(c *api.Call, in *I) (string, map[string][]string, *awserr.Error) {
		return analyzer.ARN(region(c), c.Account(), name(in)), nil, nil
	}
}

// byARN is the analyzer an input's ARN names, as given.
func byARN[I any](arnOf func(*I) string) target[I] {
	return func(_ *api.Call, in *I) (string, map[string][]string, *awserr.Error) {
		return arnOf(in), nil, nil
	}
}

// ruleByName is the archive rule named in the URI.
func ruleByName[I any](names func(*I) (string, string)) target[I] {
	return func(c *api.Call, in *I) (string, map[string][]string, *awserr.Error) {
		a, r := names(in)
		return analyzer.RuleARN(region(c), c.Account(), a, r), nil, nil
	}
}

// withResourceTags is extra with, when resource is an analyzer of the
// caller's account and the call's region that exists, its tags as
// aws:ResourceTag/* (the Service Authorization Reference: the Analyzer
// resource type has aws:ResourceTag/${TagKey}; ArchiveRule has none), as
// IAM gives a resource's tags to the decision. The lookup only feeds the
// decision: a caller denied is denied whether the analyzer exists or not,
// unless its policies turn on the analyzer's tags.
func withResourceTags(b AnalyzerBackend, c *api.Call, resource string, extra map[string][]string) (map[string][]string, *awserr.Error) {
	name, rule, ok := tagged(c, resource)
	if !ok || rule != "" {
		return extra, nil
	}
	a, found, err := b.Analyzers().Get(c.Ctx, c.Account(), region(c), name)
	if err != nil {
		return nil, storeError(err)
	}
	if !found || len(a.Tags) == 0 {
		return extra, nil
	}
	out := make(map[string][]string, len(extra)+len(a.Tags))
	for k, v := range extra {
		out[k] = v
	}
	for k, v := range a.Tags {
		out["aws:ResourceTag/"+k] = []string{v}
	}
	return out, nil
}

// tagKeys are the request keys of tags a request sets (aws:RequestTag/*,
// aws:TagKeys).
func tagKeys(tags map[string]string) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	extra := map[string][]string{}
	keys := make([]string, 0, len(tags))
	for k, v := range tags {
		extra["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	extra["aws:TagKeys"] = keys
	return extra
}

// notFound is ResourceNotFoundException for a resource of a type
// (botocore: ResourceNotFoundException has resourceId and resourceType).
func notFound(id, typ string) *awserr.Error {
	e := aaerr.ResourceNotFoundException("%s %s could not be found.", typ, id)
	e.ResourceID, e.ResourceType = id, typ
	return e
}

func storeError(err error) *awserr.Error {
	return aaerr.InternalServerException("The analyzers could not be read or written: %v", err)
}

// lookupARN finds the analyzer an ARN names: in the caller's account and
// the call's region only (an analyzer is seen from its own account and
// region, as AWS's are); ResourceNotFoundException otherwise.
func lookupARN(b AnalyzerBackend, c *api.Call, analyzerARN string) (*analyzer.Analyzer, *awserr.Error) {
	// The ARN must be the analyzer's own, byte for byte (partition
	// included): it is what the call was authorized on.
	name, ok := strings.CutPrefix(analyzerARN, analyzer.ARN(region(c), c.Account(), ""))
	if !ok || name == "" || strings.Contains(name, "/") {
		return nil, notFound(analyzerARN, "Analyzer")
	}
	return lookup(b, c, name)
}

func lookup(b AnalyzerBackend, c *api.Call, name string) (*analyzer.Analyzer, *awserr.Error) {
	a, ok, err := b.Analyzers().Get(c.Ctx, c.Account(), region(c), name)
	if err != nil {
		return nil, storeError(err)
	}
	if !ok {
		return nil, notFound(name, "Analyzer")
	}
	return a, nil
}

// page is a page of n items from the token's offset (a token is the
// offset of the next item, which iamgate alone reads).
func page(token string, maxResults *int32, n int) (from, to int, next string, e *awserr.Error) {
	if token != "" {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i > n {
			return 0, 0, "", validationf(reasonOther, "The nextToken %q is not one this operation gave.", token)
		}
		from = i
	}
	limit := 100
	if maxResults != nil && *maxResults > 0 {
		limit = int(*maxResults)
	}
	to = min(n, from+limit)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}

// organizationFor checks that an ORGANIZATION analyzer may be created
// from the caller's account: the organization gives access-analyzer
// trusted access (else ValidationException "Service not enabled for AWS
// Organizations", real output in nozaq/terraform-aws-secure-baseline#184)
// and the account is its management account or a delegated administrator
// of access-analyzer.amazonaws.com (else AccessDeniedException "Account
// ID is not a delegated administrator", real output in
// awslabs/landing-zone-accelerator-on-aws#922).
func organizationFor(c *api.Call) *awserr.Error {
	const sp = "access-analyzer.amazonaws.com"
	fw := c.State.File()
	o := fw.Organization
	if o == nil || !o.TrustedService(sp) {
		return validationf(reasonFieldValidation, "Service not enabled for AWS Organizations")
	}
	acct := c.Account()
	if acct != o.ManagementAccount && !o.DelegatedAdministrator(acct, sp) {
		return aaerr.AccessDeniedException("Account %s is not a delegated administrator", acct)
	}
	return nil
}

// summary is an analyzer as the model's AnalyzerSummary.
func summary(a *analyzer.Analyzer) *aashape.AnalyzerSummary {
	s := &aashape.AnalyzerSummary{Arn: a.ARN, Name: a.Name, Type: a.Type, CreatedAt: shape.ISOAt(a.CreatedAt), Status: "ACTIVE", Tags: shape.Map[string]{}}
	for k, v := range a.Tags {
		s.Tags[k] = v
	}
	if a.LastResource != "" {
		s.LastResourceAnalyzed, s.LastResourceAnalyzedAt = a.LastResource, shape.ISOAt(a.LastResourceAt)
	}
	return s
}

// Limits of analyzers (the model's CreateAnalyzerRequest type: "You can
// create only one analyzer per account per Region. You can create up to
// 5 analyzers per organization per Region").
const (
	maxAccountAnalyzers      = 1
	maxOrganizationAnalyzers = 5
)

func createAnalyzerTarget(c *api.Call, in *aashape.CreateAnalyzerRequest) (string, map[string][]string, *awserr.Error) {
	return analyzer.ARN(region(c), c.Account(), in.AnalyzerName), tagKeys(in.Tags), nil
}

func createAnalyzer(b AnalyzerBackend, c *api.Call, in *aashape.CreateAnalyzerRequest) (*aashape.CreateAnalyzerResponse, *awserr.Error) {
	switch in.Type {
	case analyzer.TypeAccount:
	case analyzer.TypeOrganization:
		if e := organizationFor(c); e != nil {
			return nil, e
		}
	default:
		return nil, validationf(reasonOther, "iamgate serves analyzers of external access (ACCOUNT, ORGANIZATION) only, not %s.", in.Type)
	}
	if in.Configuration != nil {
		return nil, validationf(reasonOther, "An analyzer of type %s has no configuration.", in.Type)
	}
	rules, e := inlineRules(in.ArchiveRules, c)
	if e != nil {
		return nil, e
	}
	all, err := b.Analyzers().List(c.Ctx, "", region(c))
	if err != nil {
		return nil, storeError(err)
	}
	n := 0
	for _, x := range all {
		switch {
		case in.Type == analyzer.TypeAccount && x.Type == analyzer.TypeAccount && x.Account == c.Account():
			n++
		case in.Type == analyzer.TypeOrganization && x.Type == analyzer.TypeOrganization:
			n++
		}
		if x.Account == c.Account() && x.Name == in.AnalyzerName {
			return nil, conflict(in.AnalyzerName, "Analyzer")
		}
	}
	if max := map[string]int{analyzer.TypeAccount: maxAccountAnalyzers, analyzer.TypeOrganization: maxOrganizationAnalyzers}[in.Type]; n >= max {
		e := aaerr.ServiceQuotaExceededException("You can create up to %d analyzers of type %s per %s per Region.", max, in.Type,
			map[string]string{analyzer.TypeAccount: "account", analyzer.TypeOrganization: "organization"}[in.Type])
		e.ResourceID, e.ResourceType = in.AnalyzerName, "Analyzer"
		return nil, e
	}
	if e := checkTagKeys(in.Tags); e != nil {
		return nil, e
	}
	a := &analyzer.Analyzer{ARN: analyzer.ARN(region(c), c.Account(), in.AnalyzerName), Name: in.AnalyzerName, Type: in.Type,
		Account: c.Account(), Region: region(c), CreatedAt: c.Now, Rules: rules}
	if len(in.Tags) > 0 {
		a.Tags = map[string]string{}
		for k, v := range in.Tags {
			a.Tags[k] = v
		}
	}
	if err := b.Analyzers().Create(c.Ctx, a); errors.Is(err, ErrAnalyzerExists) {
		return nil, conflict(in.AnalyzerName, "Analyzer")
	} else if err != nil {
		return nil, storeError(err)
	}
	return &aashape.CreateAnalyzerResponse{Arn: a.ARN}, nil
}

// conflict is ConflictException for a resource that exists.
func conflict(id, typ string) *awserr.Error {
	e := aaerr.ConflictException("%s %s already exists.", typ, id)
	e.ResourceID, e.ResourceType = id, typ
	return e
}

func getAnalyzer(b AnalyzerBackend, c *api.Call, in *aashape.GetAnalyzerRequest) (*aashape.GetAnalyzerResponse, *awserr.Error) {
	a, e := lookup(b, c, in.AnalyzerName)
	if e != nil {
		return nil, e
	}
	return &aashape.GetAnalyzerResponse{Analyzer: summary(a)}, nil
}

func listAnalyzers(b AnalyzerBackend, c *api.Call, in *aashape.ListAnalyzersRequest) (*aashape.ListAnalyzersResponse, *awserr.Error) {
	all, err := b.Analyzers().List(c.Ctx, c.Account(), region(c))
	if err != nil {
		return nil, storeError(err)
	}
	var kept []*analyzer.Analyzer
	for _, a := range all {
		if in.Type == "" || a.Type == in.Type {
			kept = append(kept, a)
		}
	}
	from, to, next, e := page(in.NextToken, in.MaxResults, len(kept))
	if e != nil {
		return nil, e
	}
	out := &aashape.ListAnalyzersResponse{Analyzers: shape.List[aashape.AnalyzerSummary]{}, NextToken: next}
	for _, a := range kept[from:to] {
		out.Analyzers = append(out.Analyzers, *summary(a))
	}
	return out, nil
}

func deleteAnalyzer(b AnalyzerBackend, c *api.Call, in *aashape.DeleteAnalyzerRequest) (*struct{}, *awserr.Error) {
	ok, err := b.Analyzers().Delete(c.Ctx, c.Account(), region(c), in.AnalyzerName)
	if err != nil {
		return nil, storeError(err)
	}
	if !ok {
		return nil, notFound(in.AnalyzerName, "Analyzer")
	}
	return &struct{}{}, nil
}

// updateAnalyzer: an analyzer of external access has no configuration
// (the API Reference, UpdateAnalyzer: "This action is not supported for
// external access analyzers"): ValidationException, once the analyzer is
// known to exist.
func updateAnalyzer(b AnalyzerBackend, c *api.Call, in *aashape.UpdateAnalyzerRequest) (*aashape.UpdateAnalyzerResponse, *awserr.Error) {
	a, e := lookup(b, c, in.AnalyzerName)
	if e != nil {
		return nil, e
	}
	return nil, validationf(reasonOther, "UpdateAnalyzer is not supported for external access analyzers (%s is of type %s).", a.Name, a.Type)
}

func init() {
	registerOn("CreateAnalyzer", "CreateAnalyzer", createAnalyzerTarget, createAnalyzer)
	registerOn("GetAnalyzer", "GetAnalyzer", byName(func(in *aashape.GetAnalyzerRequest) string { return in.AnalyzerName }), getAnalyzer)
	registerOn("ListAnalyzers", "ListAnalyzers", func(*api.Call, *aashape.ListAnalyzersRequest) (string, map[string][]string, *awserr.Error) {
		return "*", nil, nil
	}, listAnalyzers)
	registerOn("DeleteAnalyzer", "DeleteAnalyzer", byName(func(in *aashape.DeleteAnalyzerRequest) string { return in.AnalyzerName }), deleteAnalyzer)
	registerOn("UpdateAnalyzer", "UpdateAnalyzer", byName(func(in *aashape.UpdateAnalyzerRequest) string { return in.AnalyzerName }), updateAnalyzer)
}
