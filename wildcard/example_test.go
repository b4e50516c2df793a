package wildcard_test

import (
	"fmt"

	"github.com/iamgate/iamgate/wildcard"
)

func ExampleMatchFold() {
	fmt.Println(wildcard.MatchFold("s3:Get*", "S3:GETOBJECT"))
	fmt.Println(wildcard.Match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"))
	// Output:
	// true
	// true
}
