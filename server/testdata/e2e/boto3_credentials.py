"""Console passwords and a virtual MFA device with boto3; the TOTP codes are
computed here from the seed, as an authenticator application would. Run by
TestBoto3Credentials."""
import base64, hashlib, hmac, os, struct, time

import boto3
from botocore.exceptions import ClientError

url = os.environ["IAMGATE_URL"]


def client(service, **creds):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", **creds)


def totp(seed, offset):
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + offset), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def error_code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise SystemExit("FAIL: %s succeeded" % fn.__name__)


iam = client("iam")
iam.create_user(UserName="ops")
key = iam.create_access_key(UserName="ops")["AccessKey"]
ops = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])

# No policy: IAM's default (8 characters, three kinds).
code, msg = error_code(iam.create_login_profile, UserName="ops", Password="alllowercase")
assert code == "PasswordPolicyViolation", (code, msg)
iam.create_login_profile(UserName="ops", Password="Default-0k")
assert iam.get_login_profile(UserName="ops")["LoginProfile"]["UserName"] == "ops"
code, _ = error_code(iam.get_account_password_policy)
assert code == "NoSuchEntity", code

dev = iam.create_virtual_mfa_device(VirtualMFADeviceName="ops-phone")["VirtualMFADevice"]
serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
assert dev["QRCodePNG"][1:4] == b"PNG"
iam.enable_mfa_device(UserName="ops", SerialNumber=serial, AuthenticationCode1=totp(seed, -1), AuthenticationCode2=totp(seed, 0))
assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
assert [d["SerialNumber"] for d in assigned] == [serial], assigned

sts = client("sts", **ops)
creds = sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, 1))["Credentials"]
who = client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
             aws_session_token=creds["SessionToken"]).get_caller_identity()
assert who["Arn"].endswith(":user/ops"), who
code, msg = error_code(sts.get_session_token, SerialNumber=serial, TokenCode=totp(seed, 1))
assert code == "AccessDenied" and "invalid MFA one time pass code" in msg, (code, msg)

iam.deactivate_mfa_device(UserName="ops", SerialNumber=serial)
iam.delete_virtual_mfa_device(SerialNumber=serial)
iam.delete_login_profile(UserName="ops")
print("OK")
