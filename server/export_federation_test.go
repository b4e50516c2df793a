package server

import "github.com/iamgate/iamgate/federation"

// SetFederationDial points identity providers' hosts at test servers.
func (s *Server) SetFederationDial(d federation.DialFunc) { s.setFederationDial(d) }
