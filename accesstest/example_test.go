package accesstest_test

import (
	"os"
	"time"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/world"
)

func ExampleRun() {
	f, err := accesstest.LoadFile("../examples/rds-iam-auth/tests.yaml")
	if err != nil {
		panic(err)
	}
	w, err := world.LoadFile(f.WorldPath())
	if err != nil {
		panic(err)
	}
	rs := accesstest.Run(w, f, accesstest.Options{Now: time.Date(2023, 10, 1, 12, 0, 0, 0, time.UTC)})
	accesstest.WriteText(os.Stdout, "tests.yaml", rs[:2], true)
	// Output:
	// --- PASS: A developer connects at noon from the office (tests.yaml:3)
	//     allowed
	// --- PASS: Not before 08:00 (tests.yaml:9)
	//     implicitDeny
	// ok  	tests.yaml	2 tests
}
