package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// Golden answers of `iamgate who-can` on the seed examples.
func TestWhoCanGolden(t *testing.T) {
	for _, tc := range []struct {
		name       string
		world      string
		actions    []string
		resource   string
		context    []string
		transitive bool
	}{
		// Who can read the DataMasque bucket (its objects): DM-Role through
		// the bucket policy and Target-DM-Role by its own, over TLS; and,
		// transitively, whoever assumes them.
		{"datamasque-read", "../../examples/datamasque/world.yaml", []string{"s3:GetObject", "s3:ListBucket"}, "arn:aws:s3:::dm-target-bucket", nil, false},
		{"datamasque-read-object-transitive", "../../examples/datamasque/world.yaml", []string{"s3:GetObject"}, "arn:aws:s3:::dm-target-bucket/masked/customers.csv", nil, true},
		{"datamasque-read-object-tls", "../../examples/datamasque/world.yaml", []string{"s3:GetObject"}, "arn:aws:s3:::dm-target-bucket/masked/customers.csv", []string{"aws:SecureTransport=true"}, true},
		// Who can delete Maskopy snapshots, and through which chain.
		{"maskopy-delete", "../../examples/maskopy/world.yaml", []string{"rds:DeleteDBSnapshot"}, "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-copy-1", nil, true},
		// Who can use the DataMasque key (a key policy).
		{"datamasque-key", "../../examples/datamasque/world.yaml", []string{"kms:Decrypt"}, "arn:aws:kms:us-east-1:222222222222:key/dm-key", nil, false},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			p := whoCanParams{src: worldSource{world: tc.world}, actions: tc.actions, resource: tc.resource, context: tc.context, transitive: tc.transitive, depth: 8, output: out, now: fixedNow}
			code, err := runWhoCan(context.Background(), p, &stdout)
			if code != ExitOK || err != nil {
				t.Fatalf("%s %s: code %d err %v", tc.name, out, code, err)
			}
			if out == "json" {
				var m struct {
					Results []map[string]any `json:"results"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &m); err != nil || len(m.Results) == 0 {
					t.Fatalf("%s: %v %s", tc.name, err, stdout.String())
				}
			}
			golden(t, "who-can-"+tc.name+"."+out, stdout.String())
		}
	}
}

func TestWhoCanUsage(t *testing.T) {
	var stdout bytes.Buffer
	if code, _ := runWhoCan(context.Background(), whoCanParams{src: worldSource{world: "../../examples/maskopy/world.yaml"}, output: "json", now: fixedNow}, &stdout); code != ExitUsage {
		t.Errorf("no action: code %d", code)
	}
	if code, _ := runWhoCan(context.Background(), whoCanParams{src: worldSource{world: "../../examples/maskopy/world.yaml"}, actions: []string{"s3:GetObject"}, resource: "*", context: []string{"novalue"}, output: "json", now: fixedNow}, &stdout); code != ExitUsage {
		t.Errorf("bad context: code %d", code)
	}
}
