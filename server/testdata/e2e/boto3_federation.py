"""Web identity and SAML federation with boto3, as a GitHub Actions workflow uses
it: the OIDC provider and a role that trusts it for one repository, then
AssumeRoleWithWebIdentity with no AWS credentials at all (boto3 sends it
unsigned). The issuer runs on loopback in the Go test, which signs the
tokens with its own key pair and passes them here. Run by
TestBoto3Federation."""
import os

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

url = os.environ["IAMGATE_URL"]
issuer = os.environ["IAMGATE_OIDC_ISSUER"]
host = issuer[len("https://"):]
account = "123456789012"
provider_arn = "arn:aws:iam::%s:oidc-provider/%s" % (account, host)


def client(service, **creds):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", **creds)


def error_code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise SystemExit("FAIL: %s succeeded" % fn.__name__)


iam = client("iam")
out = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"],
                                          ThumbprintList=[os.environ["IAMGATE_OIDC_THUMBPRINT"]])
assert out["OpenIDConnectProviderArn"] == provider_arn, out
got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
assert got["Url"] == host and got["ClientIDList"] == ["sts.amazonaws.com"], got
arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
assert arns == [provider_arn], arns

trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"%s"},
 "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"%s:aud":"sts.amazonaws.com"},
 "StringLike":{"%s:sub":"repo:org/repo:*"}}}]}""" % (provider_arn, host, host)
iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName="deploy", PolicyName="p", PolicyDocument="""{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:FederatedProvider":"%s"}}}]}""" % provider_arn)
role_arn = "arn:aws:iam::%s:role/deploy" % account

saml_arn = "arn:aws:iam::%s:saml-provider/corp" % account
out = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=os.environ["IAMGATE_SAML_METADATA"])
assert out["SAMLProviderArn"] == saml_arn, out
iam.create_role(RoleName="sso", AssumeRolePolicyDocument="""{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Federated":"%s"},"Action":"sts:AssumeRoleWithSAML",
 "Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml"}}}]}""" % saml_arn)

# From here on there are no AWS credentials: the token is the credential.
for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(k, None)
anon = boto3.session.Session().client("sts", endpoint_url=url, region_name="us-east-1")

res = anon.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="gha",
                                         WebIdentityToken=os.environ["IAMGATE_OIDC_TOKEN"], DurationSeconds=900)
assert res["SubjectFromWebIdentityToken"] == "repo:org/repo:ref:refs/heads/main", res
assert res["Provider"] == provider_arn and res["Audience"] == "sts.amazonaws.com", res
assert res["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/deploy/gha" % account, res
c = res["Credentials"]
sess = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
assert client("sts", **sess).get_caller_identity()["Arn"] == res["AssumedRoleUser"]["Arn"]
# The session carries aws:FederatedProvider: the role's policy lets it list roles.
client("iam", **sess).list_roles()
code, msg = error_code(client("iam", **sess).list_users)
assert code == "AccessDenied", (code, msg)

code, msg = error_code(anon.assume_role_with_web_identity, RoleArn=role_arn, RoleSessionName="gha",
                       WebIdentityToken=os.environ["IAMGATE_OIDC_TOKEN_OTHER_REPO"])
assert (code, msg) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"), (code, msg)
code, msg = error_code(anon.assume_role_with_web_identity, RoleArn=role_arn, RoleSessionName="gha",
                       WebIdentityToken=os.environ["IAMGATE_OIDC_TOKEN_EXPIRED"])
assert code == "ExpiredTokenException" and msg.startswith("Token expired: current date/time "), (code, msg)
code, msg = error_code(anon.assume_role_with_web_identity, RoleArn=role_arn, RoleSessionName="gha",
                       WebIdentityToken=os.environ["IAMGATE_OIDC_TOKEN_FORGED"])
assert code == "InvalidIdentityToken", (code, msg)
res = anon.assume_role_with_saml(RoleArn="arn:aws:iam::%s:role/sso" % account, PrincipalArn=saml_arn,
                                 SAMLAssertion=os.environ["IAMGATE_SAML_RESPONSE"])
assert res["Subject"] == "alice" and res["SubjectType"] == "persistent", res
assert res["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/sso/alice" % account, res
code, msg = error_code(anon.assume_role_with_saml, RoleArn="arn:aws:iam::%s:role/sso" % account, PrincipalArn=saml_arn,
                       SAMLAssertion=os.environ["IAMGATE_SAML_TAMPERED"])
assert code == "InvalidIdentityToken", (code, msg)

# Nothing else is served unsigned.
unsigned = boto3.session.Session().client("sts", endpoint_url=url, region_name="us-east-1",
                                          config=Config(signature_version=UNSIGNED))
code, msg = error_code(unsigned.get_caller_identity)
assert code == "MissingAuthenticationToken", (code, msg)
print("OK")
