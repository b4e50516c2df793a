#!/usr/bin/env bash
# Service-linked roles, the credential report, the account summary, SSH
# public keys, server certificates, service-specific credentials and
# GetFederationToken with the aws CLI. Run by TestAWSCLIIAMMore.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
iam() { aws --endpoint-url "$IAMGATE_URL" iam "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# A service-linked role: its path, its trust and its policy are the
# service's; ordinary calls cannot change it; it is deleted by a task.
arn=$(iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com --query Role.Arn --output text)
[ "$arn" = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" ] || fail "role arn $arn"
[ "$(iam list-attached-role-policies --role-name AWSServiceRoleForAutoScaling --query 'AttachedPolicies[0].PolicyName' --output text)" = AutoScalingServiceRolePolicy ] || fail "policy"
if iam delete-role --role-name AWSServiceRoleForAutoScaling 2>err.txt; then fail "deleted a service-linked role with DeleteRole"; fi
grep -q UnmodifiableEntity err.txt || fail "protected: $(cat err.txt)"
if iam create-role --role-name r --path /aws-service-role/x/ --assume-role-policy-document '{"Version":"2012-10-17","Statement":[]}' 2>err.txt; then fail "a role under /aws-service-role/"; fi
grep -q "can only be used for AWS Service linked Roles" err.txt || fail "reserved path: $(cat err.txt)"
task=$(iam delete-service-linked-role --role-name AWSServiceRoleForAutoScaling --query DeletionTaskId --output text)
[ "$(iam get-service-linked-role-deletion-status --deletion-task-id "$task" --query Status --output text)" = SUCCEEDED ] || fail "deletion status"

# SSH public keys.
ssh-keygen -q -t rsa -b 2048 -N "" -f key >/dev/null
iam create-user --user-name dev >/dev/null
kid=$(iam upload-ssh-public-key --user-name dev --ssh-public-key-body file://key.pub --query SSHPublicKey.SSHPublicKeyId --output text)
[ "$(iam get-ssh-public-key --user-name dev --ssh-public-key-id "$kid" --encoding PEM --query 'SSHPublicKey.SSHPublicKeyBody' --output text | head -1)" = "-----BEGIN PUBLIC KEY-----" ] || fail "PEM encoding"
if iam delete-user --user-name dev 2>err.txt; then fail "deleted a user with an SSH key"; fi
grep -q DeleteConflict err.txt || fail "conflict: $(cat err.txt)"
iam delete-ssh-public-key --user-name dev --ssh-public-key-id "$kid"

# A server certificate: the key must match; it is never returned.
openssl req -x509 -newkey rsa:2048 -nodes -keyout srv.key -out srv.crt -days 2 -subj /CN=www.example.test 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=other.example.test 2>/dev/null
if iam upload-server-certificate --server-certificate-name web --certificate-body file://srv.crt --private-key file://other.key 2>err.txt; then fail "a mismatched key"; fi
grep -q KeyPairMismatch err.txt || fail "mismatch: $(cat err.txt)"
iam upload-server-certificate --server-certificate-name web --path /cloudfront/ --certificate-body file://srv.crt --private-key file://srv.key >/dev/null
[ "$(iam list-server-certificates --path-prefix /cloudfront/ --query 'ServerCertificateMetadataList[0].ServerCertificateName' --output text)" = web ] || fail "list"
iam get-server-certificate --server-certificate-name web > got.json
if grep -q "PRIVATE KEY" got.json; then fail "the private key was returned"; fi
iam delete-server-certificate --server-certificate-name web

# A service-specific credential: the password only once.
pw=$(iam create-service-specific-credential --user-name dev --service-name codecommit.amazonaws.com --query ServiceSpecificCredential.ServicePassword --output text)
[ -n "$pw" ] || fail "no service password"
if iam list-service-specific-credentials --user-name dev | grep -q "$pw"; then fail "the password was listed"; fi

# The account summary and the credential report.
[ "$(iam get-account-summary --query SummaryMap.Users --output text)" = "$(iam list-users --query 'length(Users)' --output text)" ] || fail "summary users"
iam generate-credential-report >/dev/null
iam get-credential-report --query Content --output text | base64 -d > report.csv
head -1 report.csv | grep -q "^user,arn,user_creation_time,password_enabled," || fail "report header: $(head -1 report.csv)"
grep -q "^<root_account>," report.csv || fail "no root row"
grep -q "^dev,arn:aws:iam::123456789012:user/dev," report.csv || fail "no dev row"

# GetFederationToken: the session policy limits the federated user.
iam put-user-policy --user-name dev --policy-name all --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:GetUser"],"Resource":"*"}]}'
read -r ak sk < <(iam create-access-key --user-name dev --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
read -r fak fsk ftok farn < <(AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk aws --endpoint-url "$IAMGATE_URL" sts get-federation-token --name fed \
  --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}' \
  --query '[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken,FederatedUser.Arn]' --output text)
[ "$farn" = "arn:aws:sts::123456789012:federated-user/fed" ] || fail "federated arn $farn"
[ "$(AWS_ACCESS_KEY_ID=$fak AWS_SECRET_ACCESS_KEY=$fsk AWS_SESSION_TOKEN=$ftok aws --endpoint-url "$IAMGATE_URL" sts get-caller-identity --query Arn --output text)" = "$farn" ] || fail "caller identity"
if AWS_ACCESS_KEY_ID=$fak AWS_SECRET_ACCESS_KEY=$fsk AWS_SESSION_TOKEN=$ftok aws --endpoint-url "$IAMGATE_URL" iam get-user --user-name dev 2>err.txt; then fail "a federated user called IAM"; fi
grep -q InvalidClientTokenId err.txt || fail "federated IAM: $(cat err.txt)"
echo OK
