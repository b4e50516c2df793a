package model_test

import (
	"fmt"
	"net/url"

	"github.com/iamgate/iamgate/api/model"
)

func ExampleService_ValidateQuery() {
	vs, _ := model.IAM.ValidateQuery("ListUsers", url.Values{"MaxItems": {"0"}, "PathPrefix": {"users/"}})
	fmt.Println(model.Message(vs))
	op := model.IAM.Operation("CreateUser")
	fmt.Println(op.Input, op.Output, op.ResultWrapper)
	// Output:
	// 2 validation errors detected: Value 'users/' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*; Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1
	// CreateUserRequest CreateUserResponse CreateUserResult
}
