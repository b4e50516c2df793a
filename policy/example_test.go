package policy_test

import (
	"fmt"

	"github.com/iamgate/iamgate/policy"
)

func ExampleParse() {
	src := `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"},
    {"Effect": "allow", "Action": "sts:AssumeRole"}
  ]
}`
	_, err := policy.Parse("trust.json", []byte(src))
	fmt.Println(err)
	// Output:
	// trust.json:5:16: Statement[1].Effect: must be "Allow" or "Deny", got "allow" (IAM: The policy failed legacy parsing)
}
