package model_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/model"
)

// A null inside a list or as a map's value is not a value the validation
// can check, but a decoder reads it as the element type's zero value (""
// for a string: past a min length of 1, a pattern, an enum). The four
// models have no sparse list or map, and a Smithy server refuses a null
// in a collection that is not sparse (aws/aws-sdk-js-v3#2771, "reject null
// in non-sparse collections": server SDKs "throw an error whenever a null
// value shows up in a list or set that isn't meant to be sparse"): a
// *DecodeError (the JSON protocol's SerializationException), naming the
// element.
func TestValidateJSONRefusesNullsInCollections(t *testing.T) {
	for _, tc := range []struct {
		name, op, body, field string
	}{
		{"a null tag key", "UntagResource", `{"ResourceId":"r-ab12","TagKeys":["a",null]}`, "tagKeys.2.member"},
		{"a null tag", "TagResource", `{"ResourceId":"r-ab12","Tags":[null]}`, "tags.1.member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.Organizations.ValidateJSON(tc.op, []byte(tc.body))
			var de *model.DecodeError
			if !errors.As(err, &de) || de.Field != tc.field {
				t.Fatalf("%s: %v, want a decode error at %s", tc.body, err, tc.field)
			}
		})
	}
	// Access Analyzer's enum lists and maps (botocore accessanalyzer
	// 2019-11-01: CheckAccessNotGranted access.actions; CreateArchiveRule
	// filter, a map of criteria).
	for _, tc := range []struct{ op, body, field string }{
		{"CheckAccessNotGranted", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY","access":[{"actions":[null]}]}`, "access.1.member.actions.1.member"},
		{"CreateArchiveRule", `{"analyzerName":"a","ruleName":"r","filter":{"status":null}}`, "filter.status"},
	} {
		_, err := model.AccessAnalyzer.ValidateJSON(tc.op, []byte(tc.body))
		var de *model.DecodeError
		if !errors.As(err, &de) || de.Field != tc.field {
			t.Errorf("%s %s: %v, want a decode error at %s", tc.op, tc.body, err, tc.field)
		}
	}
}

// hostileForms are Query forms of a body's largest size (256 KiB, the
// server's MaxBody) shaped to make finding a member's parameters
// quadratic: many list members named only below their index, and one
// name of nothing but dots. Any authenticated caller can send them, since
// validation runs before the operation authorizes anything.
func hostileForms() map[string]url.Values {
	many := url.Values{"UserName": {"u"}}
	for i := 1; i <= 10000; i++ {
		many.Set("Tags.member."+strconv.Itoa(i)+".Key", "k")
	}
	return map[string]url.Values{
		"10,000 list members": many,
		"250,000 dots":        {"UserName": {"u"}, "Tags." + strings.Repeat(".", 250000): {"x"}},
	}
}

// Each took over a second of CPU before the names were sorted and
// searched; the bound is loose (the best of three runs), to hold on a
// loaded machine.
func TestValidateQueryIsNotQuadratic(t *testing.T) {
	for name, p := range hostileForms() {
		best := time.Hour
		for range 3 {
			start := time.Now()
			if _, err := model.IAM.ValidateQuery("CreateUser", p); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		if best > 500*time.Millisecond {
			t.Errorf("%s: %v", name, best)
		}
	}
}

func BenchmarkValidateQueryHostile(b *testing.B) {
	for name, p := range hostileForms() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := model.IAM.ValidateQuery("CreateUser", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
