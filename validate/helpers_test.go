package validate_test

import "github.com/iamgate/iamgate/policy"

func parse(src string) (*policy.Policy, error) { return policy.Parse("policy.json", []byte(src)) }
