package iam

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("UploadSigningCertificate", UploadSigningCertificate)
	registerTyped("ListSigningCertificates", ListSigningCertificates)
	registerTyped("UpdateSigningCertificate", UpdateSigningCertificate)
	registerTyped("DeleteSigningCertificate", DeleteSigningCertificate)
}

// maxSigningCertificates is IAM's quota of signing certificates per user
// ("IAM and AWS STS quotas": signing certificates per IAM user, 2).
const maxSigningCertificates = 2

// signingCertificateShape is a user's certificate as the model's
// SigningCertificate (UploadDate, optional there, always written).
func signingCertificateShape(user string, k world.SigningCertificate) iamshape.SigningCertificate {
	return iamshape.SigningCertificate{UserName: user, CertificateId: k.ID, CertificateBody: k.Body, Status: k.Status, UploadDate: createdAt(k.Uploaded)}
}

// parseCertificate reads one PEM X.509 certificate, as signing and server
// certificates take it. A body that is not one (MalformedCertificate) and
// an expired or not yet valid one (MalformedCertificate: the model's
// "malformed or expired") are refused.
func parseCertificate(c *api.Call, body string) (*x509.Certificate, *query.Error) {
	blk, rest := pem.Decode([]byte(strings.TrimSpace(body)))
	if blk == nil || blk.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
		return nil, iamerr.MalformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, iamerr.MalformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if c.Now.After(cert.NotAfter) {
		return nil, iamerr.MalformedCertificate("The certificate has expired.")
	}
	if c.Now.Before(cert.NotBefore) {
		return nil, iamerr.MalformedCertificate("The certificate is not yet valid.")
	}
	return cert, nil
}

// certificatePEM is a certificate as iamgate stores and returns it.
func certificatePEM(cert *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}

func certDER(body string) []byte {
	blk, _ := pem.Decode([]byte(body))
	if blk == nil {
		return nil
	}
	return blk.Bytes
}

func noSuchCertificate(id string) *query.Error {
	return iamerr.NoSuchEntity("The Certificate with id %s cannot be found.", id)
}

// newCertificateID makes a signing certificate's ID: 32 characters of
// IAM's ID alphabet (the model's certificateIdType allows 24 to 128 word
// characters; AWS documents no form).
func newCertificateID() string { return newID("")[:17] + newID("")[:15] }

// UploadSigningCertificate adds a certificate to a user (the caller
// without UserName): two at most, and a certificate once in the account.
func UploadSigningCertificate(c *api.Call, in *iamshape.UploadSigningCertificateRequest) (*iamshape.UploadSigningCertificateResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	if _, e := authorizeUser(c, "iam:UploadSigningCertificate", name); e != nil {
		return nil, e
	}
	parsed, e := parseCertificate(c, in.CertificateBody)
	if e != nil {
		return nil, e
	}
	der := parsed.Raw
	cert := world.SigningCertificate{ID: newCertificateID(), Body: certificatePEM(parsed), Status: "Active", Uploaded: c.Now.UTC()}
	// The whole account: a duplicate is looked for in every user's
	// certificates (DuplicateCertificate: "associated with an IAM user in
	// the account").
	e = update(c, func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		if u == nil {
			return noSuch("user", name)
		}
		for i := range a.Users {
			for _, have := range a.Users[i].SigningCertificates {
				if bytes.Equal(certDER(have.Body), der) {
					return iamerr.DuplicateCertificate("The request was rejected because the same certificate is associated with an IAM user in the account.")
				}
			}
		}
		if len(u.SigningCertificates) >= maxSigningCertificates {
			// The quota's name in IAM's words is CertificatesPerUser (real
			// output asserted by moto's AWS-verified test
			// test_create_too_many_certificates), not the
			// SigningCertificatesPerUserQuota of GetAccountSummary.
			return iamerr.LimitExceeded("Cannot exceed quota for CertificatesPerUser: %d", maxSigningCertificates)
		}
		u.SigningCertificates = append(u.SigningCertificates, cert)
		return nil
	})
	if e != nil {
		return nil, e
	}
	out := signingCertificateShape(name, cert)
	return &iamshape.UploadSigningCertificateResponse{Certificate: &out}, nil
}

// ListSigningCertificates lists a user's certificates (the caller's
// without UserName).
func ListSigningCertificates(c *api.Call, in *iamshape.ListSigningCertificatesRequest) (*iamshape.ListSigningCertificatesResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	u, e := authorizeUser(c, "iam:ListSigningCertificates", name)
	if e != nil {
		return nil, e
	}
	var out []iamshape.SigningCertificate
	for _, k := range u.SigningCertificates {
		out = append(out, signingCertificateShape(name, k))
	}
	out, pg := pageAt(out, func(k iamshape.SigningCertificate) string { return k.CertificateId }, in.Marker, in.MaxItems)
	res := &iamshape.ListSigningCertificatesResponse{Certificates: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// changeCertificate authorizes action on the user (userName, or the
// caller), then changes its certificate id with fn (false: delete it).
func changeCertificate(c *api.Call, action, userName, id string, fn func(k *world.SigningCertificate) bool) *query.Error {
	name, e := callerUser(c, userName)
	if e != nil {
		return e
	}
	if _, e := authorizeUser(c, action, name); e != nil {
		return e
	}
	return updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		if u := fileUser(a, name); u != nil {
			for i := range u.SigningCertificates {
				if u.SigningCertificates[i].ID == id {
					if !fn(&u.SigningCertificates[i]) {
						u.SigningCertificates = append(u.SigningCertificates[:i], u.SigningCertificates[i+1:]...)
					}
					return nil
				}
			}
		}
		return noSuchCertificate(id)
	})
}

// UpdateSigningCertificate makes a certificate Active or Inactive.
func UpdateSigningCertificate(c *api.Call, in *iamshape.UpdateSigningCertificateRequest) (*noOutput, *query.Error) {
	status := in.Status
	if e := settableStatus(status); e != nil {
		return nil, e
	}
	return nil, changeCertificate(c, "iam:UpdateSigningCertificate", in.UserName, in.CertificateId, func(k *world.SigningCertificate) bool {
		k.Status = status
		return true
	})
}

// DeleteSigningCertificate deletes a certificate.
func DeleteSigningCertificate(c *api.Call, in *iamshape.DeleteSigningCertificateRequest) (*noOutput, *query.Error) {
	return nil, changeCertificate(c, "iam:DeleteSigningCertificate", in.UserName, in.CertificateId, func(*world.SigningCertificate) bool { return false })
}
