package shape_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// A parameter name of nothing but dots (a 256 KiB body's worth), which no
// member names and the model's validation therefore lets through, does
// not make finding the members present quadratic: indexing every dotted
// prefix of every name took over a second of CPU for it. The bound is
// loose (the best of three runs), to hold on a loaded machine.
func TestDecodeQueryIsNotQuadratic(t *testing.T) {
	p := url.Values{"UserName": {"u"}, "Tags." + strings.Repeat(".", 250000): {"x"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}
	best := time.Hour
	for range 3 {
		var in iamshape.CreateUserRequest
		start := time.Now()
		if err := shape.DecodeQuery(p, &in); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
		if len(in.Tags) != 1 || in.Tags[0].Key != "k" {
			t.Fatalf("tags %+v", in.Tags)
		}
	}
	if best > 500*time.Millisecond {
		t.Errorf("%v", best)
	}
}
