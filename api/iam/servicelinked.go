package iam

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateServiceLinkedRole", CreateServiceLinkedRole)
	registerTyped("DeleteServiceLinkedRole", DeleteServiceLinkedRole)
	registerTyped("GetServiceLinkedRoleDeletionStatus", GetServiceLinkedRoleDeletionStatus)
}

// serviceRolePath is where IAM puts service-linked roles: the path is
// /aws-service-role/SERVICE/ (IAM User Guide, "Create a service-linked
// role").
const serviceRolePath = "/aws-service-role/"

// serviceLinkedTrust is the trust policy of a service-linked role: the
// service principal may assume it.
func serviceLinkedTrust(service string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
}

// linkedService returns the service of a service-linked role (the path
// segment after /aws-service-role/), or "" for any other role.
func linkedService(path string) string {
	rest, ok := strings.CutPrefix(path, serviceRolePath)
	if !ok {
		return ""
	}
	svc, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "" {
		return ""
	}
	return svc
}

// CreateServiceLinkedRole creates the role a service owns, at
// /aws-service-role/SERVICE/ with the service's name (and _CustomSuffix,
// for the services that take one), a trust policy for the service and the
// service's AWS managed policy attached. The service and the suffix are
// checked first (they are facts of the catalog, not of the account), then
// iam:CreateServiceLinkedRole is authorized on the role's ARN with
// iam:AWSServiceName, then the name is checked to be free. Unknown
// services and a taken name are InvalidInput, with IAM's message for the
// taken name ("Service role name NAME has been taken in this account,
// please try a different suffix.", quoted in
// Rayraegah/terraform-aws-hasura#17 and the AWS Batch User Guide) and for
// a suffix the service does not take ("Custom suffix is not allowed for
// SERVICE", quoted in pplu/cfn-elasticsearch).
func CreateServiceLinkedRole(c *api.Call, in *iamshape.CreateServiceLinkedRoleRequest) (*iamshape.CreateServiceLinkedRoleResponse, *query.Error) {
	service, suffix, desc := in.AWSServiceName, in.CustomSuffix, in.Description
	slr := catalog.ServiceLinkedRoleFor(service)
	if slr == nil {
		// iamgate's wording: AWS's message for an unknown service is not
		// published; the table of services is partial (README).
		return nil, iamerr.InvalidInput("Unknown service principal %s: iamgate's table of service-linked roles does not list it.", service)
	}
	name := slr.RoleName
	if suffix != "" {
		if !slr.Suffix {
			return nil, iamerr.InvalidInput("Custom suffix is not allowed for %s", service)
		}
		name += "_" + suffix
		if len(name) > 64 {
			// The role name's limit (roleNameType, 64 characters); the
			// wording is iamgate's.
			return nil, iamerr.InvalidInput("The role name %s is longer than 64 characters: choose a shorter suffix.", name)
		}
	}
	path := serviceRolePath + service + "/"
	if e := c.Authorize("iam:CreateServiceLinkedRole", iamARN(c.Account(), "role", path, name), map[string][]string{"iam:AWSServiceName": {service}}); e != nil {
		return nil, e
	}
	r := world.FileRole{Name: name, Path: path, ID: newID("AROA"), TrustPolicy: world.NewPolicyText(serviceLinkedTrust(service)),
		ManagedPolicies: []string{slr.PolicyARN()}, Description: desc, Created: c.Now}
	if e := insertRole(c, r, iamerr.InvalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)); e != nil {
		return nil, e
	}
	role := roleTyped(c.Account(), &r, true)
	return &iamshape.CreateServiceLinkedRoleResponse{Role: &role}, nil
}

// DeleteServiceLinkedRole deletes a service-linked role (authorized as
// iam:DeleteServiceLinkedRole on its ARN before anything is looked at) and
// returns a deletion task, task/aws-service-role/SERVICE/ROLE/UUID (the IAM
// API Reference, DeleteServiceLinkedRole). AWS deletes in the background
// once the service has released its resources; iamgate has no such
// resources and deletes at once, so the task has succeeded. A role that is
// not service-linked is NoSuchEntity (iamgate's choice: the model lists no
// other error for it). The role leaves the instance profiles that hold it.
func DeleteServiceLinkedRole(c *api.Call, in *iamshape.DeleteServiceLinkedRoleRequest) (*iamshape.DeleteServiceLinkedRoleResponse, *query.Error) {
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:DeleteServiceLinkedRole", nil)
	if e != nil {
		return nil, e
	}
	service := linkedService(ent.path)
	if service == "" {
		return nil, notServiceLinked(ent.name)
	}
	e = updateEntities(c, []world.EntityRef{ref("role", ent.name), accountFields}, func(a *world.FileAccount) *query.Error {
		for i := range a.Roles {
			if a.Roles[i].Name == ent.name && linkedService(a.Roles[i].Path) == service {
				a.Roles = append(a.Roles[:i], a.Roles[i+1:]...)
				for j := range a.InstanceProfiles {
					ip := &a.InstanceProfiles[j]
					ip.Roles = slices.DeleteFunc(ip.Roles, func(r string) bool { return r == ent.name })
				}
				return nil
			}
		}
		return notServiceLinked(ent.name)
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.DeleteServiceLinkedRoleResponse{DeletionTaskId: deletionTaskID(c, service, ent.name)}, nil
}

func notServiceLinked(name string) *query.Error {
	return iamerr.NoSuchEntity("The service-linked role with name %s cannot be found.", name)
}

// deletionTaskPurpose keys the deletion task digests.
const deletionTaskPurpose = "service-linked role deletion task"

// deletionTaskID makes a deletion task's ID. Its UUID holds 8 random
// bytes and 8 bytes of a keyed digest of the account, service, role and
// those random bytes, so that GetServiceLinkedRoleDeletionStatus can tell
// a task this service made, for this account, from any other string
// without storing it.
func deletionTaskID(c *api.Call, service, name string) string {
	var b [16]byte
	if _, err := rand.Read(b[:8]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	copy(b[8:], taskDigest(c, service, name, b[:8]))
	return "task" + serviceRolePath + service + "/" + name + "/" + formatUUID(b)
}

func taskDigest(c *api.Call, service, name string, random []byte) []byte {
	d := c.State.Keys().Digest(deletionTaskPurpose, []byte(c.Account()+"\x00"+service+"\x00"+name+"\x00"+string(random)))[:8]
	d[0] = d[0]&0x3f | 0x80 // RFC 4122 variant
	return d
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func parseUUID(s string) ([16]byte, bool) {
	var b [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return b, false
	}
	raw, err := hex.DecodeString(s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if err != nil || len(raw) != 16 {
		return b, false
	}
	copy(b[:], raw)
	return b, true
}

// GetServiceLinkedRoleDeletionStatus answers the status of a deletion
// task: SUCCEEDED for every task DeleteServiceLinkedRole made for the
// caller's account, since iamgate deletes at once. It is authorized as
// iam:GetServiceLinkedRoleDeletionStatus on the ARN of the role the task
// names. A task ID not of the form task/aws-service-role/SERVICE/ROLE/UUID
// is InvalidInput; one of that form that this service did not make for
// this account (another account's, or made up) is NoSuchEntity, as AWS
// answers for a task it does not know (gruntwork-io/cloud-nuke#1143). The
// wording of both messages is iamgate's.
func GetServiceLinkedRoleDeletionStatus(c *api.Call, in *iamshape.GetServiceLinkedRoleDeletionStatusRequest) (*iamshape.GetServiceLinkedRoleDeletionStatusResponse, *query.Error) {
	id := in.DeletionTaskId
	parts := strings.Split(id, "/")
	bad := iamerr.InvalidInput("Invalid deletion task id %s: it must be task/aws-service-role/SERVICE/ROLE-NAME/UUID.", id)
	if len(parts) != 5 || parts[0] != "task" || parts[1] != "aws-service-role" || parts[2] == "" || parts[3] == "" {
		return nil, bad
	}
	service, name := parts[2], parts[3]
	u, ok := parseUUID(parts[4])
	if !ok {
		return nil, bad
	}
	if e := c.Authorize("iam:GetServiceLinkedRoleDeletionStatus", iamARN(c.Account(), "role", serviceRolePath+service+"/", name), nil); e != nil {
		return nil, e
	}
	if !hmac.Equal(u[8:], taskDigest(c, service, name, u[:8])) {
		return nil, iamerr.NoSuchEntity("The deletion task %s cannot be found.", id)
	}
	return &iamshape.GetServiceLinkedRoleDeletionStatusResponse{Status: "SUCCEEDED"}, nil
}
