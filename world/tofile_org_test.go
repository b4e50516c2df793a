package world_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// ToFile gives back every field of the organization a world file has,
// those the world evaluates and those it only keeps (feature set, trusted
// access, delegated administrators, handshakes, closed accounts, ...), so
// that import and export through a built world lose none of them. The
// fixture sets every field of FileOrganization: a field added later
// without being carried through fails here.
func TestToFileKeepsEveryOrganizationField(t *testing.T) {
	const doc = `{
  "organization": {
    "id": "o-abcdefghij", "managementAccount": "111111111111",
    "policies": {"guard": {"type": "scp", "id": "p-guard001", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
    "root": {"id": "r-abcd", "name": "Root", "scps": ["guard"], "accounts": ["111111111111", "222222222222"]},
    "policyTypes": ["SERVICE_CONTROL_POLICY"],
    "featureSet": "ALL",
    "created": "2026-01-02T03:04:05Z",
    "joined": {"222222222222": "2026-01-03T00:00:00Z"},
    "trustedServices": [{"servicePrincipal": "iam.amazonaws.com", "enabled": "2026-01-04T00:00:00Z"}],
    "delegatedAdministrators": [{"account": "222222222222", "servicePrincipal": "iam.amazonaws.com", "since": "2026-01-05T00:00:00Z"}],
    "resourcePolicy": {"id": "rp-abcd1234", "content": "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "tags": {"k": "v"}},
    "rootAccess": ["RootCredentialsManagement"],
    "handshakes": [{"id": "h-abcdefghij", "action": "INVITE", "state": "OPEN", "requested": "2026-01-06T00:00:00Z", "expires": "2026-01-21T00:00:00Z",
      "account": "333333333333", "targetType": "ACCOUNT", "targetId": "333333333333", "notes": "join us", "tags": {"t": "1"}}],
    "invited": ["333333333333"],
    "attached": {"r-abcd": ["guard"]},
    "closed": {"222222222222": "2026-02-01T00:00:00Z"},
    "createAccountRequests": [{"id": "car-abcdefgh", "accountName": "two", "state": "SUCCEEDED", "requested": "2026-01-03T00:00:00Z", "completed": "2026-01-03T00:01:00Z", "account": "222222222222"}]
  },
  "accounts": [{"id": "111111111111"}, {"id": "222222222222"}]
}`
	var in world.FileWorld
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		t.Fatal(err)
	}
	fo := reflect.ValueOf(*in.Organization)
	for i := 0; i < fo.NumField(); i++ {
		f := fo.Field(i)
		if f.Kind() == reflect.Struct && fo.Type().Field(i).Anonymous {
			for j := 0; j < f.NumField(); j++ {
				if f.Field(j).IsZero() {
					t.Errorf("the fixture leaves %s.%s unset", fo.Type().Field(i).Name, f.Type().Field(j).Name)
				}
			}
			continue
		}
		if f.IsZero() {
			t.Errorf("the fixture leaves %s unset", fo.Type().Field(i).Name)
		}
	}
	w, err := world.Parse("w.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	back, err := json.Marshal(w.ToFile().Organization)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	orig, _ := json.Marshal(in.Organization)
	if err := json.Unmarshal(orig, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(back, &got); err != nil {
		t.Fatal(err)
	}
	// The documents are written back as text (the policy's source form);
	// compare them as JSON values.
	for _, m := range []map[string]any{got, want} {
		p := m["policies"].(map[string]any)["guard"].(map[string]any)
		if s, ok := p["document"].(string); ok {
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				t.Fatal(err)
			}
			p["document"] = v
		}
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("ToFile's organization:\n%s\nwant:\n%s", g, wj)
	}
}
