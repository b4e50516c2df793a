package arn_test

import (
	"fmt"

	"github.com/iamgate/iamgate/arn"
)

func ExampleMatch() {
	fmt.Println(arn.Match("arn:aws:rds:*:*:*:*maskopy*", "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-1"))
	fmt.Println(arn.Match("arn:aws:iam::*", "arn:aws:iam::111111111111:role/x"))
	// Output:
	// true
	// false
}
