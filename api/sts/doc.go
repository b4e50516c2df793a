// Package sts implements the AWS STS 2011-06-15 operations iamgate serves
// over api.Call; shapes follow the botocore model sts/2011-06-15. Each
// operation is a typed handler (registerTyped, typed.go): it takes the
// generated input of api/shape/stsshape, decoded after Validate checked the
// request against the model, and returns the generated output or an error.
package sts
