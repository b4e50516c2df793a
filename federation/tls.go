package federation

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// DialFunc opens a TCP connection (net.Dialer.DialContext's shape).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Thumbprint is the hex SHA-1 of a certificate's DER bytes, as IAM writes
// an OIDC provider's thumbprints (the botocore model iam/2010-05-08,
// thumbprintType: "the hex-encoded SHA-1 hash value of the X.509
// certificate ... always a 40-character string").
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// trust decides whether a provider's TLS certificate chain is trusted, as
// IAM trusts an OIDC provider's endpoints (the IAM User Guide, "Obtain the
// thumbprint for an OpenID Connect identity provider",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html):
// a chain the trusted root CAs verify is taken; otherwise the SHA-1
// thumbprint of the top certificate the server sends (the top intermediate
// CA, or a self-signed server certificate, "the last certificate" of the
// chain openssl s_client -showcerts prints) must be in the provider's
// list, and the server's certificate must chain up to that one and be
// valid for the host. IAM checks the discovery endpoint and the jwks_uri
// endpoint alike ("include the thumbprints for both endpoints", the
// botocore model, CreateOpenIDConnectProviderRequest.ThumbprintList).
type trust struct {
	roots       *x509.CertPool // nil: the system roots
	thumbprints []string       // lower case
	now         func() time.Time
}

func (t trust) verify(cs tls.ConnectionState, host string) error {
	certs := cs.PeerCertificates
	if len(certs) == 0 {
		return fmt.Errorf("%w: the server sent no certificate", ErrThumbprint)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{DNSName: host, Roots: t.roots, Intermediates: inter, CurrentTime: t.now()}
	if _, err := certs[0].Verify(opts); err == nil {
		return nil
	}
	top := certs[len(certs)-1]
	tp := Thumbprint(top)
	listed := false
	for _, want := range t.thumbprints {
		if want == tp {
			listed = true
		}
	}
	if !listed {
		return fmt.Errorf("%w: the top certificate's thumbprint is %s", ErrThumbprint, tp)
	}
	pinned := x509.NewCertPool()
	pinned.AddCert(top)
	inter = x509.NewCertPool()
	for _, c := range certs[1 : len(certs)-1] {
		inter.AddCert(c)
	}
	opts.Roots, opts.Intermediates = pinned, inter
	if _, err := certs[0].Verify(opts); err != nil {
		return fmt.Errorf("%w: the server's certificate does not chain to the thumbprinted one for %s: %v", ErrThumbprint, host, err)
	}
	return nil
}

// dialTLS connects to addr and verifies the server with t.
func dialTLS(ctx context.Context, dial DialFunc, addr string, t trust) (*tls.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// The chain is verified by VerifyConnection, with the roots or the
		// thumbprints; Go's own verification would refuse a thumbprinted
		// chain that no root signs.
		InsecureSkipVerify: true,
		VerifyConnection:   func(cs tls.ConnectionState) error { return t.verify(cs, host) },
		NextProtos:         []string{"http/1.1"},
	}
	if net.ParseIP(host) != nil {
		conf.ServerName = "" // no SNI for an address; host is still checked
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		_ = raw.Close() // the handshake's error is the one to report
		return nil, err
	}
	return c, nil
}

// TopThumbprint connects to a provider URL's host and returns the
// thumbprint of the top certificate it serves, as IAM records one for a
// provider created without a ThumbprintList (the botocore model,
// CreateOpenIDConnectProviderRequest.ThumbprintList: "If it is not
// included, IAM will retrieve and use the top intermediate certificate
// authority (CA) thumbprint of the OpenID Connect identity provider server
// certificate").
func TopThumbprint(ctx context.Context, dial DialFunc, providerURL string) (string, error) {
	host, err := hostPort(providerURL)
	if err != nil {
		return "", err
	}
	if dial == nil {
		dial = (&net.Dialer{Timeout: fetchTimeout}).DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var top string
	conf := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, VerifyConnection: func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		top = Thumbprint(cs.PeerCertificates[len(cs.PeerCertificates)-1])
		return nil
	}}
	raw, err := dial(ctx, "tcp", host)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrFetch, err)
	}
	defer raw.Close()
	if h, _, _ := net.SplitHostPort(host); net.ParseIP(h) == nil {
		conf.ServerName = h
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		return "", fmt.Errorf("%w: %v", ErrFetch, err)
	}
	_ = c.Close() // the certificate is read; the connection is not used
	return top, nil
}

// hostPort is a provider URL's host:port (443 by default).
func hostPort(providerURL string) (string, error) {
	u, err := ParseURL(providerURL)
	if err != nil {
		return "", err
	}
	if u.Port() == "" {
		return u.Hostname() + ":443", nil
	}
	return u.Host, nil
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}
