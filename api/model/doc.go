// Package model holds the AWS service models iamgate's wire layer follows:
// IAM (2010-05-08), STS (2011-06-15), Organizations (2016-11-28) and IAM
// Access Analyzer (2019-11-01), as botocore ships them, generated into Go by
// the committed generator in api/model/gen (go generate ./api/...). The
// botocore version they come from is BotocoreVersion; botocore's Apache-2.0
// license and NOTICE are kept beside the generated files.
//
// For every operation the model gives its HTTP method and path, its input,
// output and error shapes; for every shape its members and constraints
// (required, length, pattern, range, enum), the members of lists and maps,
// and the locations of REST-JSON members; for every error shape its code,
// HTTP status and fault. Validate checks a request against an operation's
// input shape and words what fails as AWS's request validation does.
//
// Only facts of the models carry over (no documentation text). The package
// knows nothing of HTTP, handlers or the world: it is data and the
// validation of data against it.
package model

//go:generate go run ./gen
