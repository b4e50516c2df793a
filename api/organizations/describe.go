package organizations

import (
	"slices"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// The describe, rename and delete operations of accounts and OUs, and the
// list of create-account requests. Each is the management account's
// (botocore organizations/2016-11-28: a member account gets
// AccessDeniedException) and is authorized as organizations:<Operation> on
// the resource the Service Authorization Reference names ("Actions defined
// by AWS Organizations": account for DescribeAccount, ou for the OU
// operations, none for ListCreateAccountStatus) before anything is looked
// up, so that a denied caller learns nothing of what exists.
func init() {
	registerTyped("DescribeAccount", describeAccount)
	registerTyped("DescribeOrganizationalUnit", describeOU)
	registerTyped("UpdateOrganizationalUnit", updateOU)
	registerTyped("DeleteOrganizationalUnit", deleteOU)
	registerTyped("ListCreateAccountStatus", listCreateAccountStatus)
}

// accountNotFound is the real service's message (quoted in
// github.com/aws-ia/terraform-aws-control_tower_account_factory/issues/289).
func accountNotFound() *query.Error {
	return orgerr.AccountNotFoundException("You specified an account that doesn't exist.")
}

// ouNotFound and ouNotEmpty use the words of the model's documentation of
// the exceptions.
func ouNotFound() *query.Error {
	return orgerr.OrganizationalUnitNotFoundException("We can't find an OU with the OrganizationalUnitId that you specified.")
}

func ouNotEmpty() *query.Error {
	return orgerr.OrganizationalUnitNotEmptyException("The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.")
}

func describeAccount(c *api.Call, in *orgshape.DescribeAccountRequest) (*orgshape.DescribeAccountResponse, *query.Error) {
	// AccountId is 12 digits (Validate), so the ARN is well formed.
	o, e := managed(c, "DescribeAccount", orgARNOr(c, "account", "/"+in.AccountId))
	if e != nil {
		return nil, e
	}
	if !inOrg(o, in.AccountId) {
		return nil, accountNotFound()
	}
	for _, a := range c.State.File().Accounts {
		if a.ID == in.AccountId {
			return &orgshape.DescribeAccountResponse{Account: shape.Ptr(accountShape(o, a))}, nil
		}
	}
	return nil, accountNotFound()
}

// ouPath is the path of the OU id, empty when there is none.
func ouPath(o *world.FileOrganization, id string) string {
	var walk func(ou *world.FileOU, prefix string) string
	walk = func(ou *world.FileOU, prefix string) string {
		for i := range ou.OUs {
			p := prefix + ou.OUs[i].ID + "/"
			if ou.OUs[i].ID == id {
				return p
			}
			if r := walk(&ou.OUs[i], p); r != "" {
				return r
			}
		}
		return ""
	}
	return walk(&o.Root, o.ID+"/"+o.Root.ID+"/")
}

// ouShape is an OU as the model's OrganizationalUnit, with its Path: the
// IDs from the organization down to the OU, each followed by a slash (the
// model's documentation of Path).
func ouShape(o *world.FileOrganization, ou *world.FileOU) *orgshape.OrganizationalUnit {
	return &orgshape.OrganizationalUnit{Id: ou.ID, Arn: orgARN(o, "ou", "/"+ou.ID), Name: ou.Name, Path: ouPath(o, ou.ID)}
}

// ouOp authorizes an OU operation on the OU's ARN (OrganizationalUnitId
// matches the model's ou- pattern, Validate) and only then finds the OU.
func ouOp(c *api.Call, action, id string) (*world.FileOrganization, *query.Error) {
	o, e := managed(c, action, orgARNOr(c, "ou", "/"+id))
	if e != nil {
		return nil, e
	}
	if n := findNode(o, id); n == nil || n.isRoot {
		return nil, ouNotFound()
	}
	return o, nil
}

func describeOU(c *api.Call, in *orgshape.DescribeOrganizationalUnitRequest) (*orgshape.DescribeOrganizationalUnitResponse, *query.Error) {
	o, e := ouOp(c, "DescribeOrganizationalUnit", in.OrganizationalUnitId)
	if e != nil {
		return nil, e
	}
	return &orgshape.DescribeOrganizationalUnitResponse{OrganizationalUnit: ouShape(o, findNode(o, in.OrganizationalUnitId).ou)}, nil
}

// updateOU renames an OU; without Name it changes nothing and answers the
// OU. A name another OU of the same parent has is
// DuplicateOrganizationalUnitException, as CreateOrganizationalUnit's.
func updateOU(c *api.Call, in *orgshape.UpdateOrganizationalUnitRequest) (*orgshape.UpdateOrganizationalUnitResponse, *query.Error) {
	if _, e := ouOp(c, "UpdateOrganizationalUnit", in.OrganizationalUnitId); e != nil {
		return nil, e
	}
	var out *orgshape.OrganizationalUnit
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		n := findNode(o, in.OrganizationalUnitId)
		if n == nil || n.isRoot {
			return ouNotFound()
		}
		if in.Name != "" && in.Name != n.ou.Name {
			for _, sib := range n.parent.OUs {
				if sib.ID != n.ou.ID && sib.Name == in.Name {
					return orgerr.DuplicateOrganizationalUnitException("An OU with the same name already exists.")
				}
			}
			n.ou.Name = in.Name
		}
		out = ouShape(o, n.ou)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.UpdateOrganizationalUnitResponse{OrganizationalUnit: out}, nil
}

// deleteOU deletes an OU that holds no account and no OU; the policies
// attached to it go with it.
func deleteOU(c *api.Call, in *orgshape.DeleteOrganizationalUnitRequest) (*noOutput, *query.Error) {
	if _, e := ouOp(c, "DeleteOrganizationalUnit", in.OrganizationalUnitId); e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		n := findNode(fw.Organization, in.OrganizationalUnitId)
		if n == nil || n.isRoot {
			return ouNotFound()
		}
		if len(n.ou.Accounts) > 0 || len(n.ou.OUs) > 0 {
			return ouNotEmpty()
		}
		i := slices.IndexFunc(n.parent.OUs, func(ou world.FileOU) bool { return ou.ID == in.OrganizationalUnitId })
		n.parent.OUs = slices.Delete(n.parent.OUs, i, i+1)
		delete(fw.Organization.Attached, in.OrganizationalUnitId)
		return nil
	})
}
