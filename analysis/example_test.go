package analysis_test

import (
	"fmt"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

func ExampleAllowedIf() {
	trust := engine.MustCompile(engine.ResourcePolicy, "trust", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"AWS":"arn:aws:iam::555555555555:root"},"Action":"sts:AssumeRole",
"Condition":{"StringEquals":{"sts:ExternalId":"my-data-sharing-id"}}}]}`)
	id := engine.MustCompile(engine.IdentityPolicy, "id", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	q, _ := engine.Request{
		Principal: "arn:aws:iam::555555555555:user/etl", Action: "sts:AssumeRole",
		Resource: "arn:aws:iam::444444444444:role/sharing",
		Policies: engine.Policies{Identity: []*engine.Policy{id}, Resource: trust},
	}.Prepare()
	res, err := analysis.AllowedIf(q, analysis.Options{Unknown: []string{"sts:ExternalId"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Decision)
	fmt.Print(res.AllowedIf.Text())
	fmt.Println(res.Witnesses[0])
	// Output:
	// implicitDeny
	//   sts:ExternalId StringEquals "my-data-sharing-id"
	// map[sts:ExternalId:[my-data-sharing-id]]
}

func ExampleIndex_External() {
	w, err := world.Parse("shared.yaml", []byte(`
accounts:
  - id: "111111111111"
    roles:
      - name: partner-access
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::444444444444:root"}, Action: sts:AssumeRole,
               Condition: {StringEquals: {sts:ExternalId: partner-42}}}
`))
	if err != nil {
		panic(err)
	}
	fs, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: analysis.ZoneAccount})
	if err != nil {
		panic(err)
	}
	for _, f := range fs {
		fmt.Println(f.Kind, f.Principal, f.Actions, f.AllowedIf.Key())
	}
	// Output:
	// external arn:aws:iam::444444444444:root [sts:AssumeRole] sts:ExternalId StringEquals "partner-42"
}
