package awsjson_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/iamgate/iamgate/api/awsjson"
)

// The operation is the X-Amz-Target after the service's prefix; an
// unknown one is answered UnknownOperationException.
func Example() {
	name, ok := awsjson.Operation("AWSOrganizationsV20161128.ListRoots", "AWSOrganizationsV20161128.")
	fmt.Println(name, ok)
	w := httptest.NewRecorder()
	awsjson.WriteError(w, "request-id", awsjson.UnknownOperation("AWSOrganizationsV20161128.Nope"))
	fmt.Println(w.Code, w.Body)
	// Output:
	// ListRoots true
	// 400 {"Message":"Unknown operation AWSOrganizationsV20161128.Nope","__type":"UnknownOperationException"}
}
