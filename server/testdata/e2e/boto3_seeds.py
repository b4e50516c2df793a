"""The seeds' flows with boto3, unchanged but for endpoint_url.

Run by TestBoto3 with IAMGATE_URL and the administrator's key in the
environment.
"""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

URL = os.environ["IAMGATE_URL"]
iam = boto3.client("iam", endpoint_url=URL, region_name="us-east-1")
sts = boto3.client("sts", endpoint_url=URL, region_name="us-east-1")


def expect_error(code, status, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), f"{fn.__name__}: got {got}, want {(code, status)}: {e}"
        return e.response["Error"]["Message"]
    raise AssertionError(f"{fn.__name__} succeeded; want {code}")


acct = sts.get_caller_identity()["Account"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="Boto3Role", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "team", "Value": "red"}])["Role"]
# boto3 decodes the URL-encoded document into a dict, as with AWS.
assert role["AssumeRolePolicyDocument"] == trust, role["AssumeRolePolicyDocument"]
iam.put_role_policy(RoleName="Boto3Role", PolicyName="abac", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*",
                   "Condition": {"StringEquals": {"iam:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]}))
iam.create_role(RoleName="BlueRole", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "team", "Value": "blue"}])
creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="boto3")["Credentials"]
session = boto3.client("iam", endpoint_url=URL, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
# ABAC: the role (team=red) may read roles of its own team only.
session.get_role(RoleName="Boto3Role")
msg = expect_error("AccessDenied", 403, session.get_role, RoleName="BlueRole")
assert "assumed-role/Boto3Role/boto3 is not authorized to perform: iam:GetRole" in msg, msg

paginator = iam.get_paginator("list_roles")
names = [r["RoleName"] for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for r in page["Roles"]]
assert names == ["BlueRole", "Boto3Role"], names
expect_error("NoSuchEntity", 404, iam.get_user, UserName="nobody")
expect_error("ValidationError", 400, iam.create_user, UserName="bad/name")
expect_error("DeleteConflict", 409, iam.delete_role, RoleName="Boto3Role")
details = iam.get_account_authorization_details()
assert {r["RoleName"] for r in details["RoleDetailList"]} == {"Boto3Role", "BlueRole"}
# Simulation: the ABAC role's policy, with and without the tag it needs.
sim = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["iam:GetRole"],
                                    ResourceArns=["arn:aws:iam::%s:role/BlueRole" % acct])["EvaluationResults"][0]
assert sim["EvalDecision"] == "implicitDeny", sim
custom = iam.simulate_custom_policy(PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})],
    ActionNames=["s3:GetObject"], ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"], "ContextKeyType": "ip"}])
assert custom["EvaluationResults"][0]["EvalDecision"] == "allowed", custom
assert custom["EvaluationResults"][0]["MatchedStatements"][0]["StartPosition"]["Line"] == 1, custom
print("OK")
sys.exit(0)
