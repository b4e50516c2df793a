package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store/sqlite"
)

const activityDir = "testdata/activity"

func activityFiles() activitySource {
	return activitySource{world: filepath.Join(activityDir, "world.json"), cloudtrail: []string{filepath.Join(activityDir, "cloudtrail")},
		days: 30, now: "2026-11-30T00:00:00Z", store: filepath.Join(os.TempDir(), "iamgate-no-store.db")}
}

// TestActivityGolden: access unused (text and JSON) and generate over the
// synthetic fixture read from its CloudTrail files.
func TestActivityGolden(t *testing.T) {
	ctx := context.Background()
	for _, out := range []string{"text", "json"} {
		var b bytes.Buffer
		if code, err := runAccessUnused(ctx, accessUnusedParams{src: activityFiles(), output: out}, &b); code != ExitOK {
			t.Fatal(err)
		}
		golden(t, "activity/access-unused."+out, b.String())
	}
	var b, e bytes.Buffer
	if code, err := runGenerate(ctx, generateParams{src: activityFiles(), principal: "arn:aws:iam::111111111111:user/dev-1", output: "text"}, &b, &e); code != ExitOK {
		t.Fatal(err)
	}
	golden(t, "activity/generate-dev-1.text", b.String()+e.String())
	// A principal with no call: exit 1, no policy.
	b.Reset()
	code, err := runGenerate(ctx, generateParams{src: activityFiles(), principal: "arn:aws:iam::111111111111:role/app-2", output: "text"}, &b, &e)
	if code != ExitMismatch || b.Len() != 0 || err == nil {
		t.Errorf("generate for an unused role: code %d, %q, %v", code, b.String(), err)
	}
}

// TestActivityImportCloudTrailStore: import --world then --cloudtrail
// into a store; access unused and generate over the store say what they
// say over the files, and the last-accessed table (access advisor) holds
// the imported allowed actions.
func TestActivityImportCloudTrailStore(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "s.db")
	var out bytes.Buffer
	if code, err := runImport(ctx, importParams{store: db, worldFile: filepath.Join(activityDir, "world.json"), cloudtrail: []string{filepath.Join(activityDir, "cloudtrail")}}, &out); code != ExitOK {
		t.Fatal(err, out.String())
	}
	if !strings.Contains(out.String(), "cloudtrail: 60 event(s) from 2 file(s)") {
		t.Errorf("import said %q", out.String())
	}
	src := activityFiles()
	src.world, src.cloudtrail, src.store = "", nil, db
	var fromStore, fromFiles bytes.Buffer
	if code, err := runAccessUnused(ctx, accessUnusedParams{src: src, output: "text"}, &fromStore); code != ExitOK {
		t.Fatal(err)
	}
	if code, err := runAccessUnused(ctx, accessUnusedParams{src: activityFiles(), output: "text"}, &fromFiles); code != ExitOK {
		t.Fatal(err)
	}
	if fromStore.String() != fromFiles.String() {
		t.Errorf("from the store:\n%s\nfrom the files:\n%s", fromStore.String(), fromFiles.String())
	}
	var g, e bytes.Buffer
	if code, err := runGenerate(ctx, generateParams{src: src, principal: "arn:aws:iam::111111111111:user/dev-1", from: "cloudtrail", output: "text"}, &g, &e); code != ExitOK {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(filepath.Join("testdata", "activity", "generate-dev-1.text")); g.String()+e.String() != string(want) {
		t.Errorf("generate from the store:\n%s%s", g.String(), e.String())
	}
	// --from audit: iamgate's own log holds no call of dev-1.
	if code, _ := runGenerate(ctx, generateParams{src: src, principal: "arn:aws:iam::111111111111:user/dev-1", from: "audit", output: "text"}, &g, &e); code != ExitMismatch {
		t.Errorf("--from audit: code %d", code)
	}
	st, err := sqlite.OpenExisting(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	las, err := st.LastAccessed(ctx, []string{"arn:aws:iam::111111111111:user/dev-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(las) == 0 {
		t.Error("access advisor: no last access noted for dev-1")
	}
}

// TestImportCloudTrailMalformed: a malformed record is named by file and
// index, and nothing of the import is stored.
func TestImportCloudTrailMalformed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(activityDir, "cloudtrail", "synth_CloudTrail_us-east-1_00000.json"))
	if err := os.WriteFile(filepath.Join(dir, "a.json"), good, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := `{"Records": [{"eventTime": "2026-11-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "userIdentity": {"type": "IAMUser"}},
 {"eventTime": "2026-11-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "userIdentity": {"type": "IAMUser"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "s.db")
	var out bytes.Buffer
	code, err := runImport(ctx, importParams{store: db, cloudtrail: []string{dir}}, &out)
	var ce *importer.CloudTrailError
	if code != ExitUsage || !errors.As(err, &ce) || ce.Record != 1 || !strings.HasSuffix(ce.File, "b.json") || !strings.Contains(err.Error(), "b.json: record 1: no eventName") {
		t.Fatalf("code %d, err %v", code, err)
	}
	st, err := sqlite.OpenExisting(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if head, _ := st.AuditHead(ctx); head != 0 {
		t.Errorf("%d records stored from a failed import", head)
	}
}
