package server

// SetWholeAccounts makes UpdateEntities change the whole account, as
// UpdateAccount does (for the differential test).
func (s *State) SetWholeAccounts(on bool) { s.wholeAccounts = on }
