package shape_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// The Query protocol's serialization of lists, structures and maps, as
// botocore's QuerySerializer writes them (botocore/serialize.py:
// Name.member.N for a non-flattened list, Name.entry.N.key/value for a
// map, Name.Member for a structure's members).
func TestDecodeQuery(t *testing.T) {
	form := url.Values{
		"UserName":              {"bo"},
		"Path":                  {"/a/"},
		"PermissionsBoundary":   {"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		"Tags.member.1.Key":     {"team"},
		"Tags.member.1.Value":   {"a"},
		"Tags.member.2.Key":     {"env"},
		"Tags.member.2.Value":   {""},
		"Tags.member.4.Key":     {"gap"}, // after a gap: not read
		"Unknown.member.1":      {"x"},
		"Tags.member.2.Ignored": {"y"},
	}
	var in iamshape.CreateUserRequest
	if err := shape.DecodeQuery(form, &in); err != nil {
		t.Fatal(err)
	}
	want := iamshape.CreateUserRequest{UserName: "bo", Path: "/a/", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess",
		Tags: shape.List[iamshape.Tag]{{Key: "team", Value: "a"}, {Key: "env", Value: ""}}}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got %+v, want %+v", in, want)
	}

	// Scalars: numbers and booleans as pointers (absent is nil), a present
	// empty list is the empty list, a list of strings.
	var lp iamshape.ListPoliciesRequest
	if err := shape.DecodeQuery(url.Values{"MaxItems": {"7"}, "OnlyAttached": {"true"}}, &lp); err != nil {
		t.Fatal(err)
	}
	if lp.MaxItems == nil || *lp.MaxItems != 7 || lp.OnlyAttached == nil || !*lp.OnlyAttached || lp.PathPrefix != "" {
		t.Fatalf("ListPolicies %+v", lp)
	}
	var ut iamshape.UntagUserRequest
	if err := shape.DecodeQuery(url.Values{"UserName": {"bo"}, "TagKeys": {""}}, &ut); err != nil {
		t.Fatal(err)
	}
	if ut.TagKeys == nil || len(ut.TagKeys) != 0 {
		t.Fatalf("a present empty list: %#v", ut.TagKeys)
	}
	if err := shape.DecodeQuery(url.Values{"UserName": {"bo"}, "TagKeys.member.1": {"a"}, "TagKeys.member.2": {"b"}}, &ut); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]string(ut.TagKeys), []string{"a", "b"}) {
		t.Fatalf("TagKeys %v", ut.TagKeys)
	}

	// A map (SimulatePrincipalPolicy's context entries are a list of
	// structures; GetAccountSummary's map is an output): entries by key.
	type withMap struct {
		M shape.Map[int32] `query:"M"`
	}
	var wm withMap
	if err := shape.DecodeQuery(url.Values{"M.entry.1.key": {"Users"}, "M.entry.1.value": {"3"}, "M.entry.2.key": {"Roles"}, "M.entry.2.value": {"4"}}, &wm); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wm.M, shape.Map[int32]{"Users": 3, "Roles": 4}) {
		t.Fatalf("map %v", wm.M)
	}

	// A value the member's type does not take is a DecodeError naming
	// the parameter (the model's validation refuses it first).
	err := shape.DecodeQuery(url.Values{"MaxItems": {"many"}}, &lp)
	var de *shape.DecodeError
	if !errors.As(err, &de) || de.Param != "MaxItems" {
		t.Fatalf("want a DecodeError for MaxItems, got %v", err)
	}
	// Booleans are true or false in any case, as the model's validation
	// admits them; anything else is a DecodeError.
	if err := shape.DecodeQuery(url.Values{"OnlyAttached": {"FALSE"}}, &lp); err != nil || lp.OnlyAttached == nil || *lp.OnlyAttached {
		t.Fatalf("FALSE: %v %v", err, lp.OnlyAttached)
	}
	if err := shape.DecodeQuery(url.Values{"OnlyAttached": {"1"}}, &lp); !errors.As(err, &de) || de.Param != "OnlyAttached" {
		t.Fatalf("want a DecodeError for OnlyAttached=1, got %v", err)
	}
	if err := shape.DecodeQuery(url.Values{}, lp); err == nil {
		t.Fatal("a non-pointer decoded")
	}
}

// Query XML: lists as <member>, maps as <entry><key><value> in key order,
// timestamps ISO 8601 UTC, optional members left out, required ones kept
// even when empty.
func TestQueryXML(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	out := iamshape.ListSSHPublicKeysResponse{SSHPublicKeys: shape.List[iamshape.SSHPublicKeyMetadata]{{UserName: "bo", SSHPublicKeyId: "APKA1", Status: "Active", UploadDate: shape.At(at)}},
		IsTruncated: shape.Ptr(false)}
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"R"`
		iamshape.ListSSHPublicKeysResponse
	}{ListSSHPublicKeysResponse: out})
	if err != nil {
		t.Fatal(err)
	}
	want := `<R><SSHPublicKeys><member><UserName>bo</UserName><SSHPublicKeyId>APKA1</SSHPublicKeyId><Status>Active</Status><UploadDate>2026-12-01T09:00:00Z</UploadDate></member></SSHPublicKeys><IsTruncated>false</IsTruncated></R>`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	sum := iamshape.GetAccountSummaryResponse{SummaryMap: shape.Map[int32]{"Users": 2, "Groups": 1}}
	b, err = xml.Marshal(struct {
		XMLName xml.Name `xml:"R"`
		iamshape.GetAccountSummaryResponse
	}{GetAccountSummaryResponse: sum})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<R><SummaryMap><entry><key>Groups</key><value>1</value></entry><entry><key>Users</key><value>2</value></entry></SummaryMap></R>`; string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back struct {
		SummaryMap shape.Map[int32] `xml:"SummaryMap"`
	}
	if err := xml.Unmarshal(b, &back); err != nil || back.SummaryMap["Users"] != 2 {
		t.Fatalf("read back %v %v", back, err)
	}
}

// JSON: timestamps as epoch seconds (botocore's JSON serializer), read
// back from seconds or ISO 8601; blobs base64.
func TestJSONTimeAndBlob(t *testing.T) {
	at := shape.At(time.Unix(1764583200, 0))
	b, _ := json.Marshal(at)
	if string(b) != "1764583200" {
		t.Fatalf("time %s", b)
	}
	b, _ = json.Marshal(shape.At(time.UnixMilli(1764583200250)))
	if string(b) != "1764583200.250" {
		t.Fatalf("time %s", b)
	}
	var back shape.Time
	for _, in := range []string{"1764583200.25", `"2025-12-01T10:00:00.25Z"`} {
		if err := json.Unmarshal([]byte(in), &back); err != nil || back.UnixMilli() != 1764583200250 {
			t.Fatalf("%s: %v %v", in, back, err)
		}
	}
	if err := json.Unmarshal([]byte("1e400"), &back); err == nil {
		t.Fatal("an infinite time read")
	}
	bl, _ := json.Marshal(shape.Blob("hi"))
	if string(bl) != `"aGk="` {
		t.Fatalf("blob %s", bl)
	}
	if shape.At(time.Time{}) != nil {
		t.Fatal("the zero time is not left out")
	}
}

// The committed shapes are what the generator writes from api/model.
func TestGeneratedShapesAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-out", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	for _, pkg := range []string{"iamshape", "stsshape", "orgshape", "aashape"} {
		for _, file := range []string{"shapes_gen.go", "doc.go"} {
			want, err := os.ReadFile(filepath.Join(tmp, pkg, file))
			if err != nil {
				t.Fatal(err)
			}
			have, err := os.ReadFile(filepath.Join(pkg, file))
			if err != nil {
				t.Fatal(err)
			}
			if string(have) != string(want) {
				t.Errorf("%s/%s is not what api/shape/gen writes: run go generate ./api/shape", pkg, file)
			}
		}
	}
}

// FuzzDecodeQuery: no form, however malformed, makes DecodeQuery panic;
// it fills the input or answers an error.
func FuzzDecodeQuery(f *testing.F) {
	for _, seed := range []string{
		"UserName=bo&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"MaxItems=7&OnlyAttached=true",
		"TagKeys=&TagKeys.member.1=a",
		"ContextEntries.member.1.ContextKeyValues.member.1=x&ContextEntries.member.1.ContextKeyType=string",
		"M.entry.1.key=k&M.entry.1.value=1",
		"MaxItems=99999999999999999999&Tags.member.0.Key=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, form string) {
		vals, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		_ = shape.DecodeQuery(vals, &iamshape.CreateUserRequest{})
		_ = shape.DecodeQuery(vals, &iamshape.ListPoliciesRequest{})
		_ = shape.DecodeQuery(vals, &iamshape.SimulatePrincipalPolicyRequest{})
		_ = shape.DecodeQuery(vals, &iamshape.UploadServerCertificateRequest{})
	})
}

// A list member of the Query protocol's XML: a nil optional list is left
// out, an empty one written as its element (as IAM writes an entity's
// empty policy lists in GetAccountAuthorizationDetails, botocore
// iam/2010-05-08 UserDetail: UserPolicyList, optional), a required one
// written even when nil once shape.WithRequired has seen the result
// (InstanceProfile.Roles is required).
func TestQueryXMLLists(t *testing.T) {
	type R struct {
		XMLName xml.Name `xml:"R"`
		iamshape.UserDetail
	}
	write := func(v any) string {
		t.Helper()
		b, err := xml.Marshal(shape.WithRequired(v))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got, want := write(R{UserDetail: iamshape.UserDetail{UserName: "bo"}}), `<R><UserName>bo</UserName></R>`; got != want {
		t.Errorf("nil optional lists: got %s, want %s", got, want)
	}
	if got, want := write(R{UserDetail: iamshape.UserDetail{UserName: "bo", GroupList: shape.List[string]{}}}), `<R><UserName>bo</UserName><GroupList></GroupList></R>`; got != want {
		t.Errorf("an empty optional list: got %s, want %s", got, want)
	}
	type P struct {
		XMLName xml.Name `xml:"P"`
		iamshape.InstanceProfile
	}
	ip := &P{InstanceProfile: iamshape.InstanceProfile{InstanceProfileName: "ip"}}
	if got, want := write(ip), `<P><Path></Path><InstanceProfileName>ip</InstanceProfileName><InstanceProfileId></InstanceProfileId><Arn></Arn><Roles></Roles></P>`; got != want {
		t.Errorf("a nil required list: got %s, want %s", got, want)
	}
	if ip.Roles == nil {
		t.Error("WithRequired left a pointer's required list nil")
	}
	// Nested: a required list inside a list's members, through a value.
	type L struct {
		XMLName xml.Name `xml:"L"`
		iamshape.ListInstanceProfilesResponse
	}
	got := write(L{ListInstanceProfilesResponse: iamshape.ListInstanceProfilesResponse{InstanceProfiles: shape.List[iamshape.InstanceProfile]{{InstanceProfileName: "a"}}}})
	if want := `<L><InstanceProfiles><member><Path></Path><InstanceProfileName>a</InstanceProfileName><InstanceProfileId></InstanceProfileId><Arn></Arn><Roles></Roles></member></InstanceProfiles></L>`; got != want {
		t.Errorf("nested: got %s, want %s", got, want)
	}
	if shape.WithRequired(nil) != nil {
		t.Error("WithRequired(nil)")
	}
}
