package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// Golden answers of `iamgate access external`, and every witness decided
// by `iamgate eval --expect allowed`.
func TestAccessExternalGolden(t *testing.T) {
	for _, tc := range []struct {
		name, world, zone string
	}{
		// DataMasque (seed 001): the target bucket and key shared with
		// account A's DM-Role (the bucket over TLS only), Target-DM-Role
		// trusting A's Source-DM-Role, the EC2 trust policies.
		{"datamasque", "../../examples/datamasque/world.yaml", "organization"},
		// The organization-condition traps, in both zones.
		{"traps-organization", "../../analysis/testdata/external-traps.yaml", "organization"},
		{"traps-account", "../../analysis/testdata/external-traps.yaml", "account"},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			p := accessExternalParams{src: worldSource{world: tc.world}, zone: tc.zone, output: out, now: fixedNow}
			code, err := runAccessExternal(context.Background(), p, &stdout)
			if code != ExitOK || err != nil {
				t.Fatalf("%s %s: code %d err %v", tc.name, out, code, err)
			}
			if out == "json" {
				var m struct {
					Findings []struct {
						Kind    string          `json:"kind"`
						Witness json.RawMessage `json:"witness"`
					} `json:"findings"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &m); err != nil || len(m.Findings) == 0 {
					t.Fatalf("%s: %v %s", tc.name, err, stdout.String())
				}
				for i, f := range m.Findings {
					if f.Kind == "unknown" {
						continue
					}
					var evalOut bytes.Buffer
					code, err := runEval(context.Background(), evalParams{file: "-", output: "text", expect: "allowed", now: fixedNow}, bytes.NewReader(f.Witness), &evalOut)
					if code != ExitOK || err != nil {
						t.Errorf("%s finding %d: iamgate eval of the witness: code %d err %v\n%s\n%s", tc.name, i, code, err, f.Witness, evalOut.String())
					}
				}
			}
			golden(t, "access-external-"+tc.name+"."+out, stdout.String())
		}
	}
}

func TestAccessExternalUsage(t *testing.T) {
	var stdout bytes.Buffer
	src := worldSource{world: "../../examples/datamasque/world.yaml"}
	for _, p := range []accessExternalParams{
		{src: src, zone: "region", output: "text", now: fixedNow},
		{src: src, zone: "account", output: "yaml", now: fixedNow},
		{src: src, zone: "account", output: "text", context: []string{"novalue"}, now: fixedNow},
		{zone: "account", output: "text", now: fixedNow},
	} {
		if code, _ := runAccessExternal(context.Background(), p, &stdout); code != ExitUsage {
			t.Errorf("%+v: code %d", p, code)
		}
	}
}

func TestAccessCommandRegistered(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"access", "external", "--world", "../../examples/datamasque/world.yaml", "--zone", "account"}, nil, &stdout, &stderr); code != ExitOK {
		t.Fatalf("code %d: %s", code, stderr.String())
	}
	if !bytes.Contains(stdout.Bytes(), []byte("dm-target-bucket")) {
		t.Errorf("output: %s", stdout.String())
	}
}
