package activity_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/activity/synth"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// TestGenerateSplitsToSize: with a small size bound the policy comes in
// several documents, each within it (as policy.Size counts), granting
// together the same pairs, and still replays every call.
func TestGenerateSplitsToSize(t *testing.T) {
	c := synth.Generate(synth.Options{Seed: 3})
	w, a := loadCorpus(t, c, func(string) bool { return true })
	best, n := "", 0
	for p, pairs := range c.Truth.UsedPairs {
		if len(pairs) > n || (len(pairs) == n && p < best) {
			best, n = p, len(pairs)
		}
	}
	const max = 350
	g, err := activity.Generate(activity.GenerateQuery{World: w, Principal: best, Activity: a, MaxSize: max, Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Documents) < 2 {
		t.Fatalf("%d pairs in %d document(s) of at most %d characters", n, len(g.Documents), max)
	}
	got := 0
	for _, d := range g.Documents {
		if s := policy.Size(d); s > max {
			t.Errorf("a document of %d characters", s)
		}
		var doc struct {
			Statement []struct{ Action, Resource []string }
		}
		if err := json.Unmarshal(d, &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Statement {
			got += len(s.Action) * len(s.Resource)
		}
	}
	if got != n {
		t.Errorf("%d pairs granted, want %d", got, n)
	}
}

const genWorld = `
accounts:
  - id: "111122223333"
    policies:
      - name: only-tag
        document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sqs:TagQueue", Resource: "*"}]}
    roles:
      - name: bounded
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
        permissionsBoundary: arn:aws:iam::111122223333:policy/only-tag
        policies:
          - name: q
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
      - name: narrow
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
        policies:
          - name: q
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sqs:TagQueue", Resource: "*"}]}
`

func logged(role, action string) activity.Event {
	return activity.FromEntry(&audit.Entry{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Caller: "arn:aws:sts::111122223333:assumed-role/" + role + "/s",
		Region: "us-east-1", Service: "sqs", Operation: "x", Source: audit.SourceCloudTrail,
		Decisions: []audit.Decision{{Action: action, Resource: "arn:aws:sqs:us-east-1:111122223333:jobs", Decision: "allowed"}}})
}

// TestGenerateProofs: a logged call the world's boundary now refuses
// fails the replay; a logged call the current policies do not grant
// (the log and the world disagree) fails the no-new-access check. No
// policy comes back from either.
func TestGenerateProofs(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(genWorld))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		role, action string
		want         error
	}{
		{"bounded", "sqs:GetQueueAttributes", activity.ErrReplay},
		{"narrow", "sqs:GetQueueAttributes", activity.ErrNewAccess},
		{"narrow", "sqs:TagQueue", nil},
	} {
		a := activity.New()
		a.KeepEvents = func(string) bool { return true }
		a.Add(logged(tc.role, tc.action))
		g, err := activity.Generate(activity.GenerateQuery{World: w, Principal: "arn:aws:iam::111122223333:role/" + tc.role, Activity: a, Now: now})
		if !errors.Is(err, tc.want) || (err != nil) != (g == nil) {
			t.Errorf("%s %s: %v, want %v", tc.role, tc.action, err, tc.want)
		}
	}
}
