package engine_test

import (
	"fmt"

	"github.com/iamgate/iamgate/engine"
)

// A role in one account reads an object in another account's bucket; the
// bucket policy allows the role but denies requests without TLS.
func Example() {
	identity := engine.MustCompile(engine.IdentityPolicy, "source", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}`)
	bucket := engine.MustCompile(engine.ResourcePolicy, "bucket", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/DM-Role"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::target/*"},
		{"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::target/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	for _, tls := range []string{"true", "false"} {
		req := engine.Request{
			Principal:       "arn:aws:sts::111111111111:assumed-role/DM-Role/run",
			Action:          "s3:GetObject",
			Resource:        "arn:aws:s3:::target/data.csv",
			ResourceAccount: "222222222222",
			Context:         map[string][]string{"aws:SecureTransport": {tls}},
			Policies:        engine.Policies{Identity: []*engine.Policy{identity}, Resource: bucket},
		}
		q, err := req.Prepare()
		if err != nil {
			panic(err)
		}
		r := engine.Authorize(q)
		fmt.Println("TLS", tls+":", r.Decision, "by", r.Layer)
	}
	// Output:
	// TLS true: allowed by resource
	// TLS false: explicitDeny by resource
}

func ExampleExplain() {
	q, _ := engine.Request{
		Principal: "arn:aws:iam::111111111111:user/alice",
		Action:    "iam:CreateRole",
		Resource:  "arn:aws:iam::111111111111:role/MyTestAppRole",
		Policies: engine.Policies{Identity: []*engine.Policy{engine.MustCompile(engine.IdentityPolicy, "employee", `{"Version":"2012-10-17","Statement":[
			{"Sid":"SetPermissionsBoundary","Effect":"Allow","Action":"iam:CreateRole","Resource":"arn:aws:iam::111111111111:role/MyTestApp*",
			 "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111111111111:policy/DynamoDB_Boundary_Frankfurt"}}}]}`)}},
	}.Prepare()
	e := engine.Explain(q)
	fmt.Println(e.Decision)
	fmt.Println(e.Reason)
	// Output:
	// implicitDeny
	// implicitly denied: no identity-based or resource-based policy allows the request
}
