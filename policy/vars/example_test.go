package vars_test

import (
	"fmt"

	"github.com/iamgate/iamgate/policy/vars"
)

func ExampleTemplate_Like() {
	t := vars.Compile("home/${aws:username}/*", true)
	ok, _ := t.Like("home/alice/notes.txt", ctx{"aws:username": {"alice"}}, false)
	fmt.Println(ok)
	_, resolved := t.Like("home/alice/notes.txt", ctx{}, false)
	fmt.Println(resolved) // no aws:username: the variable cannot be resolved
	// Output:
	// true
	// false
}
