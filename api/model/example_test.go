package model_test

import (
	"fmt"
	"net/url"

	"github.com/iamgate/iamgate/api/model"
)

func ExampleService_ValidateQuery() {
	vs, _ := model.IAM.ValidateQuery("CreateUser", url.Values{"UserName": {"a/b"}})
	fmt.Println(model.Message(vs))
	op := model.IAM.Operation("CreateUser")
	fmt.Println(op.Input, op.Output, op.ResultWrapper)
	// Output:
	// 1 validation error detected: Value 'a/b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+
	// CreateUserRequest CreateUserResponse CreateUserResult
}
