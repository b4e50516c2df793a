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

// The status of create-account requests (DescribeCreateAccountStatus,
// ListCreateAccountStatus): the requests CreateAccount kept in the
// organization (world.FileCreateAccountRequest), succeeded and failed, with
// the same times on every call. An account that joined by invitation
// (JoinedMethod INVITED) was not created and has no request; nor has an
// account of a world written by hand, whatever its JoinedMethod: iamgate
// does not make up a request it never answered. A request stays when its
// account leaves the organization, and goes with the organization.

// createAccountShape is a request as the model's CreateAccountStatus.
func createAccountShape(r world.FileCreateAccountRequest) orgshape.CreateAccountStatus {
	return orgshape.CreateAccountStatus{Id: r.ID, AccountName: r.AccountName, State: r.State, RequestedTimestamp: createdAt(r.Requested),
		CompletedTimestamp: at(r.Completed), AccountId: r.Account, FailureReason: r.FailureReason}
}

// createAccountStatusNotFound uses the words of the model's documentation
// of CreateAccountStatusNotFoundException.
func createAccountStatusNotFound() *query.Error {
	return orgerr.CreateAccountStatusNotFoundException("We can't find an create account request with the CreateAccountRequestId that you specified.")
}

// describeCreateAccountStatus answers one request of the caller's
// organization; the model has checked the ID's pattern.
func describeCreateAccountStatus(c *api.Call, in *orgshape.DescribeCreateAccountStatusRequest) (*orgshape.DescribeCreateAccountStatusResponse, *query.Error) {
	o, e := managed(c, "DescribeCreateAccountStatus", "*")
	if e != nil {
		return nil, e
	}
	i := slices.IndexFunc(o.CreateAccountRequests, func(r world.FileCreateAccountRequest) bool { return r.ID == in.CreateAccountRequestId })
	if i < 0 {
		return nil, createAccountStatusNotFound()
	}
	return &orgshape.DescribeCreateAccountStatusResponse{CreateAccountStatus: shape.Ptr(createAccountShape(o.CreateAccountRequests[i]))}, nil
}

// listCreateAccountStatus lists the requests, oldest first, of the States
// given (all when none is; the model has checked each).
func listCreateAccountStatus(c *api.Call, in *orgshape.ListCreateAccountStatusRequest) (*orgshape.ListCreateAccountStatusResponse, *query.Error) {
	o, e := managed(c, "ListCreateAccountStatus", "*")
	if e != nil {
		return nil, e
	}
	var all []orgshape.CreateAccountStatus
	for _, r := range o.CreateAccountRequests {
		if len(in.States) == 0 || slices.Contains(in.States, r.State) {
			all = append(all, createAccountShape(r))
		}
	}
	page, next, e := pageOf(all, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListCreateAccountStatusResponse{CreateAccountStatuses: page, NextToken: next}, nil
}
