package evaldoc_test

import (
	"fmt"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

func ExampleParse() {
	doc := `{"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject",
	  "resource": "arn:aws:s3:::b/k", "resourceAccount": "111111111111",
	  "policies": {"identity": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}]}}`
	req, err := evaldoc.Parse("request.json", []byte(doc))
	if err != nil {
		panic(err)
	}
	q, _ := req.Prepare()
	fmt.Println(engine.Authorize(q).Decision)
	// Output: allowed
}
