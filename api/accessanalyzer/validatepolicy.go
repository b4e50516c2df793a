package accessanalyzer

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/validate"
)

// defaultFindingsPage is the number of findings of a ValidatePolicy page
// without maxResults (AWS documents none).
const defaultFindingsPage = 100

// validatePolicyType is the validator's policy type for ValidatePolicy's
// policyType and validatePolicyResourceType.
func validatePolicyType(policyType, resourceType string) validate.PolicyType {
	switch policyType {
	case "IDENTITY_POLICY":
		return validate.Identity
	case "SERVICE_CONTROL_POLICY":
		return validate.SCP
	case "RESOURCE_CONTROL_POLICY":
		return validate.RCP
	}
	if resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
		return validate.Trust
	}
	return validate.Resource
}

// validatePolicy is ValidatePolicy: the validator's findings for the
// document, a page at a time.
func validatePolicy(_ Backend, c *api.Call, in *aashape.ValidatePolicyRequest) (*aashape.ValidatePolicyResponse, *awserr.Error) {
	given := present(c.Body)
	var vs []model.Violation
	required(&vs, given, "policyDocument", "policyType")
	if given["policyType"] {
		if v := enum("policyType", in.PolicyType, "PolicyType"); v != nil {
			vs = append(vs, *v)
		}
	}
	hasResourceType := given["validatePolicyResourceType"]
	if hasResourceType {
		if v := enum("validatePolicyResourceType", in.ValidatePolicyResourceType, "ValidatePolicyResourceType"); v != nil {
			vs = append(vs, *v)
		}
	}
	if given["locale"] {
		if v := enum("locale", in.Locale, "Locale"); v != nil {
			vs = append(vs, *v)
		}
	}
	size := defaultFindingsPage
	if in.MaxResults != nil {
		// The model sets no bound on maxResults (Integer); a page of no
		// findings is none to give.
		if *in.MaxResults < 1 {
			v := strconv.Itoa(int(*in.MaxResults))
			vs = append(vs, model.Violation{Value: &v, Field: "maxResults", Constraint: "Member must have value greater than or equal to 1", Rule: model.RuleMinValue})
		}
		size = int(*in.MaxResults)
	}
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	// The model: "Specify a value for the policy validation resource type
	// only if the policy type is RESOURCE_POLICY."
	if hasResourceType && in.PolicyType != "RESOURCE_POLICY" {
		return nil, validationf(reasonOther, "validatePolicyResourceType can be given only with the policyType RESOURCE_POLICY.")
	}
	doc := []byte(in.PolicyDocument)
	digest := pageDigest(c.Body)
	start := 0
	if in.NextToken != "" {
		n, ok := parsePageToken(in.NextToken, digest)
		if !ok {
			return nil, validationf(reasonOther, "The nextToken is not one this request returned.")
		}
		start = n
	}
	fs := validate.Document("policyDocument", doc, validate.Options{Type: validatePolicyType(in.PolicyType, in.ValidatePolicyResourceType), Account: c.Account()})
	validate.Sort(fs)
	tree, _ := policy.ParseJSON(doc) // nil when doc is not one JSON value
	out := &aashape.ValidatePolicyResponse{Findings: shape.List[aashape.ValidatePolicyFinding]{}}
	if start > len(fs) {
		start = len(fs)
	}
	end := len(fs)
	if size < end-start {
		end = start + size
		out.NextToken = pageToken(end, digest)
	}
	for _, f := range fs[start:end] {
		out.Findings = append(out.Findings, toFinding(f, doc, tree))
	}
	return out, nil
}

// pageDigest ties a page token to the request it came from: the same body
// (the CLI and SDKs send the same body for every page).
func pageDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:8])
}

func pageToken(offset int, digest string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1." + strconv.Itoa(offset) + "." + digest))
}

func parsePageToken(tok, digest string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != "v1" || parts[2] != digest {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 || strconv.Itoa(n) != parts[1] {
		return 0, false
	}
	return n, true
}

// generalLink is the policy check reference, for a finding without a
// link of its own.
const generalLink = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

func toFinding(f validate.Finding, doc []byte, tree *policy.JSONValue) aashape.ValidatePolicyFinding {
	link := f.LearnMore
	if link == "" {
		link = generalLink
	}
	return aashape.ValidatePolicyFinding{FindingDetails: f.Message, FindingType: string(f.Type), IssueCode: f.Code, LearnMoreLink: link,
		Locations: shape.List[aashape.Location]{locate(doc, tree, f.Location)}}
}

// locate finds a finding's place in the document: the path as Access
// Analyzer's path elements and the span of the value there. The validator's
// path ("Statement[0].Condition.StringEquals.aws:SourceVpc") is followed
// through the document itself, so that a key holding dots
// ("cognito-identity.amazonaws.com:aud") is one element. Where the path
// cannot be followed (a document that is not JSON), the path stops and the
// span is the character at the finding's line and column.
//
// iamgate uses "value" for an object's member, as AWS's examples do
// ({"value": "Statement"}, {"index": 0}, {"value": "Action"}), and "index"
// for an array's element (PathElement is a union: one member is set).
func locate(doc []byte, tree *policy.JSONValue, l validate.Location) aashape.Location {
	loc := aashape.Location{Path: shape.List[aashape.PathElement]{}}
	lc := newLineCounter(doc)
	if tree == nil {
		off := lc.offsetOf(l.Line, l.Column)
		endOff := off
		if endOff < len(doc) {
			_, w := utf8.DecodeRune(doc[endOff:])
			endOff += w
		}
		loc.Span = &aashape.Span{Start: lc.position(off), End: lc.position(endOff)}
		return loc
	}
	n := tree
	rest := l.Path
	at := lc.offsetOf(l.Line, l.Column)
	for rest != "" && n != nil {
		rest = strings.TrimPrefix(rest, ".")
		if strings.HasPrefix(rest, "[") {
			i := strings.IndexByte(rest, ']')
			idx, err := strconv.Atoi(rest[1:max(i, 1)])
			if i < 0 || err != nil {
				break
			}
			rest = rest[i+1:]
			if n.Kind == '{' && idx == 0 {
				continue // a lone statement object is Statement[0]
			}
			if n.Kind != '[' || idx < 0 || idx >= len(n.Elems) {
				break
			}
			loc.Path = append(loc.Path, aashape.PathElement{Index: shape.Ptr(int32(idx))})
			n = n.Elems[idx]
			continue
		}
		if n.Kind != '{' {
			break
		}
		// The longest member name the path goes on with; of a name given
		// twice, the one at the finding's position, else the last (the one
		// a policy uses).
		best := -1
		for i, m := range n.Members {
			k := m.Key
			if !strings.HasPrefix(rest, k) || (len(rest) != len(k) && rest[len(k)] != '.' && rest[len(k)] != '[') {
				continue
			}
			if best < 0 || len(k) > len(n.Members[best].Key) ||
				(len(k) == len(n.Members[best].Key) && n.Members[best].KeyStart != at) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		m := n.Members[best]
		loc.Path = append(loc.Path, aashape.PathElement{Value: shape.Ptr(m.Key)})
		rest = rest[len(m.Key):]
		n = m.Value
	}
	loc.Span = &aashape.Span{Start: lc.position(n.Start), End: lc.position(n.End)}
	return loc
}

// lineCounter turns byte offsets into Access Analyzer's positions.
type lineCounter struct {
	doc   []byte
	start []int // byte offset of each line
}

func newLineCounter(doc []byte) *lineCounter {
	lc := &lineCounter{doc: doc, start: []int{0}}
	for i, b := range doc {
		if b == '\n' {
			lc.start = append(lc.start, i+1)
		}
	}
	return lc
}

// position: line from 1, column and offset from 0, in characters
// (botocore: Position).
func (lc *lineCounter) position(off int) *aashape.Position {
	off = min(max(off, 0), len(lc.doc))
	line := sort.Search(len(lc.start), func(i int) bool { return lc.start[i] > off }) - 1
	return &aashape.Position{Line: int32(line + 1), Column: int32(utf8.RuneCount(lc.doc[lc.start[line]:off])), Offset: int32(utf8.RuneCount(lc.doc[:off]))}
}

// offsetOf is the byte offset of a validator position (line and column
// from 1, in characters); 0 when there is none.
func (lc *lineCounter) offsetOf(line, col int) int {
	if line < 1 || line > len(lc.start) {
		return 0
	}
	off := lc.start[line-1]
	for i := 1; i < col && off < len(lc.doc) && lc.doc[off] != '\n'; i++ {
		_, w := utf8.DecodeRune(lc.doc[off:])
		off += w
	}
	return off
}
