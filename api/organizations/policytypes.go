package organizations

import (
	"slices"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// disablePolicyType disables a policy type in the root: every policy of the
// type is detached from every root, OU and account, as the Organizations
// User Guide describes for disabling a policy type (AWS does it in the
// background; iamgate at once). Enabled again, every target has only the
// full-access policy.
func disablePolicyType(c *api.Call) (any, *query.Error) {
	in, o, e := policyTypeRequest(c, "DisablePolicyType")
	if e != nil {
		return nil, e
	}
	if !slices.Contains(o.PolicyTypes, in.PolicyType) {
		return nil, errorf("PolicyTypeNotEnabledException", "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root. For more information, see Enabling all features in your organization in the Organizations User Guide.")
	}
	var out rootOut
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
	return map[string]any{"Root": out}, nil
}
