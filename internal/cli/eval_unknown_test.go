package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// Golden answers of `iamgate eval --unknown` on the seed examples.
func TestEvalUnknownGolden(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		unknown    []string
		all        bool
	}{
		{"datamasque-externalid", "../../examples/eval/allowed-if/datamasque-assume-target.json", []string{"sts:ExternalId"}, false},
		{"datamasque-securetransport", "../../examples/eval/datamasque-cross-account.json", []string{"aws:SecureTransport"}, false},
		{"mfa", "../../examples/eval/allowed-if/mfa-terminate.json", nil, true},
		{"region", "../../examples/eval/allowed-if/region-scp.json", []string{"aws:RequestedRegion"}, false},
		{"source-ip", "../../examples/eval/allowed-if/source-ip-bucket.json", nil, true},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			p := evalParams{file: tc.file, output: out, now: fixedNow, unknown: tc.unknown, unknownContext: tc.all}
			code, err := runEval(context.Background(), p, nil, &stdout)
			if code != ExitOK || err != nil {
				t.Fatalf("%s %s: code %d err %v", tc.name, out, code, err)
			}
			golden(t, "eval-unknown-"+tc.name+"."+out, stdout.String())
		}
	}
}

func TestEvalUnknownShape(t *testing.T) {
	run := func(doc string, unknown ...string) map[string]any {
		t.Helper()
		var stdout bytes.Buffer
		code, err := runEval(context.Background(), evalParams{file: "-", output: "json", now: fixedNow, unknown: unknown}, strings.NewReader(doc), &stdout)
		if code != ExitOK || err != nil {
			t.Fatalf("code %d err %v", code, err)
		}
		var m map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	doc := func(cond string) string {
		return `{"principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k",
"policies":{"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"` + cond + `}]}]}}`
	}
	// always: [[]]; never: []
	if m := run(doc(""), "test:k"); m["decision"] != "allowed" || jsonText(m["allowedIf"]) != "[[]]" {
		t.Errorf("always: %v %s", m["decision"], jsonText(m["allowedIf"]))
	}
	if m := run(doc(`,"Condition":{"NumericLessThan":{"test:k":"1"},"NumericGreaterThan":{"test:k":"2"}}`), "test:k"); jsonText(m["allowedIf"]) != "[]" {
		t.Errorf("never: %s", jsonText(m["allowedIf"]))
	}
	// UNKNOWN names the construct and leaves allowedIf out.
	m := run(doc(`,"Condition":{"StringEquals":{"test:k":"${test:j}"}}`), "test:k", "test:j")
	if _, ok := m["allowedIf"]; ok || !strings.Contains(jsonText(m["allowedIfUnknown"]), "${test:j}") {
		t.Errorf("unknown: %v", m)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
