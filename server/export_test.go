package server

import (
	"context"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api/accessanalyzer"
	"github.com/iamgate/iamgate/policy"
)

// SetWholeAccounts makes UpdateEntities change the whole account, as
// UpdateAccount does (for the differential test).
func (s *State) SetWholeAccounts(on bool) { s.wholeAccounts = on }

// StubPolicyChecks makes the Check* operations answer result (PASS, FAIL,
// or UNKNOWN with construct) for every question, until restore; tests
// that use it must not run in parallel.
func StubPolicyChecks(result, construct string) (restore func()) {
	old := checks
	checks = stubChecks{result, construct}
	return func() { checks = old }
}

type stubChecks struct{ result, construct string }

func (s stubChecks) answer() (*accessanalyzer.CheckAnswer, error) {
	if s.result == "UNKNOWN" {
		return nil, &analysis.UnknownError{Construct: s.construct}
	}
	a := &accessanalyzer.CheckAnswer{Result: s.result}
	if s.result == "FAIL" {
		a.Reasons = []accessanalyzer.CheckReason{{Description: "stub", StatementIndex: 0, StatementID: "S0"}}
	}
	return a, nil
}

func (s stubChecks) NoNewAccess(context.Context, *policy.Policy, *policy.Policy, bool) (*accessanalyzer.CheckAnswer, error) {
	return s.answer()
}
func (s stubChecks) AccessNotGranted(context.Context, *policy.Policy, bool, []string, []string) (*accessanalyzer.CheckAnswer, error) {
	return s.answer()
}
func (s stubChecks) NoPublicAccess(context.Context, *policy.Policy, string) (*accessanalyzer.CheckAnswer, error) {
	return s.answer()
}
