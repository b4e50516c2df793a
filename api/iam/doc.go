// Package iam implements the AWS IAM 2010-05-08 operations iamgate serves
// over api.Call: users, access keys, roles, inline and managed policies,
// attachments, permissions boundaries and tags, with IAM's validation rules
// and limits and pagination (Marker, MaxItems, IsTruncated). Shapes follow the
// botocore model iam/2010-05-08. Every operation is authorized through the
// engine first, with the context keys AWS sets for it, before anything is
// looked up: a caller who may not act on a name learns nothing of whether it
// exists. Operations act on the caller's account only; the managed policies
// its principals may attach or use as a boundary are AWS managed or its own
// (world.World.PolicyFor).
package iam
