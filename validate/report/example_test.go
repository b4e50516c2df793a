package report_test

import (
	"os"

	"github.com/iamgate/iamgate/validate"
	"github.com/iamgate/iamgate/validate/report"
)

func ExampleText() {
	fs := validate.Document("policy.json", []byte(`{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}`), validate.Options{})
	if err := report.Text(os.Stdout, fs, 1, report.TextOptions{}); err != nil {
		panic(err)
	}
	// Output:
	// policy.json
	//   1:1      WARNING          MISSING_VERSION
	//            We recommend that you specify the Version element "2012-10-17": without it, policy variables are literal text
	//            https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-general-warning-missing-version
	//
	// 1 policy checked, 1 finding (1 warning)
}
