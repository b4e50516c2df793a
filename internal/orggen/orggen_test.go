package orggen_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

func TestDeterministic(t *testing.T) {
	enc := func(c orggen.Config) []byte {
		b, err := json.Marshal(orggen.Generate(c))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := enc(orggen.Small()), enc(orggen.Small())
	if !bytes.Equal(a, b) {
		t.Fatal("the same config gave two worlds")
	}
	other := orggen.Small()
	other.Seed = 2
	if bytes.Equal(a, enc(other)) {
		t.Fatal("another seed gave the same world")
	}
}

// The presets build, the world file written loads (as `iamgate who-can
// --world` loads it), and the sizes are the config's.
func TestPresetsBuild(t *testing.T) {
	for _, name := range []string{"tiny", "small"} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := orggen.Preset(name)
			fw := orggen.Generate(cfg)
			data, err := json.Marshal(fw)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Parse(name+".json", data)
			if err != nil {
				t.Fatal(err)
			}
			var roles, users, res, withPolicy int
			for _, a := range w.Accounts.All() {
				roles += a.Roles.Len()
				users += a.Users.Len()
				res += a.Resources.Len()
				for _, r := range a.Resources.All() {
					if r.Policy != nil {
						withPolicy++
					}
				}
			}
			if w.Accounts.Len() != cfg.Accounts || roles != cfg.Roles || users != cfg.Users || res != cfg.Resources || withPolicy != cfg.Resources {
				t.Fatalf("%d accounts, %d roles, %d users, %d resources (%d with policies); want %+v", w.Accounts.Len(), roles, users, res, withPolicy, cfg)
			}
			depth := 0
			var walk func(o *world.OU, d int)
			walk = func(o *world.OU, d int) {
				depth = max(depth, d)
				for _, c := range o.Children {
					walk(c, d+1)
				}
			}
			walk(w.Organization.Root, 0)
			if depth != 4 {
				t.Fatalf("OU tree is %d levels deep, want 4", depth)
			}
		})
	}
}
