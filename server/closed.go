package server

import (
	"errors"

	"github.com/iamgate/iamgate/world"
)

// errAccountClosed refuses the credentials of a principal whose account
// the Organizations CloseAccount operation closed: "After you close an
// AWS account, you can no longer use it to access AWS services or
// resources" (the Organizations User Guide, "Closing an AWS account").
// Every request is refused at authentication, before any operation runs,
// with InvalidClientTokenId (iamgate's choice: no public source quotes
// what AWS answers a closed account's keys).
var errAccountClosed = errors.New("the credentials' account is closed")

// refuseClosed is errAccountClosed for a caller of a closed account.
func (s *Server) refuseClosed(c *world.Caller) error {
	if c != nil && c.Account != nil && s.state.File().AccountClosed(c.Account.ID) {
		return errAccountClosed
	}
	return nil
}
