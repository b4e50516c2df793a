package console_test

import (
	"context"
	"log"
	"net/http"

	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

// The console mounted on a server, as `iamgate serve` does: the same state
// and store, so that its pages see what the APIs serve and its sessions are
// shared by every server on the store.
func Example() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, "iamgate.db")
	if err != nil {
		log.Fatal(err)
	}
	master, _, err := keyring.LoadMasterKey(ctx, st, "", "iamgate.db.key", true)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{Store: st, Master: master})
	if err != nil {
		log.Fatal(err)
	}
	con, err := console.New(console.Config{State: srv.State(), Store: st})
	if err != nil {
		log.Fatal(err)
	}
	srv.MountConsole(con)
	log.Fatal(http.ListenAndServe("127.0.0.1:4599", srv))
}
