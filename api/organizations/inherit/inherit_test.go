package inherit_test

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/api/organizations/inherit"
)

// The policies of the Organizations User Guide, "Policy syntax and
// inheritance for management policy types", "Policy inheritance examples"
// (orgs_manage_policies_inheritance_mgmt.md of awsdocs/aws-organizations-docs):
// A is the root's tag policy of examples 1 to 3, B OU1's, C OU2's, D
// account 999999999999's; E and F those of example 4, G and H of example
// 5, J and K of example 6.
const (
	policyA = `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Development","Support"]}}}}`
	policyB = `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Sandbox"]},"enforced_for":{"@@assign":["redshift:*","dynamodb:table"]}}}}`
	policyC = `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@append":["Marketing"]},"enforced_for":{"@@append":["redshift:*","dynamodb:table"]}}}}`
	// The guide's policy D nests enforced_for inside tag_value, though its
	// text ("Compliance is not enforced for the CostCenter tag key") and
	// its effective policy remove the enforced_for policy C appended: here
	// enforced_for is where the text means it, beside tag_value.
	policyD = `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@remove":["Development","Marketing"]},"enforced_for":{"@@remove":["redshift:*","dynamodb:table"]}}}}`
	policyE = `{"tags":{"project":{"tag_key":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"Project"},"tag_value":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["Maintenance","Escalations"]}}}}`
	policyF = `{"tags":{"project":{"tag_key":{"@@assign":"PROJECT"},"tag_value":{"@@append":["Escalations - research"]}}}}`
	policyG = `{"tags":{"project":{"tag_value":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["Maintenance"]}}}}`
	policyH = `{"tags":{"project":{"tag_value":{"@@operators_allowed_for_child_policies":["@@append","@@remove"]}}}}`
	policyJ = `{"tags":{"project":{"tag_key":{"@@assign":"PROJECT"},"tag_value":{"@@append":["Maintenance"]}}}}`
	policyK = `{"tags":{"project":{"tag_key":{"@@assign":"project"}}}}`
)

func levels(l ...[]string) [][][]byte {
	out := make([][][]byte, len(l))
	for i, docs := range l {
		for _, d := range docs {
			out[i] = append(out[i], []byte(d))
		}
	}
	return out
}

func TestEffectiveGuideExamples(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels [][][]byte
		want   string
	}{
		{
			// Example 1: B at OU1 overwrites A's values and adds
			// enforced_for; the effective policy of 111111111111.
			name:   "example 1 assign overwrites",
			levels: levels([]string{policyA}, []string{policyB}, nil),
			want:   `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Sandbox"],"enforced_for":["redshift:*","dynamodb:table"]}}}`,
		},
		{
			// Example 2: C at OU2 appends; the effective policy of
			// 999999999999.
			name:   "example 2 append adds",
			levels: levels([]string{policyA}, []string{policyC}, nil),
			want:   `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support","Marketing"],"enforced_for":["redshift:*","dynamodb:table"]}}}`,
		},
		{
			// Example 3: D at 999999999999 removes, over A and C; the
			// emptied enforced_for is left out.
			name:   "example 3 remove takes out",
			levels: levels([]string{policyA}, []string{policyC}, []string{policyD}),
			want:   `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Support"]}}}`,
		},
		{
			// Example 4: F cannot change the tag key E locked with
			// @@none, and may append values. (The guide prints the
			// effective tag_key as "project"; E assigns "Project" and the
			// text says F's change is refused, so it stays "Project".)
			name:   "example 4 child control operators restrict",
			levels: levels([]string{policyE}, []string{policyF}, nil),
			want:   `{"tags":{"project":{"tag_key":"Project","tag_value":["Maintenance","Escalations","Escalations - research"]}}}`,
		},
		{
			// Example 5: G and H at the root allow the intersection,
			// @@append: a child can append but cannot remove Maintenance.
			name: "example 5 same-level child controls intersect",
			levels: levels([]string{policyG, policyH},
				[]string{`{"tags":{"project":{"tag_value":{"@@remove":["Maintenance"],"@@append":["Research"]}}}}`}, nil),
			want: `{"tags":{"project":{"tag_value":["Maintenance","Research"]}}}`,
		},
		{
			// Example 6: J attached before K at the root: J's PROJECT is
			// used. (The guide prints " PROJECT" and an "Escalations"
			// neither policy has; J and K give PROJECT and Maintenance.)
			name:   "example 6 first attached at a level wins",
			levels: levels([]string{policyJ, policyK}),
			want:   `{"tags":{"project":{"tag_key":"PROJECT","tag_value":["Maintenance"]}}}`,
		},
		{
			name:   "example 6 reattached the other way",
			levels: levels([]string{policyK, policyJ}),
			want:   `{"tags":{"project":{"tag_key":"project","tag_value":["Maintenance"]}}}`,
		},
		{
			// The guide, "Child control operators": "If an inherited child
			// control operator limits the use of an operator, you can't
			// reverse that rule in a child policy."
			name: "a restriction cannot be undone below",
			levels: levels([]string{policyE},
				[]string{`{"tags":{"project":{"tag_key":{"@@operators_allowed_for_child_policies":["@@all"]}}}}`},
				[]string{`{"tags":{"project":{"tag_key":{"@@assign":"pRoJeCt"}}}}`}),
			want: `{"tags":{"project":{"tag_key":"Project","tag_value":["Maintenance","Escalations"]}}}`,
		},
		{
			// The AI services opt-out policy syntax page: a root policy
			// locks comprehend with @@none; a child may still opt in to
			// rekognition and set the default.
			name: "AI services opt-out lock on one service",
			levels: levels(
				[]string{`{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}},"comprehend":{"opt_out_policy":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"optOut"}},"rekognition":{"opt_out_policy":{"@@assign":"optIn"}}}}`},
				nil,
				[]string{`{"services":{"comprehend":{"opt_out_policy":{"@@assign":"optIn"}},"rekognition":{"opt_out_policy":{"@@assign":"optOut"}}}}`}),
			want: `{"services":{"default":{"opt_out_policy":"optOut"},"comprehend":{"opt_out_policy":"optOut"},"rekognition":{"opt_out_policy":"optOut"}}}`,
		},
		{
			// A lock on a setting covers the settings under it.
			name: "a lock covers the settings under it",
			levels: levels([]string{`{"services":{"@@operators_allowed_for_child_policies":["@@none"],"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`},
				[]string{`{"services":{"lex":{"opt_out_policy":{"@@assign":"optIn"}},"default":{"opt_out_policy":{"@@assign":"optIn"}}}}`}),
			want: `{"services":{"default":{"opt_out_policy":"optOut"}}}`,
		},
		{
			name:   "nothing attached",
			levels: levels(nil, nil),
			want:   `{}`,
		},
		{
			name:   "not an object adds nothing",
			levels: levels([]string{`[1]`, `"x"`, `{`, policyK}),
			want:   `{"tags":{"project":{"tag_key":"project"}}}`,
		},
		{
			name:   "append and remove on a scalar do nothing",
			levels: levels([]string{policyK}, []string{`{"tags":{"project":{"tag_key":{"@@append":["x"],"@@remove":["project"]}}}}`}),
			want:   `{"tags":{"project":{"tag_key":"project"}}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := inherit.Effective(tc.levels)
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// FuzzEffective: no documents make Effective panic or write other than
// JSON.
func FuzzEffective(f *testing.F) {
	for _, p := range []string{policyA, policyB, policyC, policyD, policyE, policyF, policyG, policyH, policyJ, policyK, `{"a":{"@@assign":{"b":[1,{"c":null}]}}}`} {
		f.Add([]byte(p), []byte(policyF))
	}
	f.Fuzz(func(t *testing.T, parent, child []byte) {
		got := inherit.Effective([][][]byte{{parent, child}, {child}, {parent}})
		if !json.Valid(got) {
			t.Fatalf("not JSON: %s", got)
		}
	})
}
