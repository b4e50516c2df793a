// Package input finds the policies in what users hand to iamgate validate:
// policy documents (files or whole folders), CloudFormation templates (JSON
// or YAML) and Terraform plans (terraform show -json). Each policy comes out
// as a Document with its text, its policy type when the source says it, the
// resource that holds it, and a way to map an element path of the policy
// back to a line and column of the source file.
//
// CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
// Fn::If, Fn::Select, Fn::Split, Fn::FindInMap, Fn::ImportValue) are resolved
// to plausible values (pseudo parameters become 123456789012, us-east-1, aws;
// a resource's Arn attribute becomes an ARN of its type) so that the policy
// can be checked.
//
// It knows nothing of the checks themselves (package validate).
package input
