package organizations

import (
	"slices"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("EnablePolicyType", enablePolicyType)
	registerTyped("DisablePolicyType", disablePolicyType)
}

// policyTypeRequest checks an Enable/DisablePolicyType request, authorizes
// it on the root with organizations:PolicyType and finds the root.
func policyTypeRequest(c *api.Call, action, rootID, policyType string) (*world.FileOrganization, *query.Error) {
	if fileType[policyType] == "" {
		return nil, invalidPolicyType()
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorizeWith(c, action, parentARN(c, rootID), nil); e != nil {
		return nil, e
	}
	if rootID != o.Root.ID {
		return nil, orgerr.RootNotFoundException("We can't find a root with the RootId that you specified.")
	}
	return o, nil
}

func enablePolicyType(c *api.Call, in *orgshape.EnablePolicyTypeRequest) (*orgshape.EnablePolicyTypeResponse, *query.Error) {
	o, e := policyTypeRequest(c, "EnablePolicyType", in.RootId, in.PolicyType)
	if e != nil {
		return nil, e
	}
	if slices.Contains(o.PolicyTypes, in.PolicyType) {
		return nil, orgerr.PolicyTypeAlreadyEnabledException("The specified policy type is already enabled.")
	}
	var out *orgshape.Root
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		fw.Organization.PolicyTypes = append(fw.Organization.PolicyTypes, in.PolicyType)
		out = rootShape(fw.Organization)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.EnablePolicyTypeResponse{Root: out}, nil
}

// disablePolicyType disables a policy type in the root: every policy of the
// type is detached from every root, OU and account, as the Organizations
// User Guide describes for disabling a policy type (AWS does it in the
// background; iamgate at once). Enabled again, every target has only the
// full-access policy.
func disablePolicyType(c *api.Call, in *orgshape.DisablePolicyTypeRequest) (*orgshape.DisablePolicyTypeResponse, *query.Error) {
	o, e := policyTypeRequest(c, "DisablePolicyType", in.RootId, in.PolicyType)
	if e != nil {
		return nil, e
	}
	if !slices.Contains(o.PolicyTypes, in.PolicyType) {
		return nil, orgerr.PolicyTypeNotEnabledException("The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root. For more information, see Enabling all features in your organization in the Organizations User Guide.")
	}
	var out *orgshape.Root
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		fo := fw.Organization
		for _, at := range attachments(fo, fw, fileType[in.PolicyType]) {
			at.set(nil)
		}
		fo.PolicyTypes = slices.DeleteFunc(fo.PolicyTypes, func(t string) bool { return t == in.PolicyType })
		out = rootShape(fo)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.DisablePolicyTypeResponse{Root: out}, nil
}
