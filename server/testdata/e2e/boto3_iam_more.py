"""Service-linked roles, the credential report, the account summary and
GetFederationToken with boto3. Run by TestBoto3IAMMore."""
import csv, io, json, os

import boto3
from botocore.exceptions import ClientError

url = os.environ["IAMGATE_URL"]


def client(service, **creds):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", **creds)


def error_code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise SystemExit("FAIL: %s succeeded" % fn.__name__)


iam = client("iam")

# A service-linked role with a suffix (Auto Scaling takes one), protected
# from ordinary changes.
role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web")["Role"]
assert role["RoleName"] == "AWSServiceRoleForAutoScaling_web", role
assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/", role
code, msg = error_code(iam.put_role_policy, RoleName=role["RoleName"], PolicyName="p",
                       PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
assert code == "UnmodifiableEntity", (code, msg)
code, msg = error_code(iam.create_service_linked_role, AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web")
assert code == "InvalidInput" and "has been taken" in msg, (code, msg)
task = iam.delete_service_linked_role(RoleName=role["RoleName"])["DeletionTaskId"]
assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"

# The credential report: not there, then generated, then read as CSV.
iam.create_user(UserName="ana")
code, _ = error_code(iam.get_credential_report)
assert code == "ReportNotPresent", code
assert iam.generate_credential_report()["State"] in ("STARTED", "COMPLETE")
rep = iam.get_credential_report()
assert rep["ReportFormat"] == "text/csv", rep["ReportFormat"]
rows = list(csv.DictReader(io.StringIO(rep["Content"].decode())))
assert rows[0]["user"] == "<root_account>", rows[0]
ana = [r for r in rows if r["user"] == "ana"][0]
assert ana["arn"] == "arn:aws:iam::123456789012:user/ana" and ana["password_enabled"] == "false", ana

summary = iam.get_account_summary()["SummaryMap"]
assert summary["Users"] == len(iam.list_users()["Users"]), summary
assert summary["UsersQuota"] == 5000, summary

# GetFederationToken: without a session policy the federated user has no
# permissions; with one, only what both allow.
iam.put_user_policy(UserName="ana", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:GetFederationToken", "iam:ListUsers"], "Resource": "*"}]}))
key = iam.create_access_key(UserName="ana")["AccessKey"]
ana_sts = client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
tok = ana_sts.get_federation_token(Name="fed", DurationSeconds=900)
assert tok["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/fed", tok["FederatedUser"]
c = tok["Credentials"]
fed = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
assert client("sts", **fed).get_caller_identity()["Arn"] == tok["FederatedUser"]["Arn"]
code, _ = error_code(client("sts", **fed).get_federation_token, Name="again")
assert code == "AccessDenied", code
print("OK")
