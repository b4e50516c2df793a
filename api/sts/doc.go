// Package sts implements the AWS STS 2011-06-15 operations iamgate serves
// (GetCallerIdentity, AssumeRole) over api.Call; shapes follow the botocore
// model sts/2011-06-15.
package sts
