package input_test

import (
	"fmt"

	"github.com/iamgate/iamgate/input"
)

func ExampleParse() {
	template := `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Ref AWS::AccountId}
            Action: sts:AssumeRole
`
	docs, _ := input.Parse("stack.yaml", []byte(template))
	for _, d := range docs {
		line, _, _ := d.Locate("Statement[0].Principal.AWS")
		fmt.Println(d.Resource, d.Type, line)
	}
	// Output: Role.Properties.AssumeRolePolicyDocument trust 9
}
