package condition

// evalNull implements Null: "true" matches when the key is absent from the
// request (or has no values), "false" when it is present. Null ignores set
// qualifiers and IfExists.
func (c *Condition) evalNull(absent bool) bool {
	for i := range c.vals {
		if c.vals[i].ok && c.vals[i].b == absent {
			return true
		}
	}
	return false
}
