package catalog_test

import (
	"fmt"

	"github.com/iamgate/iamgate/catalog"
)

func ExampleCatalog_Expand() {
	for _, a := range catalog.Default().Expand("kms:ReEncrypt*") {
		fmt.Println(a.FullName(), a.AccessLevel)
	}
	// Output:
	// kms:ReEncryptFrom Write
	// kms:ReEncryptTo Write
}
