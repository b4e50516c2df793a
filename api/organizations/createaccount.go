package organizations

import (
	"slices"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// The status of create-account requests (DescribeCreateAccountStatus,
// ListCreateAccountStatus): the requests CreateAccount kept in the
// organization (world.FileCreateAccountRequest), succeeded and failed, with
// the same times on every call. An account that joined by invitation
// (JoinedMethod INVITED) was not created and has no request; nor has an
// account of a world written by hand, whatever its JoinedMethod: iamgate
// does not make up a request it never answered. A request stays when its
// account leaves the organization, and goes with the organization.

// createAccountStatus is the model's CreateAccountStatus.
type createAccountStatus struct {
	ID                 string  `json:"Id"`
	AccountName        string  `json:"AccountName"`
	State              string  `json:"State"`
	RequestedTimestamp float64 `json:"RequestedTimestamp"`
	CompletedTimestamp float64 `json:"CompletedTimestamp,omitempty"`
	AccountID          string  `json:"AccountId,omitempty"`
	FailureReason      string  `json:"FailureReason,omitempty"`
}

func createAccountShape(r world.FileCreateAccountRequest) createAccountStatus {
	out := createAccountStatus{ID: r.ID, AccountName: r.AccountName, State: r.State, RequestedTimestamp: timestamp(r.Requested),
		AccountID: r.Account, FailureReason: r.FailureReason}
	if !r.Completed.IsZero() {
		out.CompletedTimestamp = timestamp(r.Completed)
	}
	return out
}

// createAccountStatusNotFound uses the words of the model's documentation
// of CreateAccountStatusNotFoundException.
func createAccountStatusNotFound() *query.Error {
	return errorf("CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
}

// describeCreateAccountStatus answers one request of the caller's
// organization; the model has checked the ID's pattern.
func describeCreateAccountStatus(c *api.Call) (any, *query.Error) {
	var in struct{ CreateAccountRequestId string }
	if e := decode(c, &in); e != nil {
		return nil, e
	}
	o, e := managed(c, "DescribeCreateAccountStatus", "*")
	if e != nil {
		return nil, e
	}
	i := slices.IndexFunc(o.CreateAccountRequests, func(r world.FileCreateAccountRequest) bool { return r.ID == in.CreateAccountRequestId })
	if i < 0 {
		return nil, createAccountStatusNotFound()
	}
	return map[string]any{"CreateAccountStatus": createAccountShape(o.CreateAccountRequests[i])}, nil
}

// listCreateAccountStatus lists the requests, oldest first, of the States
// given (all when none is; the model has checked each).
func listCreateAccountStatus(c *api.Call) (any, *query.Error) {
	var in struct{ States []string }
	if e := decode(c, &in); e != nil {
		return nil, e
	}
	o, e := managed(c, "ListCreateAccountStatus", "*")
	if e != nil {
		return nil, e
	}
	out := []createAccountStatus{}
	for _, r := range o.CreateAccountRequests {
		if len(in.States) == 0 || slices.Contains(in.States, r.State) {
			out = append(out, createAccountShape(r))
		}
	}
	return paged(c, out, "CreateAccountStatuses")
}
