package validate_test

import (
	"fmt"

	"github.com/iamgate/iamgate/validate"
)

func ExampleDocument() {
	policy := `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["iam:PassRole", "s3:GetObjects"], "Resource": "*"}]}`
	for _, f := range validate.Document("policy.json", []byte(policy), validate.Options{}) {
		fmt.Println(f.Type, f.Code, f.Location.Path)
	}
	// Output:
	// ERROR INVALID_ACTION Statement[0].Action[1]
	// SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE Statement[0].Resource
}
