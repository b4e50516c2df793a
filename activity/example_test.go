package activity_test

import (
	"fmt"
	"time"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/world"
)

// A role granted two queue actions used one: the other is unused.
func ExampleUnused() {
	w, err := world.Parse("w.yaml", []byte(`
accounts:
  - id: "111122223333"
    roles:
      - name: worker
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
        policies:
          - name: q
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ["sqs:GetQueueAttributes", "sqs:TagQueue"], Resource: "arn:aws:sqs:us-east-1:111122223333:jobs"}]}
`))
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	a := activity.New()
	a.Add(activity.FromEntry(&audit.Entry{Time: now.Add(-time.Hour), Caller: "arn:aws:sts::111122223333:assumed-role/worker/s", Service: "sqs", Operation: "GetQueueAttributes",
		Source: audit.SourceCloudTrail, Decisions: []audit.Decision{{Action: "sqs:GetQueueAttributes", Resource: "arn:aws:sqs:us-east-1:111122223333:jobs", Decision: "allowed"}}}))
	r, err := activity.Unused(activity.UnusedQuery{World: w, Activity: a, Now: now, Observability: activity.Observability{CloudTrail: true}})
	if err != nil {
		panic(err)
	}
	for _, p := range r.Principals {
		fmt.Println(p.ARN, "used", p.UsedActions, "unused", p.UnusedActions)
		for _, t := range p.Trust {
			fmt.Println("  trust", t.Principal, "exercised:", t.Exercised)
		}
	}
	// Output:
	// arn:aws:iam::111122223333:role/worker used [sqs:GetQueueAttributes] unused [sqs:TagQueue]
	//   trust lambda.amazonaws.com exercised: false
}
