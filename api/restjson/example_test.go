package restjson_test

import (
	"fmt"
	"net/url"

	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/restjson"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// A request is routed by the model's method and requestUri, then decoded
// into the operation's typed input: body members by their exact names,
// maxResults from the query string.
func Example() {
	router := restjson.NewRouter(model.AccessAnalyzer, "ValidatePolicy")
	name, _, _ := router.Match("POST", "/policy/validation")
	var in aashape.ValidatePolicyRequest
	body := []byte(`{"policyDocument":"{}","policyType":"IDENTITY_POLICY","PolicyType":"SERVICE_CONTROL_POLICY"}`)
	err := restjson.Decode(model.AccessAnalyzer, name, body, url.Values{"maxResults": {"10"}}, nil, &in)
	fmt.Println(name, in.PolicyType, *in.MaxResults, err)
	// Output: ValidatePolicy IDENTITY_POLICY 10 <nil>
}
