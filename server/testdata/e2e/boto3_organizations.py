"""An organization with boto3: OUs, an account, an SCP; a member denied
outside eu-central-1 and the denial decoded. Run by TestBoto3Organizations."""
import json
import os

import boto3
from botocore.exceptions import ClientError

URL = os.environ["IAMGATE_URL"]
org = boto3.client("organizations", endpoint_url=URL, region_name="us-east-1")
sts = boto3.client("sts", endpoint_url=URL, region_name="us-east-1")

org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
ou = org.create_organizational_unit(ParentId=root, Name="Sandbox")["OrganizationalUnit"]["Id"]
member = org.create_account(Email="sandbox@example.com", AccountName="sandbox")["CreateAccountStatus"]["AccountId"]
org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
scp = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyOutsideFrankfurt", "Effect": "Deny", "NotAction": ["sts:*"], "Resource": "*",
       "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-central-1"}}}]}
pid = org.create_policy(Name="frankfurt-only", Type="SERVICE_CONTROL_POLICY", Description="", Content=json.dumps(scp))["Policy"]["PolicySummary"]["Id"]
try:
    org.attach_policy(PolicyId=pid, TargetId=ou)
    raise AssertionError("attached before the policy type was enabled")
except ClientError as e:
    assert e.response["Error"]["Code"] == "PolicyTypeNotEnabledException", e
org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
org.attach_policy(PolicyId=pid, TargetId=ou)
names = [p["Name"] for p in org.list_policies_for_target(TargetId=ou, Filter="SERVICE_CONTROL_POLICY")["Policies"]]
assert names == ["FullAWSAccess", "frankfurt-only"], names

creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="boto3")["Credentials"]
keys = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
try:
    boto3.client("iam", endpoint_url=URL, region_name="us-east-1", **keys).list_roles()
    raise AssertionError("list_roles outside eu-central-1 succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e
    message = e.response["Error"]["Message"]
assert "explicit deny in a service control policy" in message, message
# IAM is global (us-east-1): signed for eu-central-1 it is refused, as by AWS.
try:
    boto3.client("iam", endpoint_url=URL, region_name="eu-central-1", **keys).list_roles()
    raise AssertionError("IAM signed for eu-central-1 accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e
    assert "Credential should be scoped to a valid region, not 'eu-central-1'" in e.response["Error"]["Message"], e
encoded = message.split("Encoded authorization failure message: ")[1]
decoded = json.loads(boto3.client("sts", endpoint_url=URL, region_name="eu-central-1", **keys)
                     .decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
assert decoded["explicitDeny"] and decoded["explanation"]["decidedBy"]["layer"] == "scp", decoded
print("OK")
