package analysis_test

import (
	"fmt"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/policy"
)

func ExampleCheckNoNewAccess() {
	old := policy.MustParse("old.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Delete","Effect":"Allow",
"Action":"rds:DeleteDBSnapshot","Resource":"arn:aws:rds:*:111111111111:snapshot:maskopy*"}]}`)
	wide := policy.MustParse("new.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Delete","Effect":"Allow",
"Action":"rds:DeleteDBSnapshot","Resource":"arn:aws:rds:*:111111111111:snapshot:*"}]}`)
	res, err := analysis.CheckNoNewAccess(old, wide, analysis.IdentityPolicy, analysis.CheckOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Result)
	fmt.Println(res.Reasons[0].StatementIndex, res.Reasons[0].StatementID)
	res, _ = analysis.CheckNoNewAccess(wide, old, analysis.IdentityPolicy, analysis.CheckOptions{})
	fmt.Println(res.Result)
	// Output:
	// FAIL
	// 0 Delete
	// PASS
}
