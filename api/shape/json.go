package shape

// IsZero reports whether l is unset (nil). The generated JSON shapes tag
// their optional members omitzero, so a nil list is left out and an empty
// one is written as [], as AWS answers an empty list it has (ListRoots'
// "PolicyTypes": []) and as the AWS SDKs tell the two apart.
func (l List[T]) IsZero() bool { return l == nil }

// IsZero reports whether m is unset (nil): a nil map is left out of JSON,
// an empty one is written as {}.
func (m Map[V]) IsZero() bool { return m == nil }
