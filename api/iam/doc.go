// Package iam implements the AWS IAM 2010-05-08 operations iamgate serves
// over api.Call: users, access keys, roles, inline and managed policies,
// attachments, permissions boundaries and tags, with IAM's validation rules
// and limits and pagination (Marker, MaxItems, IsTruncated). Shapes follow the
// botocore model iam/2010-05-08. Every operation is authorized through the
// engine first, with the context keys AWS sets for it.
package iam
