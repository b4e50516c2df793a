// Package organizations implements the AWS Organizations operations that
// shape a multi-account world (the JSON protocol, X-Amz-Target
// AWSOrganizationsV20161128.*): the organization and its root, OUs,
// accounts (CreateAccount adds the OrganizationAccountAccessRole the
// management account assumes), and service and resource control policies
// with their attachments, trusted access for AWS services, delegated
// administrators and the organization's resource policy, by which member
// accounts are authorized (delegation.go), and handshakes: invitations of
// accounts outside the organization and the process of enabling all
// features (handshakes.go). Changes go through
// api.State.UpdateWorld, so SCPs and RCPs take effect on the next request.
// Shapes and errors follow the botocore model organizations/2016-11-28.
package organizations
