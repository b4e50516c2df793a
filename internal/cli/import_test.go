package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// import -> test against the store -> export -> test against the exported
// file: the same decisions all the way.
func TestImportExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	for _, ex := range []string{"maskopy", "datamasque", "policy-pipeline"} {
		db := filepath.Join(t.TempDir(), "iamgate.db")
		dir := filepath.Join("..", "..", "examples", ex)
		out.Reset()
		if code, err := runImport(ctx, importParams{store: db, worldFile: filepath.Join(dir, "world.yaml")}, &out); code != ExitOK {
			t.Fatalf("%s import: %v", ex, err)
		}
		if code, err := runTest(ctx, testParams{paths: []string{dir}, useStore: true, store: db}, &out); code != ExitOK {
			t.Fatalf("%s against the store: %v\n%s", ex, err, out.String())
		}
		exported := filepath.Join(t.TempDir(), ex+".yaml")
		if code, err := runExport(ctx, exportParams{store: db, out: exported}, &out); code != ExitOK {
			t.Fatalf("%s export: %v", ex, err)
		}
		if code, err := runTest(ctx, testParams{paths: []string{dir}, world: exported}, &out); code != ExitOK {
			t.Fatalf("%s against the exported file: %v\n%s", ex, err, out.String())
		}
	}
}

func TestImportGAADAndErrors(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "iamgate.db")
	var out bytes.Buffer
	td := filepath.Join("..", "..", "importer", "testdata")
	code, err := runImport(ctx, importParams{store: db, gaad: []string{filepath.Join(td, "gaad-staging.json"), filepath.Join(td, "gaad-production.json")},
		org: filepath.Join(td, "org.yaml"), resources: []string{"arn:aws:s3:::prod-reports=" + filepath.Join(td, "prod-reports-bucket-policy.json") + "@111111111111"}}, &out)
	if code != ExitOK || !strings.Contains(out.String(), "stored 3 accounts") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for name, p := range map[string]importParams{
		"nothing":           {store: db},
		"no account for S3": {store: db, resources: []string{"arn:aws:s3:::b=" + filepath.Join(td, "prod-reports-bucket-policy.json")}},
		"bad spec":          {store: db, resources: []string{"arn:aws:s3:::b"}},
		"missing file":      {store: db, gaad: []string{"nope.json"}},
		"invalid world":     {store: db, resources: []string{"arn:aws:sqs:us-east-1:111111111111:q=" + filepath.Join(td, "org.yaml")}},
	} {
		if code, _ := runImport(ctx, p, &out); code != ExitUsage {
			t.Errorf("%s: code %d", name, code)
		}
	}
	// A failed import wrote nothing: the store still has its three accounts.
	out.Reset()
	if _, err := runExport(ctx, exportParams{store: db, out: "-"}, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "  - id: \"") != 3 {
		t.Fatalf("store changed by a failed import:\n%s", out.String())
	}
}

// An import that would change what the store holds (an account's
// entities, a resource policy, the organization) is refused, exit 2, with
// what it would replace, and writes nothing; --replace lets it. New
// accounts and resources, and importing what the store already holds, need
// no --replace. (Issue 12: an import replaced a live organization
// silently and left its accounts outside any organization.)
func TestImportRefusesToReplaceWithoutReplace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "iamgate.db")
	td := filepath.Join("..", "..", "importer", "testdata")
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bucket := "arn:aws:s3:::prod-reports=" + filepath.Join(td, "prod-reports-bucket-policy.json") + "@111111111111"
	first := importParams{store: db, gaad: []string{filepath.Join(td, "gaad-staging.json"), filepath.Join(td, "gaad-production.json")},
		org: filepath.Join(td, "org.yaml"), resources: []string{bucket}}
	var out bytes.Buffer
	if code, err := runImport(ctx, first, &out); code != ExitOK {
		t.Fatalf("first import: %v", err)
	}
	exported := func() string {
		var b bytes.Buffer
		if code, err := runExport(ctx, exportParams{store: db, out: "-"}, &b); code != ExitOK {
			t.Fatal(err)
		}
		return b.String()
	}
	before := exported()

	out.Reset()
	if code, err := runImport(ctx, first, &out); code != ExitOK || strings.Contains(out.String(), "replaced") {
		t.Fatalf("importing what the store holds: %d %v\n%s", code, err, out.String())
	}

	otherProd := file("prod.yaml", "accounts:\n  - id: \"111111111111\"\n    users: [{name: intruder}]\n")
	otherOrg := file("org2.yaml", "organization:\n  managementAccount: \"100000000000\"\n  root:\n    accounts: [\"100000000000\", \"111111111111\"]\n")
	otherBucket := "arn:aws:s3:::prod-reports=" + file("bucket.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-reports/*"}]}`) + "@111111111111"
	for _, tc := range []struct {
		name string
		p    importParams
		want []string
	}{
		{"an account's entities", importParams{store: db, worldFile: otherProd},
			[]string{"account 111111111111: ", "role ProdReader", "resource arn:aws:s3:::prod-reports"}},
		{"the organization", importParams{store: db, org: otherOrg},
			[]string{"organization o-", ", management account 100000000000, accounts 100000000000, 111111111111, 222222222222",
				"does not hold 222222222222: they would be left outside any organization"}},
		{"a resource policy", importParams{store: db, resources: []string{otherBucket}},
			[]string{"account 111111111111: resource arn:aws:s3:::prod-reports"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			code, err := runImport(ctx, tc.p, &out)
			var re *ReplaceError
			if code != ExitUsage || !errors.As(err, &re) {
				t.Fatalf("code %d, %v; want %d and a *ReplaceError", code, err, ExitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal does not say %q:\n%v", w, err)
				}
			}
			if !strings.Contains(err.Error(), "--replace") {
				t.Errorf("the refusal does not name --replace:\n%v", err)
			}
			if got := exported(); got != before {
				t.Fatalf("a refused import changed the store:\n%s", got)
			}
		})
	}

	// New accounts and new resources replace nothing.
	out.Reset()
	newBucket := "arn:aws:s3:::new-bucket=" + filepath.Join(td, "prod-reports-bucket-policy.json") + "@111111111111"
	if code, err := runImport(ctx, importParams{store: db, worldFile: file("new.yaml", "accounts:\n  - id: \"333333333333\"\n    users: [{name: newcomer}]\n"),
		resources: []string{newBucket}}, &out); code != ExitOK {
		t.Fatalf("a new account and a new resource: %v", err)
	}

	// --replace replaces what the import names, and only that.
	out.Reset()
	if code, err := runImport(ctx, importParams{store: db, worldFile: otherProd, org: otherOrg, replace: true}, &out); code != ExitOK {
		t.Fatalf("--replace: %v", err)
	}
	if !strings.Contains(out.String(), "replaced (--replace):") || !strings.Contains(out.String(), "account 111111111111") {
		t.Errorf("--replace does not say what it replaced:\n%s", out.String())
	}
	fw, err := loadStoredWorld(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string][]string{}
	for _, a := range fw.Accounts {
		for _, u := range a.Users {
			users[a.ID] = append(users[a.ID], u.Name)
		}
	}
	if strings.Join(users["111111111111"], ",") != "intruder" || len(users["222222222222"]) == 0 || strings.Join(users["333333333333"], ",") != "newcomer" {
		t.Fatalf("users after --replace: %v", users)
	}
	if got := orgAccounts(fw.Organization); strings.Join(got, ",") != "100000000000,111111111111" {
		t.Fatalf("organization after --replace: %v", got)
	}
}

func loadStoredWorld(ctx context.Context, db string) (*world.FileWorld, error) {
	s, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return store.LoadFile(ctx, s)
}
