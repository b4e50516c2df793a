package orgshape

import "encoding/json"

// MarshalJSON writes a PolicySummary with its Description even when it is
// empty: CreatePolicy requires a description and takes an empty one
// (botocore organizations/2016-11-28: CreatePolicyRequest requires
// Description, PolicyDescription has no minimum length), and an empty
// description is the policy's, not one it lacks.
func (p PolicySummary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Id          string `json:"Id,omitzero"`
		Arn         string `json:"Arn,omitzero"`
		Name        string `json:"Name,omitzero"`
		Description string `json:"Description"`
		Type        string `json:"Type,omitzero"`
		AwsManaged  *bool  `json:"AwsManaged,omitzero"`
	}{p.Id, p.Arn, p.Name, p.Description, p.Type, p.AwsManaged})
}
