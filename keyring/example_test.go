package keyring_test

import (
	"context"
	"fmt"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/keyring"
)

// A session token needs no storage: it is the session, sealed under the
// master key, and opens to it again (after a restart too).
func ExampleKeys_OpenSession() {
	keys := keyring.NewKeys(nil, keyring.MasterKey{7})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	creds, err := keys.CreateSession(context.Background(), api.Session{Account: "123456789012", RoleName: "deploy", SessionName: "ci",
		Issued: now, AuthTime: now, Expiration: now.Add(time.Hour)})
	if err != nil {
		fmt.Println(err)
		return
	}
	restarted := keyring.NewKeys(nil, keyring.MasterKey{7})
	t, err := restarted.OpenSession(creds.SessionToken)
	fmt.Println(t.Account, t.Role, t.Name, t.KeyID == creds.AccessKeyID, time.Unix(t.Expires, 0).UTC(), err)
	// Output: 123456789012 deploy ci true 2026-01-02 04:04:05 +0000 UTC <nil>
}
