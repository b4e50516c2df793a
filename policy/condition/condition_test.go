package condition_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/iamgate/iamgate/policy/condition"
)

type ctx map[string][]string

func (c ctx) Lookup(k string) ([]string, bool) { v, ok := c[k]; return v, ok }

// TestConformance replays testdata/conformance.json; each case names the AWS
// rule it checks, and the file names the IAM User Guide pages it follows.
func TestConformance(t *testing.T) {
	data, err := os.ReadFile("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []struct {
			Name    string              `json:"name"`
			Op      string              `json:"op"`
			Key     string              `json:"key"`
			Values  []string            `json:"values"`
			Ctx     map[string][]string `json:"ctx"`
			Version string              `json:"version"`
			Want    bool                `json:"want"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Cases) < 50 {
		t.Fatalf("conformance suite has only %d cases", len(suite.Cases))
	}
	for _, tc := range suite.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			op, err := condition.ParseOperator(tc.Op)
			if err != nil {
				t.Fatal(err)
			}
			c := condition.Compile(op, tc.Key, tc.Values, tc.Version != "2008-10-17")
			if got := c.Eval(ctx(tc.Ctx)); got != tc.Want {
				t.Errorf("%s %s %v against %v = %v, want %v", tc.Op, tc.Key, tc.Values, tc.Ctx, got, tc.Want)
			}
		})
	}
}

func TestParseOperator(t *testing.T) {
	for _, base := range condition.BaseOperators() {
		for _, name := range []string{base, base + "IfExists", "ForAllValues:" + base, "ForAnyValue:" + base + "IfExists"} {
			op, err := condition.ParseOperator(name)
			if base == "Null" && op.IfExists || (base == "Null" && err != nil) {
				continue
			}
			if err != nil {
				t.Errorf("ParseOperator(%q): %v", name, err)
				continue
			}
			if op.Name != name {
				t.Errorf("ParseOperator(%q).Name = %q", name, op.Name)
			}
		}
	}
	if op, err := condition.ParseOperator("stringequals"); err != nil || op.Name != "StringEquals" {
		t.Errorf("case-insensitive parse: %v %v", op.Name, err)
	}
	for _, bad := range []string{"StringEqual", "ForSomeValues:StringEquals", "NullIfExists", "", "IfExists"} {
		if _, err := condition.ParseOperator(bad); err == nil {
			t.Errorf("ParseOperator(%q) accepted", bad)
		}
	}
}

func TestInvalidValues(t *testing.T) {
	op, _ := condition.ParseOperator("IpAddress")
	c := condition.Compile(op, "aws:SourceIp", []string{"10.0.0.0/8", "not-an-ip"}, true)
	if inv := c.Invalid(); len(inv) != 1 || inv[0] != "not-an-ip" {
		t.Fatalf("Invalid() = %v", inv)
	}
}

func BenchmarkEvalIPAddress(b *testing.B) {
	op, _ := condition.ParseOperator("IpAddress")
	c := condition.Compile(op, "aws:SourceIp", []string{"203.0.113.0/24"}, true)
	x := ctx{"aws:sourceip": {"203.0.113.7"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Eval(x)
	}
}

func BenchmarkEvalStringEqualsVariable(b *testing.B) {
	op, _ := condition.ParseOperator("StringEquals")
	c := condition.Compile(op, "ec2:ResourceTag/CostCenter", []string{"${aws:PrincipalTag/CostCenter}"}, true)
	x := ctx{"ec2:resourcetag/costcenter": {"0735"}, "aws:principaltag/costcenter": {"0735"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Eval(x)
	}
}
