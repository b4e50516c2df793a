package condition_test

import (
	"fmt"

	"github.com/iamgate/iamgate/policy/condition"
)

func ExampleCompile() {
	op, _ := condition.ParseOperator("ForAllValues:StringEquals")
	c := condition.Compile(op, "aws:TagKeys", []string{"Project", "CostCenter"}, true)
	fmt.Println(c.Eval(ctx{"aws:tagkeys": {"Project"}}))
	fmt.Println(c.Eval(ctx{"aws:tagkeys": {"Project", "Owner"}}))
	fmt.Println(c.Eval(ctx{})) // ForAllValues is true when the key is missing
	// Output:
	// true
	// false
	// true
}
