package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// Server certificates (UploadServerCertificate and the rest): an
// account's X.509 certificates with their private keys, which iamgate
// keeps sealed (api.Credentials) and no operation returns. Every operation
// is authorized on the certificate's ARN
// (arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME) before anything is
// looked up; ListServerCertificates on "*" (it has no resource type).

func init() {
	registerTyped("UploadServerCertificate", UploadServerCertificate)
	registerTyped("GetServerCertificate", GetServerCertificate)
	registerTyped("ListServerCertificates", ListServerCertificates)
	registerTyped("UpdateServerCertificate", UpdateServerCertificate)
	registerTyped("DeleteServerCertificate", DeleteServerCertificate)
	registerTyped("TagServerCertificate", TagServerCertificate)
	registerTyped("UntagServerCertificate", UntagServerCertificate)
	registerTyped("ListServerCertificateTags", ListServerCertificateTags)
}

// maxServerCertificates is IAM's quota of server certificates per account
// ("IAM and AWS STS quotas": server certificates stored in an AWS account,
// 20).
const maxServerCertificates = 20

func serverCertificateShape(sc api.ServerCertificate) iamshape.ServerCertificateMetadata {
	return iamshape.ServerCertificateMetadata{Path: cleanPath(sc.Path), ServerCertificateName: sc.Name, ServerCertificateId: sc.ID,
		Arn: iamARN(sc.Account, "server-certificate", sc.Path, sc.Name), UploadDate: createdAt(sc.Uploaded), Expiration: createdAt(sc.Expiration)}
}

func noSuchServerCertificate(name string) *query.Error {
	// Real AWS output, quoted in convox/rack#783.
	return iamerr.NoSuchEntity("The Server Certificate with name %s cannot be found.", name)
}

func serverCertificateExists(name string) *query.Error {
	// Real AWS output, quoted in dlapiduz/certbot-s3front#17.
	return iamerr.EntityAlreadyExists("The Server Certificate with name %s already exists.", name)
}

// invalidChain is AWS's answer to a chain that does not parse or does not
// link up (real AWS output, quoted in go-acme/lego#304 and
// mprahl/ansible-role-lets-encrypt-route-53#52). index is the certificate
// whose signature the next one does not verify: -1 the body, 0 the chain's
// first (iamgate's reading of AWS's index).
func invalidChain(index int) *query.Error {
	return iamerr.MalformedCertificate("Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: %d", index)
}

// parsePrivateKey reads a PEM RSA or EC private key (PKCS #1, SEC 1 or
// unencrypted PKCS #8). The answer to anything else is iamgate's wording.
func parsePrivateKey(body string) (crypto.Signer, *query.Error) {
	bad := iamerr.MalformedCertificate("Unable to parse private key. Please ensure the private key is an unencrypted RSA or EC key in PEM format.")
	blk, rest := pem.Decode([]byte(strings.TrimSpace(body)))
	if blk == nil || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, bad
	}
	var key any
	var err error
	switch blk.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	default:
		return nil, bad
	}
	if err != nil {
		return nil, bad
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	}
	return nil, bad
}

// parseChain reads the chain: PEM certificates, each signed by the next,
// the first having signed the body.
func parseChain(body *x509.Certificate, chain string) ([]*x509.Certificate, *query.Error) {
	var out []*x509.Certificate
	rest := []byte(strings.TrimSpace(chain))
	for len(strings.TrimSpace(string(rest))) > 0 {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, invalidChain(len(out))
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, invalidChain(len(out))
		}
		out = append(out, cert)
	}
	prev := body
	for i, cert := range out {
		if prev.CheckSignatureFrom(cert) != nil {
			return nil, invalidChain(i - 1)
		}
		prev = cert
	}
	return out, nil
}

// serverCertificates reads the account's certificates.
func serverCertificates(c *api.Call) ([]api.ServerCertificate, *query.Error) {
	return readCredentials(c, c.State.Credentials().ServerCertificates, "server certificates")
}

// readCredentials reads the account's credentials of a kind with read.
func readCredentials[T any](c *api.Call, read func(ctx context.Context, account string) ([]T, error), what string) ([]T, *query.Error) {
	all, err := read(c.Ctx, c.Account())
	if err != nil {
		return nil, awserr.Lower(err, "could not read %s: %v", what, err)
	}
	return all, nil
}

func findServerCertificate(all []api.ServerCertificate, name string) int {
	for i := range all {
		if all[i].Name == name {
			return i
		}
	}
	return -1
}

// serverCertificate authorizes action on the certificate the request
// names (on its ARN with its path when it exists, with "/" when not, so
// that a caller without the permission cannot tell which) and reads it.
func serverCertificate(c *api.Call, action, name string, extra map[string][]string) (api.ServerCertificate, *query.Error) {
	all, e := serverCertificates(c)
	if e != nil {
		return api.ServerCertificate{}, e
	}
	i := findServerCertificate(all, name)
	path := "/"
	if i >= 0 {
		path = all[i].Path
	}
	if e := c.Authorize(action, iamARN(c.Account(), "server-certificate", path, name), extra); e != nil {
		return api.ServerCertificate{}, e
	}
	if i < 0 {
		return api.ServerCertificate{}, noSuchServerCertificate(name)
	}
	return all[i], nil
}

// editServerCertificates changes the account's certificates with fn, whose
// *query.Error comes back as it is.
func editServerCertificates(c *api.Call, fn func([]api.ServerCertificate) ([]api.ServerCertificate, *query.Error)) *query.Error {
	return editCredentials(c, c.State.Credentials().EditServerCertificates, fn, "server certificates")
}

// editCredentials changes the account's credentials of a kind with edit
// and fn, whose *query.Error comes back as it is.
func editCredentials[T any](c *api.Call, edit func(ctx context.Context, account string, fn func([]T) ([]T, error)) error, fn func([]T) ([]T, *query.Error), what string) *query.Error {
	err := edit(c.Ctx, c.Account(), func(all []T) ([]T, error) {
		out, e := fn(all)
		if e != nil {
			return nil, e
		}
		return out, nil
	})
	var qe *query.Error
	if errors.As(err, &qe) {
		return qe
	}
	if err != nil {
		return awserr.Lower(err, "could not store %s: %v", what, err)
	}
	return nil
}

// changeServerCertificate authorizes action on the named certificate and
// changes it with fn (false: delete it).
func changeServerCertificate(c *api.Call, action, name string, extra map[string][]string, fn func(sc *api.ServerCertificate) (bool, *query.Error)) *query.Error {
	sc, e := serverCertificate(c, action, name, extra)
	if e != nil {
		return e
	}
	return editServerCertificates(c, func(all []api.ServerCertificate) ([]api.ServerCertificate, *query.Error) {
		for i := range all {
			if all[i].ID != sc.ID {
				continue
			}
			keep, e := fn(&all[i])
			if e != nil {
				return nil, e
			}
			if !keep {
				all = append(all[:i], all[i+1:]...)
			}
			return all, nil
		}
		return nil, noSuchServerCertificate(sc.Name)
	})
}

// UploadServerCertificate stores a certificate with its private key and
// optional chain, checked as AWS checks them: the body one valid PEM
// X.509 certificate, the key an RSA or EC key that matches it, the chain
// PEM certificates that link up to it.
func UploadServerCertificate(c *api.Call, in *iamshape.UploadServerCertificateRequest) (*iamshape.UploadServerCertificateResponse, *query.Error) {
	name := in.ServerCertificateName
	path := cleanPath(in.Path)
	tags := tagPairs(in.Tags)
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:UploadServerCertificate", iamARN(c.Account(), "server-certificate", path, name), tctx); e != nil {
		return nil, e
	}
	cert, e := parseCertificate(c, in.CertificateBody)
	if e != nil {
		return nil, e
	}
	key, e := parsePrivateKey(in.PrivateKey)
	if e != nil {
		return nil, e
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		// iamgate's wording: AWS's message is not quoted in public
		// sources; the model says "the public key certificate and the
		// private key do not match".
		return nil, iamerr.KeyPairMismatch("The public key certificate and the private key do not match.")
	}
	chain, e := parseChain(cert, in.CertificateChain)
	if e != nil {
		return nil, e
	}
	var chainPEM strings.Builder
	for _, cc := range chain {
		chainPEM.WriteString(certificatePEM(cc))
	}
	sc := api.ServerCertificate{Account: c.Account(), ID: newID("ASCA"), Name: name, Path: path, Body: certificatePEM(cert), Chain: chainPEM.String(),
		PrivateKey: in.PrivateKey, Uploaded: c.Now.UTC(), Expiration: cert.NotAfter.UTC(), Tags: tagMap(tags)}
	e = editServerCertificates(c, func(all []api.ServerCertificate) ([]api.ServerCertificate, *query.Error) {
		for _, have := range all {
			if strings.EqualFold(have.Name, name) {
				return nil, serverCertificateExists(name)
			}
		}
		if len(all) >= maxServerCertificates {
			return nil, iamerr.LimitExceeded("Cannot exceed quota for ServerCertificatesPerAccount: %d", maxServerCertificates)
		}
		return append(all, sc), nil
	})
	if e != nil {
		return nil, e
	}
	md := serverCertificateShape(sc)
	return &iamshape.UploadServerCertificateResponse{ServerCertificateMetadata: &md, Tags: tagShapes(sc.Tags)}, nil
}

// GetServerCertificate returns a certificate with its chain and tags (not
// its private key).
func GetServerCertificate(c *api.Call, in *iamshape.GetServerCertificateRequest) (*iamshape.GetServerCertificateResponse, *query.Error) {
	sc, e := serverCertificate(c, "iam:GetServerCertificate", in.ServerCertificateName, nil)
	if e != nil {
		return nil, e
	}
	md := serverCertificateShape(sc)
	return &iamshape.GetServerCertificateResponse{ServerCertificate: &iamshape.ServerCertificate{ServerCertificateMetadata: &md,
		CertificateBody: sc.Body, CertificateChain: sc.Chain, Tags: tagShapes(sc.Tags)}}, nil
}

// ListServerCertificates lists the account's certificates under a path
// prefix, by name.
func ListServerCertificates(c *api.Call, in *iamshape.ListServerCertificatesRequest) (*iamshape.ListServerCertificatesResponse, *query.Error) {
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListServerCertificates", "*", nil); e != nil {
		return nil, e
	}
	all, e := serverCertificates(c)
	if e != nil {
		return nil, e
	}
	var out []iamshape.ServerCertificateMetadata
	for _, sc := range all {
		if strings.HasPrefix(cleanPath(sc.Path), prefix) {
			out = append(out, serverCertificateShape(sc))
		}
	}
	out, pg := pageAt(out, func(m iamshape.ServerCertificateMetadata) string { return m.ServerCertificateName }, in.Marker, in.MaxItems)
	res := &iamshape.ListServerCertificatesResponse{ServerCertificateMetadataList: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// UpdateServerCertificate renames a certificate or moves it to a new
// path. The caller needs iam:UpdateServerCertificate on both the old and
// the new ARN (UpdateServerCertificate's documentation: "permission to
// change the server certificate with the old name and the new name").
func UpdateServerCertificate(c *api.Call, in *iamshape.UpdateServerCertificateRequest) (*noOutput, *query.Error) {
	sc, e := serverCertificate(c, "iam:UpdateServerCertificate", in.ServerCertificateName, nil)
	if e != nil {
		return nil, e
	}
	newName, newPath := sc.Name, sc.Path
	if n := in.NewServerCertificateName; n != "" {
		newName = n
	}
	if p := in.NewPath; p != "" {
		newPath = p
	}
	if e := c.Authorize("iam:UpdateServerCertificate", iamARN(c.Account(), "server-certificate", newPath, newName), nil); e != nil {
		return nil, e
	}
	return nil, editServerCertificates(c, func(all []api.ServerCertificate) ([]api.ServerCertificate, *query.Error) {
		at := -1
		for i := range all {
			switch {
			case all[i].ID == sc.ID:
				at = i
			case strings.EqualFold(all[i].Name, newName):
				return nil, serverCertificateExists(newName)
			}
		}
		if at < 0 {
			return nil, noSuchServerCertificate(sc.Name)
		}
		all[at].Name, all[at].Path = newName, newPath
		return all, nil
	})
}

// DeleteServerCertificate deletes a certificate and its private key.
func DeleteServerCertificate(c *api.Call, in *iamshape.DeleteServerCertificateRequest) (*noOutput, *query.Error) {
	return nil, changeServerCertificate(c, "iam:DeleteServerCertificate", in.ServerCertificateName, nil, func(*api.ServerCertificate) (bool, *query.Error) { return false, nil })
}

// TagServerCertificate adds or replaces tags of a certificate.
func TagServerCertificate(c *api.Call, in *iamshape.TagServerCertificateRequest) (*noOutput, *query.Error) {
	tags, tctx, e := tagsIn(tagPairs(in.Tags))
	if e != nil {
		return nil, e
	}
	return nil, changeServerCertificate(c, "iam:TagServerCertificate", in.ServerCertificateName, tctx, func(sc *api.ServerCertificate) (bool, *query.Error) {
		m, e := withTags(sc.Tags, tags)
		sc.Tags = m
		return true, e
	})
}

// UntagServerCertificate removes tags of a certificate.
func UntagServerCertificate(c *api.Call, in *iamshape.UntagServerCertificateRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	return nil, changeServerCertificate(c, "iam:UntagServerCertificate", in.ServerCertificateName, map[string][]string{"aws:TagKeys": keys}, func(sc *api.ServerCertificate) (bool, *query.Error) {
		sc.Tags = withoutTags(sc.Tags, keys)
		return true, nil
	})
}

// ListServerCertificateTags lists a certificate's tags.
func ListServerCertificateTags(c *api.Call, in *iamshape.ListServerCertificateTagsRequest) (*iamshape.ListServerCertificateTagsResponse, *query.Error) {
	sc, e := serverCertificate(c, "iam:ListServerCertificateTags", in.ServerCertificateName, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListServerCertificateTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(sc.Tags, in.Marker, in.MaxItems)
	return res, nil
}
