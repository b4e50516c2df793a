package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/iamgate/iamgate/api"
)

// serveOutboundDiscovery answers the OpenID Connect discovery documents
// of an account's outbound web identity federation issuer
// (ISSUER/.well-known/openid-configuration and ISSUER/.well-known/jwks.json,
// the issuer being PublicURL/outbound/ACCOUNT; the IAM API Reference,
// EnableOutboundWebIdentityFederation, IssuerIdentifier). Like AWS's, they
// are public: no authentication, GET and HEAD only. An account that does
// not have the feature enabled, that is closed or that the world does not
// hold is 404,
// as any other path under /outbound/ is: nothing tells them apart.
func (s *Server) serveOutboundDiscovery(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, api.OutboundPath)
	account, doc, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	notFound := func() { http.NotFound(w, r) }
	if doc != ".well-known/openid-configuration" && doc != ".well-known/jwks.json" {
		notFound()
		return
	}
	acct := s.state.World().Accounts.Get(account)
	// A closed account (Organizations CloseAccount) vouches for nothing:
	// its principals can call nothing, and its issuer is gone.
	if acct == nil || s.state.File().AccountClosed(acct.ID) || acct.OutboundFederation == nil || !acct.OutboundFederation.Enabled || acct.OutboundFederation.Issuer == "" {
		notFound()
		return
	}
	issuer := acct.OutboundFederation.Issuer
	var body []byte
	if doc == ".well-known/jwks.json" {
		var err error
		if body, err = s.state.outbound.JWKS(r.Context(), acct.ID); err != nil {
			s.log.Error("outbound federation keys", "account", acct.ID, "error", err)
			http.Error(w, "500 internal server error", http.StatusInternalServerError)
			return
		}
	} else {
		// OpenID Connect Discovery 1.0, section 3: what a verifier needs;
		// the tokens are signed JWTs from GetWebIdentityToken, not the
		// ID tokens of an authorization server, which has no endpoints.
		body, _ = json.Marshal(map[string]any{
			"issuer":                                issuer,
			"jwks_uri":                              issuer + "/.well-known/jwks.json",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": api.OutboundAlgorithms,
			"claims_supported":                      []string{"iss", "sub", "aud", "iat", "exp", "jti", api.OutboundClaimNamespace},
		})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// endpoint is the URL a request reached the server at: PublicURL, or else
// the request's Host, https when it came over TLS.
func (s *Server) endpoint(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	if r.Host == "" {
		return "" // an HTTP/1.0 request without Host: no URL is known
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
