package world_test

import (
	"fmt"

	"github.com/iamgate/iamgate/world"
)

func Example() {
	w, err := world.Parse("world.yaml", []byte(`
accounts:
  - id: "111111111111"
    users:
      - name: alice
        managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    roles:
      - name: deployer
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/alice"}, Action: sts:AssumeRole}]}
        policies:
          - name: deploy
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "lambda:UpdateFunctionCode", Resource: "*"}]}
`))
	if err != nil {
		panic(err)
	}
	alice, _ := w.Caller("arn:aws:iam::111111111111:user/alice")
	e, _ := w.Decide(world.Request{Caller: alice, Action: "lambda:UpdateFunctionCode", Resource: "arn:aws:lambda:us-east-1:111111111111:function:api"})
	fmt.Println("alice:", e.Decision)

	res, _ := w.AssumeRole(alice, world.AssumeRoleInput{RoleARN: "arn:aws:iam::111111111111:role/deployer", SessionName: "release"})
	e, _ = w.Decide(world.Request{Caller: res.Caller, Action: "lambda:UpdateFunctionCode", Resource: "arn:aws:lambda:us-east-1:111111111111:function:api"})
	fmt.Println(res.Caller.Principal+":", e.Decision)
	// Output:
	// alice: implicitDeny
	// arn:aws:sts::111111111111:assumed-role/deployer/release: allowed
}
