package world

import "time"

// SSHPublicKey is an SSH public key uploaded for a user (IAM's
// UploadSSHPublicKey, used by CodeCommit). It is public material, so it
// lives with the user in the file form.
type SSHPublicKey struct {
	ID string `yaml:"id" json:"id"`
	// Body is the key in OpenSSH authorized_keys form ("ssh-rsa AAAA...").
	Body     string    `yaml:"body" json:"body"`
	Status   string    `yaml:"status" json:"status"`
	Uploaded time.Time `yaml:"uploaded" json:"uploaded"`
}

// SigningCertificate is an X.509 signing certificate uploaded for a user
// (IAM's UploadSigningCertificate). Public material, kept with the user.
type SigningCertificate struct {
	ID string `yaml:"id" json:"id"`
	// Body is the certificate as PEM.
	Body     string    `yaml:"body" json:"body"`
	Status   string    `yaml:"status" json:"status"`
	Uploaded time.Time `yaml:"uploaded" json:"uploaded"`
}
