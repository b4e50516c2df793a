package iam

import "github.com/iamgate/iamgate/api/shape"

// written is a list member that is written even when it has nothing in
// it (<Policies></Policies>), as the untyped handlers wrote their lists:
// an optional List is left out only when nil (see shape.List).
func written[T any](items []T) shape.List[T] {
	if items == nil {
		return shape.List[T]{}
	}
	return items
}
