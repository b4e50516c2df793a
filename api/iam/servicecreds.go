package iam

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/credential"
)

// Service-specific credentials (CreateServiceSpecificCredential and the
// rest): a user name and password for CodeCommit or Amazon Keyspaces, an
// API key for Amazon Bedrock or CloudWatch Logs, kept in the store with
// the password's hash sealed (api.Credentials); the password is shown only
// by Create and Reset. Each operation is authorized on the user's ARN with
// iam:ServiceSpecificCredentialServiceName (and, for Create,
// iam:ServiceSpecificCredentialAgeDays), before anything is revealed.

func init() {
	registerTyped("CreateServiceSpecificCredential", CreateServiceSpecificCredential)
	registerTyped("ListServiceSpecificCredentials", ListServiceSpecificCredentials)
	registerTyped("ResetServiceSpecificCredential", ResetServiceSpecificCredential)
	registerTyped("UpdateServiceSpecificCredential", UpdateServiceSpecificCredential)
	registerTyped("DeleteServiceSpecificCredential", DeleteServiceSpecificCredential)
}

// credentialServices are the services that take service-specific
// credentials (the CreateServiceSpecificCredential API reference: Amazon
// Bedrock, Amazon CloudWatch Logs, CodeCommit and Amazon Keyspaces); true
// marks those whose credential is an API key (alias and secret, with an
// optional expiry: CredentialAgeDays).
var credentialServices = map[string]bool{
	"codecommit.amazonaws.com": false, "cassandra.amazonaws.com": false,
	"bedrock.amazonaws.com": true, "logs.amazonaws.com": true,
}

// maxServiceCredentials is the quota per user and service (the API
// reference: "a maximum of two sets of service-specific credentials for
// each supported service per user").
const maxServiceCredentials = 2

// status is the credential's status now: Expired once past its expiry.
func credentialStatus(c *api.Call, sc api.ServiceCredential) string {
	if !sc.Expiration.IsZero() && c.Now.After(sc.Expiration) {
		return "Expired"
	}
	return sc.Status
}

func credentialExpiration(sc api.ServiceCredential) *shape.Time {
	return shape.At(sc.Expiration)
}

// credentialShape is a credential as Create and Reset return it, with the
// secret just made.
func credentialShape(c *api.Call, sc api.ServiceCredential, secret string) *iamshape.ServiceSpecificCredential {
	out := &iamshape.ServiceSpecificCredential{CreateDate: createdAt(sc.Created), ExpirationDate: credentialExpiration(sc), ServiceName: sc.ServiceName,
		ServiceSpecificCredentialId: sc.ID, UserName: sc.User, Status: credentialStatus(c, sc)}
	if credentialServices[sc.ServiceName] {
		out.ServiceCredentialAlias, out.ServiceCredentialSecret = sc.ServiceUserName, secret
	} else {
		out.ServiceUserName, out.ServicePassword = sc.ServiceUserName, secret
	}
	return out
}

func notSupportedService(name string) *query.Error {
	// iamgate's wording: AWS's is not published.
	return iamerr.NotSupportedService("Service %s is not supported for service-specific credentials.", name)
}

func noSuchServiceCredential(id string) *query.Error {
	// iamgate's wording, in the form of the other credentials'.
	return iamerr.NoSuchEntity("The Service Specific Credential with id %s cannot be found.", id)
}

// newServiceSecret makes a password or API key secret: 32 random bytes in
// base64 (iamgate's choice; AWS documents only "cryptographically
// strong").
func newServiceSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

func hashServiceSecret(secret string) (string, *query.Error) {
	h, err := credential.HashPassword(secret)
	if err != nil {
		return "", iamerr.ServiceFailure("%v", err)
	}
	return h, nil
}

func serviceCredentials(c *api.Call) ([]api.ServiceCredential, *query.Error) {
	return readCredentials(c, c.State.Credentials().ServiceCredentials, "service-specific credentials")
}

func editServiceCredentials(c *api.Call, fn func([]api.ServiceCredential) ([]api.ServiceCredential, *query.Error)) *query.Error {
	return editCredentials(c, c.State.Credentials().EditServiceCredentials, fn, "service-specific credentials")
}

// CreateServiceSpecificCredential makes a credential for a user and a
// service: two at most per user and service.
func CreateServiceSpecificCredential(c *api.Call, in *iamshape.CreateServiceSpecificCredentialRequest) (*iamshape.CreateServiceSpecificCredentialResponse, *query.Error) {
	name, service := in.UserName, in.ServiceName
	extra := map[string][]string{"iam:ServiceSpecificCredentialServiceName": {service}}
	if in.CredentialAgeDays != nil {
		extra["iam:ServiceSpecificCredentialAgeDays"] = []string{strconv.Itoa(int(*in.CredentialAgeDays))}
	}
	if _, e := authorizeUserWith(c, "iam:CreateServiceSpecificCredential", name, extra); e != nil {
		return nil, e
	}
	apiKey, ok := credentialServices[service]
	if !ok {
		return nil, notSupportedService(service)
	}
	sc := api.ServiceCredential{Account: c.Account(), ID: newID("ACCA"), User: name, ServiceName: service,
		ServiceUserName: name + "-at-" + c.Account(), Status: "Active", Created: c.Now.UTC()}
	if in.CredentialAgeDays != nil {
		if !apiKey {
			// iamgate's wording: the model says the field "is only valid
			// for Bedrock and CloudWatch Logs API keys".
			return nil, iamerr.InvalidInput("CredentialAgeDays is only valid for Bedrock and CloudWatch Logs API keys.")
		}
		// 1 to 36600 (the model's credentialAgeDays, checked before).
		sc.Expiration = sc.Created.Add(time.Duration(*in.CredentialAgeDays) * 24 * time.Hour)
	}
	secret := newServiceSecret()
	h, e := hashServiceSecret(secret)
	if e != nil {
		return nil, e
	}
	sc.Secret = h
	e = editServiceCredentials(c, func(all []api.ServiceCredential) ([]api.ServiceCredential, *query.Error) {
		if fileUser(account(c), name) == nil {
			return nil, noSuch("user", name)
		}
		n := 0
		for _, have := range all {
			if have.User == name && have.ServiceName == service {
				n++
			}
		}
		if n >= maxServiceCredentials {
			return nil, iamerr.LimitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", maxServiceCredentials)
		}
		return append(all, sc), nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.CreateServiceSpecificCredentialResponse{ServiceSpecificCredential: credentialShape(c, sc, secret)}, nil
}

// ListServiceSpecificCredentials lists a user's credentials (the caller's
// without UserName), or with AllUsers every user's the caller may list,
// optionally of one service; never their secrets.
func ListServiceSpecificCredentials(c *api.Call, in *iamshape.ListServiceSpecificCredentialsRequest) (*iamshape.ListServiceSpecificCredentialsResponse, *query.Error) {
	service := in.ServiceName
	every := in.AllUsers != nil && *in.AllUsers
	if every && in.UserName != "" {
		// iamgate's wording: the model says AllUsers "cannot be specified
		// together with UserName".
		return nil, iamerr.InvalidInput("AllUsers cannot be specified together with UserName.")
	}
	var users map[string]bool
	if every {
		// Every user's: the caller needs the permission on all the
		// account's users (the ARN arn:aws:iam::ACCOUNT:user/*) and on each
		// user it lists (iamgate's choice; AWS documents none for
		// AllUsers).
		if e := c.Authorize("iam:ListServiceSpecificCredentials", iamARN(c.Account(), "user", "/", "*"), nil); e != nil {
			return nil, e
		}
	} else {
		name, e := callerUser(c, in.UserName)
		if e != nil {
			return nil, e
		}
		if _, e := authorizeUser(c, "iam:ListServiceSpecificCredentials", name); e != nil {
			return nil, e
		}
		users = map[string]bool{name: true}
	}
	if _, ok := credentialServices[service]; service != "" && !ok {
		return nil, notSupportedService(service)
	}
	all, e := serviceCredentials(c)
	if e != nil {
		return nil, e
	}
	// Not nil: IAM writes the list empty ("If none exists, the operation
	// returns an empty list.", the API Reference,
	// ListServiceSpecificCredentials).
	out := []iamshape.ServiceSpecificCredentialMetadata{}
	for _, sc := range all {
		if (users != nil && !users[sc.User]) || (service != "" && sc.ServiceName != service) {
			continue
		}
		if every {
			if _, e := authorizeUser(c, "iam:ListServiceSpecificCredentials", sc.User); e != nil {
				return nil, e
			}
		}
		m := iamshape.ServiceSpecificCredentialMetadata{UserName: sc.User, Status: credentialStatus(c, sc), CreateDate: createdAt(sc.Created),
			ExpirationDate: credentialExpiration(sc), ServiceSpecificCredentialId: sc.ID, ServiceName: sc.ServiceName}
		if credentialServices[sc.ServiceName] {
			m.ServiceCredentialAlias = sc.ServiceUserName
		} else {
			m.ServiceUserName = sc.ServiceUserName
		}
		out = append(out, m)
	}
	out, pg := pageAt(out, func(m iamshape.ServiceSpecificCredentialMetadata) string {
		return m.UserName + " " + m.ServiceSpecificCredentialId // a space sorts before every name character
	}, in.Marker, in.MaxItems)
	res := &iamshape.ListServiceSpecificCredentialsResponse{ServiceSpecificCredentials: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// changeServiceCredential authorizes action on the user (with the
// credential's service, when the user has it) and changes the credential
// with fn (false: delete it).
func changeServiceCredential(c *api.Call, action, userName, id string, fn func(sc *api.ServiceCredential) bool) (api.ServiceCredential, *query.Error) {
	name, e := callerUser(c, userName)
	if e != nil {
		return api.ServiceCredential{}, e
	}
	all, e := serviceCredentials(c)
	if e != nil {
		return api.ServiceCredential{}, e
	}
	var extra map[string][]string
	for _, sc := range all {
		if sc.ID == id && sc.User == name {
			extra = map[string][]string{"iam:ServiceSpecificCredentialServiceName": {sc.ServiceName}}
		}
	}
	if _, e := authorizeUserWith(c, action, name, extra); e != nil {
		return api.ServiceCredential{}, e
	}
	var changed api.ServiceCredential
	e = editServiceCredentials(c, func(all []api.ServiceCredential) ([]api.ServiceCredential, *query.Error) {
		for i := range all {
			if all[i].ID != id || all[i].User != name {
				continue
			}
			if !fn(&all[i]) {
				changed = all[i]
				return append(all[:i], all[i+1:]...), nil
			}
			changed = all[i]
			return all, nil
		}
		return nil, noSuchServiceCredential(id)
	})
	return changed, e
}

// ResetServiceSpecificCredential gives a credential a new password (or
// API key secret), returned only here; the old one stops working.
func ResetServiceSpecificCredential(c *api.Call, in *iamshape.ResetServiceSpecificCredentialRequest) (*iamshape.ResetServiceSpecificCredentialResponse, *query.Error) {
	secret := newServiceSecret()
	h, e := hashServiceSecret(secret)
	if e != nil {
		return nil, e
	}
	sc, e := changeServiceCredential(c, "iam:ResetServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(sc *api.ServiceCredential) bool {
		sc.Secret = h
		return true
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.ResetServiceSpecificCredentialResponse{ServiceSpecificCredential: credentialShape(c, sc, secret)}, nil
}

// UpdateServiceSpecificCredential makes a credential Active or Inactive.
func UpdateServiceSpecificCredential(c *api.Call, in *iamshape.UpdateServiceSpecificCredentialRequest) (*noOutput, *query.Error) {
	status := in.Status
	if e := settableStatus(status); e != nil {
		return nil, e
	}
	_, e := changeServiceCredential(c, "iam:UpdateServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(sc *api.ServiceCredential) bool {
		sc.Status = status
		return true
	})
	return nil, e
}

// DeleteServiceSpecificCredential deletes a credential.
func DeleteServiceSpecificCredential(c *api.Call, in *iamshape.DeleteServiceSpecificCredentialRequest) (*noOutput, *query.Error) {
	_, e := changeServiceCredential(c, "iam:DeleteServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(*api.ServiceCredential) bool { return false })
	return nil, e
}

// hasServiceCredentials reports whether a user has any service-specific
// credential (DeleteUser's DeleteConflict).
func hasServiceCredentials(c *api.Call, name string) (bool, *query.Error) {
	all, e := serviceCredentials(c)
	if e != nil {
		return false, e
	}
	for _, sc := range all {
		if sc.User == name {
			return true, nil
		}
	}
	return false, nil
}
