package world

import "time"

// FileOrgHandshakes is what an organization keeps of its handshakes
// (Organizations InviteAccountToOrganization and EnableAllFeatures): every
// handshake it sent, and which of its member accounts joined by accepting
// an invitation (the API's JoinedMethod INVITED; the others were
// created). It is part of FileOrganization, so every server sharing the
// store sees it. Evaluation does not read it.
type FileOrgHandshakes struct {
	Handshakes []FileHandshake `yaml:"handshakes,omitempty" json:"handshakes,omitempty"`
	Invited    []string        `yaml:"invited,omitempty" json:"invited,omitempty"`
}

// FileHandshake is one handshake. Action is the API's (INVITE,
// ENABLE_ALL_FEATURES, APPROVE_ALL_FEATURES); State is the one it was last
// put in (OPEN, REQUESTED, ACCEPTED, DECLINED, CANCELED): EXPIRED is
// derived from Expires. Account is the recipient account (for INVITE and
// APPROVE_ALL_FEATURES); Target the party the invitation named (its
// Type, ACCOUNT or EMAIL, and Id). Parent is the ENABLE_ALL_FEATURES
// handshake of an APPROVE_ALL_FEATURES one. Tags are the invitation's,
// given to the account when it joins.
type FileHandshake struct {
	ID         string            `yaml:"id" json:"id"`
	Action     string            `yaml:"action" json:"action"`
	State      string            `yaml:"state" json:"state"`
	Requested  time.Time         `yaml:"requested" json:"requested"`
	Expires    time.Time         `yaml:"expires" json:"expires"`
	Changed    time.Time         `yaml:"changed,omitempty" json:"changed,omitzero"`
	Account    string            `yaml:"account,omitempty" json:"account,omitempty"`
	TargetType string            `yaml:"targetType,omitempty" json:"targetType,omitempty"`
	TargetID   string            `yaml:"targetId,omitempty" json:"targetId,omitempty"`
	Parent     string            `yaml:"parent,omitempty" json:"parent,omitempty"`
	Notes      string            `yaml:"notes,omitempty" json:"notes,omitempty"`
	Tags       map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}
