package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// tokenVersionOf is the account's GlobalEndpointTokenVersion as
// GetAccountSummary reports it.
func tokenVersionOf(t *testing.T, c *iam.Client) int32 {
	t.Helper()
	out := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{}))
	v, ok := out.SummaryMap["GlobalEndpointTokenVersion"]
	if !ok {
		t.Fatal("no GlobalEndpointTokenVersion in the summary")
	}
	return v
}

func setTokenVersion(c *iam.Client, v iamtypes.GlobalEndpointTokenVersion) error {
	_, err := c.SetSecurityTokenServicePreferences(context.Background(), &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: v})
	return err
}

// SetSecurityTokenServicePreferences sets the global endpoint's token
// version, which GetAccountSummary reports as GlobalEndpointTokenVersion
// (IAM API Reference, SetSecurityTokenServicePreferences: "To view the
// current session token version, see the GlobalEndpointTokenVersion entry
// in the response of the GetAccountSummary operation"); the default is
// version 1 (IAM User Guide, "Managing AWS STS in an AWS Region": tokens
// from the global endpoint are valid only in Regions enabled by default
// until the version is changed). The setting is the account's own: another
// account's summary keeps its default.
func TestSetSecurityTokenServicePreferences(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	c := e.iam(e.admin)
	if v := tokenVersionOf(t, c); v != 1 {
		t.Fatalf("default GlobalEndpointTokenVersion %d, want 1", v)
	}
	if err := setTokenVersion(c, iamtypes.GlobalEndpointTokenVersionV2Token); err != nil {
		t.Fatal(err)
	}
	if v := tokenVersionOf(t, c); v != 2 {
		t.Fatalf("after v2Token: %d, want 2", v)
	}
	if v := tokenVersionOf(t, e.iam(adminB)); v != 1 {
		t.Fatalf("the other account's version moved to %d", v)
	}
	if err := setTokenVersion(c, iamtypes.GlobalEndpointTokenVersionV1Token); err != nil {
		t.Fatal(err)
	}
	if v := tokenVersionOf(t, c); v != 1 {
		t.Fatalf("after v1Token: %d, want 1", v)
	}
}

// A caller without iam:SetSecurityTokenServicePreferences (an action
// without a resource type in the Service Authorization Reference: "*") is
// refused and the setting stays; a value outside the model's
// globalEndpointTokenVersion enum (botocore iam/2010-05-08) is a
// ValidationError in the model's words, and changes nothing either.
func TestSetSecurityTokenServicePreferencesRefused(t *testing.T) {
	e := newEnv(t)
	c := e.iam(e.admin)
	if err := setTokenVersion(c, iamtypes.GlobalEndpointTokenVersionV2Token); err != nil {
		t.Fatal(err)
	}
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
	err := setTokenVersion(e.iam(e.newUser("reader", readOnly)), iamtypes.GlobalEndpointTokenVersionV1Token)
	msg := wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "is not authorized to perform: iam:SetSecurityTokenServicePreferences on resource: *")
	denyIt := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:SetSecurityTokenServicePreferences","Resource":"*"}]}`
	wantError(t, setTokenVersion(e.iam(e.newUser("denied", denyIt)), iamtypes.GlobalEndpointTokenVersionV1Token), "AccessDenied", 403)
	if v := tokenVersionOf(t, c); v != 2 {
		t.Fatalf("a refused call changed the version to %d", v)
	}

	msg = wantError(t, setTokenVersion(c, "v3Token"), "ValidationError", 400)
	want := "1 validation error detected: Value 'v3Token' at 'globalEndpointTokenVersion' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]"
	if msg != want {
		t.Fatalf("got  %s\nwant %s", msg, want)
	}
	if v := tokenVersionOf(t, c); v != 2 {
		t.Fatalf("a rejected call changed the version to %d", v)
	}
}

// The setting is kept in the store with the account's own fields (as its
// aliases are) and outlives a restart.
func tokenVersionSurvives(t *testing.T, open func() store.Store) {
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	if err := setTokenVersion(e.iam(admin), iamtypes.GlobalEndpointTokenVersionV2Token); err != nil {
		t.Fatal(err)
	}
	e.ts.Close()
	st.Close()

	st = open()
	defer st.Close()
	e = startEnv(t, st)
	if v := tokenVersionOf(t, e.iam(admin)); v != 2 {
		t.Fatalf("after a restart: GlobalEndpointTokenVersion %d, want 2", v)
	}
}

func TestTokenVersionSurvivesRestartSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamgate.db")
	tokenVersionSurvives(t, func() store.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestTokenVersionSurvivesRestartPostgres(t *testing.T) {
	dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
	tokenVersionSurvives(t, func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
