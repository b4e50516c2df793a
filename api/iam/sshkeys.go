package iam

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("UploadSSHPublicKey", UploadSSHPublicKey)
	registerTyped("GetSSHPublicKey", GetSSHPublicKey)
	registerTyped("ListSSHPublicKeys", ListSSHPublicKeys)
	registerTyped("UpdateSSHPublicKey", UpdateSSHPublicKey)
	registerTyped("DeleteSSHPublicKey", DeleteSSHPublicKey)
}

// maxSSHPublicKeys is IAM's quota of SSH public keys per user (IAM user
// guide, "IAM and AWS STS quotas": SSH public keys per IAM user, 5).
const maxSSHPublicKeys = 5

// minSSHKeyBits is the shortest RSA key IAM takes (UploadSSHPublicKey: "The
// minimum bit-length of the public key is 2048 bits").
const minSSHKeyBits = 2048

// parseSSHPublicKey reads a key as UploadSSHPublicKey takes it: ssh-rsa
// (OpenSSH) or PEM, RSA of at least 2048 bits. It returns the key in
// OpenSSH form without a comment.
func parseSSHPublicKey(body string) (ssh.PublicKey, *query.Error) {
	body = strings.TrimSpace(body)
	var pub ssh.PublicKey
	switch {
	case strings.HasPrefix(body, "-----BEGIN"):
		blk, _ := pem.Decode([]byte(body))
		if blk == nil {
			return nil, invalidPublicKey()
		}
		var key any
		var err error
		switch blk.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(blk.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(blk.Bytes)
		default:
			return nil, unrecognizedEncoding()
		}
		if err != nil {
			return nil, invalidPublicKey()
		}
		rk, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, unrecognizedEncoding()
		}
		if pub, err = ssh.NewPublicKey(rk); err != nil {
			return nil, invalidPublicKey()
		}
	case strings.HasPrefix(body, ssh.KeyAlgoRSA+" "):
		k, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(body))
		if err != nil || strings.TrimSpace(string(rest)) != "" {
			return nil, invalidPublicKey()
		}
		pub = k
	default:
		// ssh-ed25519, ecdsa-sha2-*, ssh-dss and anything else.
		return nil, unrecognizedEncoding()
	}
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return nil, unrecognizedEncoding()
	}
	rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
	if !ok {
		return nil, unrecognizedEncoding()
	}
	if rk.N.BitLen() < minSSHKeyBits {
		return nil, invalidPublicKey()
	}
	return pub, nil
}

// The messages are the model's descriptions of the errors (iam
// service-2.json: InvalidPublicKeyException,
// UnrecognizedPublicKeyEncodingException, DuplicateSSHPublicKeyException):
// AWS's own wording is not published.
func invalidPublicKey() *query.Error {
	return iamerr.InvalidPublicKey("The request was rejected because the public key is malformed or otherwise invalid.")
}

func unrecognizedEncoding() *query.Error {
	return iamerr.UnrecognizedPublicKeyEncoding("The request was rejected because the public key encoding format is unsupported or unrecognized.")
}

func noSuchSSHKey(id string) *query.Error {
	return iamerr.NoSuchEntity("The Public Key with id %s cannot be found.", id)
}

func sshKeyBody(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// UploadSSHPublicKey adds an SSH public key to a user (five at most; the
// same key once).
func UploadSSHPublicKey(c *api.Call, in *iamshape.UploadSSHPublicKeyRequest) (*iamshape.UploadSSHPublicKeyResponse, *query.Error) {
	name := in.UserName
	if _, e := authorizeUser(c, "iam:UploadSSHPublicKey", name); e != nil {
		return nil, e
	}
	pub, e := parseSSHPublicKey(in.SSHPublicKeyBody)
	if e != nil {
		return nil, e
	}
	k := world.SSHPublicKey{ID: newID("APKA"), Body: sshKeyBody(pub), Status: "Active", Uploaded: c.Now.UTC()}
	e = updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		if u == nil {
			return noSuch("user", name)
		}
		for _, have := range u.SSHPublicKeys {
			if have.Body == k.Body {
				return iamerr.DuplicateSSHPublicKey("The request was rejected because the SSH public key is already associated with the specified IAM user.")
			}
		}
		if len(u.SSHPublicKeys) >= maxSSHPublicKeys {
			return iamerr.LimitExceeded("Cannot exceed quota for SSHPublicKeysPerUser: %d", maxSSHPublicKeys)
		}
		u.SSHPublicKeys = append(u.SSHPublicKeys, k)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.UploadSSHPublicKeyResponse{SSHPublicKey: sshKeyShape(name, k, pub, k.Body)}, nil
}

// sshKeyShape is a key as UploadSSHPublicKey and GetSSHPublicKey answer it.
func sshKeyShape(user string, k world.SSHPublicKey, pub ssh.PublicKey, body string) *iamshape.SSHPublicKey {
	return &iamshape.SSHPublicKey{UserName: user, SSHPublicKeyId: k.ID, Fingerprint: ssh.FingerprintLegacyMD5(pub), SSHPublicKeyBody: body,
		Status: k.Status, UploadDate: shape.At(k.Uploaded)}
}

// ownSSHKey authorizes action on the user, then finds one of its keys.
func ownSSHKey(c *api.Call, action, name, id string) (string, string, *query.Error) {
	u, e := authorizeUser(c, action, name)
	if e != nil {
		return "", "", e
	}
	for _, k := range u.SSHPublicKeys {
		if k.ID == id {
			return name, id, nil
		}
	}
	return "", "", noSuchSSHKey(id)
}

// GetSSHPublicKey returns a key, in OpenSSH (SSH) or PEM encoding.
func GetSSHPublicKey(c *api.Call, in *iamshape.GetSSHPublicKeyRequest) (*iamshape.GetSSHPublicKeyResponse, *query.Error) {
	name, id := in.UserName, in.SSHPublicKeyId
	u, e := authorizeUser(c, "iam:GetSSHPublicKey", name)
	if e != nil {
		return nil, e
	}
	for _, k := range u.SSHPublicKeys {
		if k.ID != id {
			continue
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.Body))
		if err != nil {
			return nil, iamerr.ServiceFailure("the stored SSH public key %s does not parse: %v", id, err)
		}
		body := k.Body
		if in.Encoding == "PEM" {
			der, err := x509.MarshalPKIXPublicKey(pub.(ssh.CryptoPublicKey).CryptoPublicKey())
			if err != nil {
				return nil, iamerr.ServiceFailure("could not encode the SSH public key %s: %v", id, err)
			}
			body = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		}
		return &iamshape.GetSSHPublicKeyResponse{SSHPublicKey: sshKeyShape(name, k, pub, body)}, nil
	}
	return nil, noSuchSSHKey(id)
}

// ListSSHPublicKeys lists a user's keys (the caller's without UserName),
// without bodies.
func ListSSHPublicKeys(c *api.Call, in *iamshape.ListSSHPublicKeysRequest) (*iamshape.ListSSHPublicKeysResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	u, e := authorizeUser(c, "iam:ListSSHPublicKeys", name)
	if e != nil {
		return nil, e
	}
	// Not nil: IAM writes the list empty ("If none exists, the operation
	// returns an empty list.", the API Reference, ListSSHPublicKeys).
	out := []iamshape.SSHPublicKeyMetadata{}
	for _, k := range u.SSHPublicKeys {
		out = append(out, iamshape.SSHPublicKeyMetadata{UserName: name, SSHPublicKeyId: k.ID, Status: k.Status, UploadDate: shape.At(k.Uploaded)})
	}
	out, pg := pageAt(out, func(k iamshape.SSHPublicKeyMetadata) string { return k.SSHPublicKeyId }, in.Marker, in.MaxItems)
	res := &iamshape.ListSSHPublicKeysResponse{SSHPublicKeys: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// UpdateSSHPublicKey makes a key Active or Inactive.
func UpdateSSHPublicKey(c *api.Call, in *iamshape.UpdateSSHPublicKeyRequest) (*noOutput, *query.Error) {
	status := in.Status
	if e := settableStatus(status); e != nil {
		return nil, e
	}
	name, id, e := ownSSHKey(c, "iam:UpdateSSHPublicKey", in.UserName, in.SSHPublicKeyId)
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		if u := fileUser(a, name); u != nil {
			for i := range u.SSHPublicKeys {
				if u.SSHPublicKeys[i].ID == id {
					u.SSHPublicKeys[i].Status = status
					return nil
				}
			}
		}
		return noSuchSSHKey(id)
	})
}

// DeleteSSHPublicKey deletes a key.
func DeleteSSHPublicKey(c *api.Call, in *iamshape.DeleteSSHPublicKeyRequest) (*noOutput, *query.Error) {
	name, id, e := ownSSHKey(c, "iam:DeleteSSHPublicKey", in.UserName, in.SSHPublicKeyId)
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		if u := fileUser(a, name); u != nil {
			for i := range u.SSHPublicKeys {
				if u.SSHPublicKeys[i].ID == id {
					u.SSHPublicKeys = append(u.SSHPublicKeys[:i], u.SSHPublicKeys[i+1:]...)
					return nil
				}
			}
		}
		return noSuchSSHKey(id)
	})
}
