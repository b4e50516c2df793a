package server

import (
	"crypto/x509"

	"github.com/iamgate/iamgate/federation"
)

// SetFederationDial points identity providers' hosts at test servers.
func (s *Server) SetFederationDial(d federation.DialFunc) { s.setFederationDial(d) }

// SetFederationRoots replaces the system roots providers' TLS is verified
// with: a loopback issuer's CA stands for the public CA of a built-in
// provider's certificate.
func (s *Server) SetFederationRoots(r *x509.CertPool) { s.state.fed.verifier.Roots = r }
