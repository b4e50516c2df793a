package world

// AccountClosed reports an account closed by the Organizations
// CloseAccount operation: it stays in the organization, SUSPENDED, and no
// principal of it may call anything (fw nil or without an organization:
// none is closed).
func (fw *FileWorld) AccountClosed(id string) bool {
	if fw == nil || fw.Organization == nil {
		return false
	}
	_, closed := fw.Organization.Closed[id]
	return closed
}
