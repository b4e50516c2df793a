package world

import "time"

// FileCreateAccountRequest is one request of Organizations CreateAccount,
// as DescribeCreateAccountStatus and ListCreateAccountStatus answer it:
// its ID (car-...), the account name asked for, its State (SUCCEEDED or
// FAILED: iamgate completes a request at once, so none is IN_PROGRESS),
// when it was made and completed, and the account created (Account) or
// why none was (FailureReason, the API's CreateAccountFailureReason). It
// is part of FileOrganization, so every server sharing the store sees it.
// Evaluation does not read it.
type FileCreateAccountRequest struct {
	ID            string    `yaml:"id" json:"id"`
	AccountName   string    `yaml:"accountName" json:"accountName"`
	State         string    `yaml:"state" json:"state"`
	Requested     time.Time `yaml:"requested" json:"requested"`
	Completed     time.Time `yaml:"completed,omitempty" json:"completed,omitzero"`
	Account       string    `yaml:"account,omitempty" json:"account,omitempty"`
	FailureReason string    `yaml:"failureReason,omitempty" json:"failureReason,omitempty"`
}
