package organizations

import (
	"testing"

	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape/orgshape"
)

// Every typed handler takes its operation's input shape and returns its
// output shape (noInput, noOutput where the model has none), as the
// botocore model organizations/2016-11-28 in api/model has them.
func TestTypedHandlersTakeTheirModelShapes(t *testing.T) {
	if len(typedShapes) == 0 {
		t.Fatal("no typed handlers")
	}
	for name, ts := range typedShapes {
		op := model.Organizations.Operation(name)
		if op == nil {
			t.Errorf("%s: not an operation of the Organizations model", name)
			continue
		}
		for i, want := range []string{op.Input, op.Output} {
			if want == "" {
				want = [2]string{"noInput", "noOutput"}[i]
			} else if ts[i].PkgPath() != "github.com/iamgate/iamgate/api/shape/orgshape" {
				t.Errorf("%s: %s is not orgshape's", name, ts[i])
			}
			if got := ts[i].Name(); got != want {
				t.Errorf("%s: %s, the model's is %s", name, got, want)
			}
		}
		if Operations[name] == nil {
			t.Errorf("%s: not registered", name)
		}
	}
}

// The typed decoder reads exactly the members the model's validation
// checked: a member named with other letter cases is ignored, not read
// into the member (Go's decoder would), so it cannot slip a value past
// the model's pattern (botocore organizations/2016-11-28,
// DescribePolicyRequest: PolicyId ^p-[0-9a-zA-Z_]{8,128}$).
func TestDecodeTypedReadsExactMembers(t *testing.T) {
	body := `{"PolicyId":"p-abcdefgh","policyid":"p-*","POLICYID":"x","Extra":{"Key":"k"}}`
	if e := Validate("DescribePolicy", []byte(body)); e != nil {
		t.Fatal(e)
	}
	var in orgshape.DescribePolicyRequest
	if e := decodeTyped([]byte(body), &in); e != nil || in.PolicyId != "p-abcdefgh" {
		t.Fatalf("%+v %v", in, e)
	}
	var tags orgshape.TagResourceRequest
	if e := decodeTyped([]byte(`{"ResourceId":"r-abcd","Tags":[{"Key":"a","Value":"b","key":"c"}],"tags":[{"Key":"x","Value":"y"}]}`), &tags); e != nil ||
		len(tags.Tags) != 1 || tags.Tags[0] != (orgshape.Tag{Key: "a", Value: "b"}) {
		t.Fatalf("%+v %v", tags, e)
	}
	var list orgshape.ListAccountsRequest
	if e := decodeTyped([]byte(`{"MaxResults":4294967296}`), &list); e == nil || e.Code != "SerializationException" {
		t.Fatalf("an integer past int32 read: %+v %v", list, e)
	}
	var empty orgshape.ListAccountsRequest
	if e := decodeTyped(nil, &empty); e != nil || empty.MaxResults != nil {
		t.Fatalf("empty body: %+v %v", empty, e)
	}
}
