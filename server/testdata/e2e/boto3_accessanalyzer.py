"""The Access Analyzer API with boto3: validate_policy with its paginator,
check_no_new_access, check_access_not_granted, check_no_public_access, the
errors of the botocore model (ValidationException with reason and fieldList,
AccessDeniedException, InvalidParameterException) and a session of
GetSessionToken. Run by TestBoto3AccessAnalyzer."""
import os

import boto3
from botocore.exceptions import ClientError

URL = os.environ["IAMGATE_URL"]
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "accessanalyzer")
aa = boto3.client("accessanalyzer", endpoint_url=URL, region_name="us-west-2")
iam = boto3.client("iam", endpoint_url=URL, region_name="us-east-1")


def doc(name):
    with open(os.path.join(HERE, name)) as f:
        return f.read()


def error(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e
    raise AssertionError("no error from %s" % kw)


# ValidatePolicy, and its paginator (maxResults, nextToken).
found = aa.validate_policy(policyDocument=doc("cognito-trust.json"), policyType="RESOURCE_POLICY")["findings"]
sid = [f for f in found if f["issueCode"] == "EMPTY_SID_VALUE"][0]
assert sid["findingType"] == "SUGGESTION", sid
assert sid["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}], sid
span = sid["locations"][0]["span"]
assert span == {"start": {"line": 5, "column": 19, "offset": 79}, "end": {"line": 5, "column": 21, "offset": 81}}, span
pages = aa.get_paginator("validate_policy").paginate(policyDocument=doc("cognito-trust.json"), policyType="RESOURCE_POLICY",
                                                      PaginationConfig={"PageSize": 1})
paged = [f for p in pages for f in p["findings"]]
assert paged == found, (paged, found)
aa.validate_policy(policyDocument=doc("cognito-trust.json"), policyType="RESOURCE_POLICY",
                   validatePolicyResourceType="AWS::IAM::AssumeRolePolicyDocument", locale="EN")

# The checks.
r = aa.check_no_new_access(existingPolicyDocument=doc("existing-policy.json"), newPolicyDocument=doc("new-policy.json"), policyType="IDENTITY_POLICY")
assert r["result"] == "FAIL" and r["reasons"][0]["statementIndex"] == 0, r
assert r["message"] == "The modified permissions grant new access compared to your existing policy.", r
r = aa.check_no_new_access(existingPolicyDocument=doc("new-policy.json"), newPolicyDocument=doc("existing-policy.json"), policyType="IDENTITY_POLICY")
assert r["result"] == "PASS", r
r = aa.check_access_not_granted(policyDocument=doc("existing-policy.json"), policyType="IDENTITY_POLICY",
                                access=[{"actions": ["s3:DeleteBucket", "s3:GetBucketLocation"]}])
assert r["result"] == "PASS", r
r = aa.check_access_not_granted(policyDocument=doc("existing-policy.json"), policyType="IDENTITY_POLICY",
                                access=[{"resources": ["arn:aws:s3:::amzn-s3-demo-bucket/*"]}])
assert r["result"] == "FAIL", r
assert aa.check_no_public_access(policyDocument=doc("bucket-policy.json"), resourceType="AWS::S3::Bucket")["result"] == "PASS"
r = aa.check_no_public_access(policyDocument=doc("public-bucket-policy.json"), resourceType="AWS::S3::Bucket")
assert r["result"] == "FAIL" and r["reasons"][0]["statementId"] == "PublicRead", r

# UNKNOWN (a policy variable inside a longer segment) is
# UnprocessableEntityException, never a PASS.
e = error(aa.check_no_new_access, existingPolicyDocument=doc("existing-policy.json"), newPolicyDocument=doc("home-prefix-policy.json"),
          policyType="IDENTITY_POLICY")
assert isinstance(e, aa.exceptions.UnprocessableEntityException) and e.response["ResponseMetadata"]["HTTPStatusCode"] == 422, e.response
assert "(UNKNOWN)" in e.response["Error"]["Message"], e.response

# Errors, as the botocore model has them.
e = error(aa.validate_policy, policyDocument="{}", policyType="PERMISSIONS_BOUNDARY")
assert e.response["Error"]["Code"] == "ValidationException" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
assert e.response["reason"] == "fieldValidationFailed", e.response
assert e.response["fieldList"] == [{"name": "policyType", "message": "Member must satisfy enum value set: "
                                    "[IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]"}], e.response
assert isinstance(e, aa.exceptions.ValidationException)
e = error(aa.check_no_new_access, existingPolicyDocument="{}", newPolicyDocument="{}", policyType="RESOURCE_CONTROL_POLICY")
assert isinstance(e, aa.exceptions.ValidationException) and e.response["reason"] == "fieldValidationFailed", e.response
e = error(aa.check_access_not_granted, policyDocument=doc("existing-policy.json"), policyType="IDENTITY_POLICY", access=[{"actions": ["GetObject"]}])
assert isinstance(e, aa.exceptions.InvalidParameterException), e.response

# A user allowed only ValidatePolicy, and its GetSessionToken session.
iam.create_user(UserName="validator")
iam.put_user_policy(UserName="validator", PolicyName="p", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                    '"Action":["access-analyzer:ValidatePolicy","sts:GetSessionToken"],"Resource":"*"}]}')
key = iam.create_access_key(UserName="validator")["AccessKey"]
creds = boto3.client("sts", endpoint_url=URL, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                     aws_secret_access_key=key["SecretAccessKey"]).get_session_token()["Credentials"]
user = boto3.client("accessanalyzer", endpoint_url=URL, region_name="eu-west-1", aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
user.validate_policy(policyDocument=doc("new-policy.json"), policyType="IDENTITY_POLICY")
e = error(user.check_no_public_access, policyDocument=doc("bucket-policy.json"), resourceType="AWS::S3::Bucket")
assert isinstance(e, user.exceptions.AccessDeniedException) and e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
assert "is not authorized to perform: access-analyzer:CheckNoPublicAccess" in e.response["Error"]["Message"], e.response
print("OK")
