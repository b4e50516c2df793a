package activity

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/engine"
)

// slow is the event encoding/json and FromEntry make of an entry.
func slow(data []byte) (Event, error) {
	var e audit.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Event{}, err
	}
	return FromEntry(&e), nil
}

var entrySeeds = []string{
	`{"time":"2026-10-31T00:00:00Z","requestId":"r","account":"222222222222","caller":"arn:aws:sts::222222222222:assumed-role/app-5/s2","accessKeyId":"ASIA1","sourceIp":"198.51.100.192","region":"us-east-1","service":"sns","operation":"Subscribe","outcome":"OK","decisions":[{"action":"sns:Subscribe","resource":"arn:aws:sns:us-east-1:222222222222:topic-0","decision":"allowed"}],"source":"cloudtrail"}`,
	`{"seq":7,"time":"2026-10-31T00:00:00.5+02:00","requestId":"r","account":"1","caller":"c","service":"iam","operation":"PassRole","outcome":"AccessDenied","decisions":[{"action":"iam:PassRole","resource":"r","decision":"explicitDeny","layer":"identity","statement":{"policyType":"identity","policyName":"p","policyIndex":0,"level":2,"statementIndex":1,"sid":"S","effect":"Deny","line":3,"column":4}},{"action":"sts:AssumeRole","resource":"x","decision":"allowed","principal":"arn:aws:iam::1:role/r"},{"action":"iam:PassRole","resource":"y","decision":"allowed","inferred":true}]}`,
	`{"time":"2026-10-31T00:00:00Z","caller":"c","caller":"d"}`,
	`{"time":"2026-10-31T00:00:00Z","Caller":"c"}`,
	`{"time":"2026-10-31T00:00:00Z","caller":null,"decisions":null}`,
	`{"time":"2026-10-31T00:00:00Z","caller":5}`,
	`{"time":"2026-10-31","caller":"c"}`,
	`{"time":"2026-10-31T00:00:00Z","seq":1.5}`,
	`{"time":"2026-10-31T00:00:00Z","decisions":[{"statement":{"level":"x"}}]}`,
	`{"time":"2026-10-31T00:00:00Z","decisions":[]}`,
	`{"time":"2026-10-31T00:00:00Z","caller":"\u00e9\ud83d\ude00","extra":{"a":[1,2]}} `,
	`{"time":"2026-10-31T00:00:00Z"} x`, `[]`, `null`, ``, `{"caller":"c\xff"}`,
}

// TestEventFastSameAsEncodingJSON: entries as the audit package writes
// them are read by the fast decoder, and read as encoding/json reads
// them.
func TestEventFastSameAsEncodingJSON(t *testing.T) {
	e := audit.Entry{Seq: 3, Time: time.Date(2026, 11, 2, 10, 0, 0, 123, time.UTC), RequestID: "r", Account: "1", Caller: "arn:aws:iam::1:user/u", AccessKey: "AKIA",
		SourceIP: "203.0.113.1", Region: "eu-west-1", Service: "iam", Operation: "GetUser", Outcome: "OK", Source: audit.SourceCloudTrail,
		Decisions: []audit.Decision{{Action: "iam:GetUser", Resource: "*", Decision: "allowed", Layer: "identity", Statement: &engine.MatchedStatement{PolicyType: "identity", PolicyName: "p", Effect: "Allow", Line: 1, Column: 2}},
			{Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/r", Decision: "allowed", Inferred: true}, {Action: "sts:AssumeRole", Resource: "x", Decision: "allowed", Principal: "p"}}}
	data, _ := json.Marshal(e)
	var ev Event
	if !eventFast(data, &ev) {
		t.Fatalf("the fast decoder is unsure of %s", data)
	}
	for _, s := range append(entrySeeds[:2], string(data)) {
		var ev Event
		if !eventFast([]byte(s), &ev) {
			t.Errorf("the fast decoder is unsure of %s", s)
		}
	}
	for _, s := range entrySeeds {
		checkEvent(t, []byte(s))
	}
}

func checkEvent(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := decodeEvent(data)
	want, werr := slow(data)
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q\nfast %v %+v\nslow %v %+v", data, gerr, got, werr, want)
	}
}

// FuzzEventFast: whatever the entry, decodeEvent makes of it what
// encoding/json and FromEntry make of it, or fails as encoding/json does.
func FuzzEventFast(f *testing.F) {
	for _, s := range entrySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) { checkEvent(t, []byte(data)) })
}
