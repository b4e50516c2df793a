package catalog_test

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/catalog"
)

// The managed policies the seeds attach (Maskopy: AWSLambdaExecute,
// AWSLambdaRole, AmazonEC2ContainerServiceRole) and the brief's examples.
func TestManagedLookup(t *testing.T) {
	m := catalog.Managed()
	if len(m.Policies) < 1000 {
		t.Fatalf("only %d managed policies", len(m.Policies))
	}
	for _, arn := range []string{
		"arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
		"arn:aws:iam::aws:policy/AWSLambdaExecute",
		"arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole",
		"arn:aws-cn:iam::aws:policy/AdministratorAccess",
	} {
		p, ok := m.Lookup(arn)
		if !ok {
			t.Errorf("%s not found", arn)
			continue
		}
		var doc struct {
			Statement json.RawMessage
		}
		if err := json.Unmarshal(p.Document, &doc); err != nil || len(doc.Statement) == 0 {
			t.Errorf("%s: document %s", arn, p.Document)
		}
	}
	p, _ := m.Lookup("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
	if p.Path() != "/service-role/" || p.Name != "AWSLambdaRole" {
		t.Errorf("path %q name %q", p.Path(), p.Name)
	}
	if a, _ := m.Lookup("arn:aws:iam::aws:policy/AdministratorAccess"); a.Path() != "/" {
		t.Errorf("AdministratorAccess path %q", a.Path())
	}
	if _, ok := m.ByName("administratoraccess"); !ok {
		t.Error("ByName")
	}
	if _, ok := m.Lookup("arn:aws:iam::aws:policy/NoSuchPolicy"); ok {
		t.Error("unknown policy found")
	}
	if !catalog.IsAWSManagedARN("arn:aws:iam::aws:policy/X") || catalog.IsAWSManagedARN("arn:aws:iam::111111111111:policy/X") {
		t.Error("IsAWSManagedARN")
	}
}
