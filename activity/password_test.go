package activity_test

import (
	"testing"
	"time"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/world"
)

// TestPasswordUse: a user with a console password (loginProfile) who
// signed in during the period has it in use; one who did not has it
// unused; without CloudTrail events (console sign-ins are CloudTrail's
// signin.amazonaws.com events) its use is unobservable, never unused; a
// user without a password has no password entry.
func TestPasswordUse(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(`
accounts:
  - id: "111122223333"
    users:
      - {name: signs-in, loginProfile: true}
      - {name: never, loginProfile: true}
      - {name: keys-only}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	a := activity.New()
	a.Add(activity.FromEntry(&audit.Entry{Time: now.Add(-time.Hour), Caller: "arn:aws:iam::111122223333:user/signs-in", Service: "signin", Operation: "ConsoleLogin",
		Source: audit.SourceCloudTrail, Decisions: []audit.Decision{{Action: "signin:ConsoleLogin", Resource: "*", Decision: "allowed"}}}))
	for _, c := range []struct {
		cloudTrail bool
		want       map[string]string
	}{
		{true, map[string]string{"signs-in": "used", "never": "unused", "keys-only": "none"}},
		{false, map[string]string{"signs-in": "used", "never": "unobservable", "keys-only": "none"}},
	} {
		r, err := activity.Unused(activity.UnusedQuery{World: w, Activity: a, Now: now, Observability: activity.Observability{CloudTrail: c.cloudTrail}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range r.Principals {
			name := p.ARN[len("arn:aws:iam::111122223333:user/"):]
			switch pw := p.Password; {
			case pw == nil:
				got[name] = "none"
			case pw.Unused:
				got[name] = "unused"
			case pw.Unobservable:
				got[name] = "unobservable"
			case pw.LastUsed != nil:
				got[name] = "used"
			}
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("cloudTrail %v: %s's password %s, want %s", c.cloudTrail, k, got[k], v)
			}
		}
	}
}
