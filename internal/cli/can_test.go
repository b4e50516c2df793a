package cli

import (
	"bytes"
	"context"
	"testing"
)

// Golden answers of `iamgate can` on the seed examples: the boundary
// delegation's what-can (the employee, and the role it manages, held to
// its boundary), and Maskopy's cross-account role on RDS.
func TestCanGolden(t *testing.T) {
	for _, tc := range []struct {
		name, world, principal string
		services               []string
		resource               string
	}{
		{"boundary-employee", "../../examples/boundary-delegation/world.yaml", "arn:aws:iam::333333333333:role/MyEmployeeRole", nil, ""},
		{"boundary-app", "../../examples/boundary-delegation/world.yaml", "arn:aws:iam::333333333333:role/MyTestAppRole", nil, ""},
		{"maskopy-xacnt-rds", "../../examples/maskopy/world.yaml", "arn:aws:iam::111111111111:role/XACNT_MASKOPY", []string{"rds"}, ""},
		{"datamasque-dm-bucket", "../../examples/datamasque/world.yaml", "arn:aws:iam::111111111111:role/DM-Role", nil, "arn:aws:s3:::dm-target-bucket"},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			p := canParams{src: worldSource{world: tc.world}, principal: tc.principal, services: tc.services, resource: tc.resource, output: out, now: fixedNow}
			code, err := runCan(context.Background(), p, &stdout)
			if code != ExitOK || err != nil {
				t.Fatalf("%s %s: code %d err %v", tc.name, out, code, err)
			}
			golden(t, "can-"+tc.name+"."+out, stdout.String())
		}
	}
}
