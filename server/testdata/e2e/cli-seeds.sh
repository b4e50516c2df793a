#!/usr/bin/env bash
# The seeds' flows with the real aws CLI, unchanged but for the endpoint.
# Run by TestAWSCLI with IAMGATE_URL and the administrator's key in the
# environment, in a scratch directory.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
iam() { aws --endpoint-url "$IAMGATE_URL" iam "$@"; }
sts() { aws --endpoint-url "$IAMGATE_URL" sts "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# denied runs a command that must fail with an error code.
denied() {
  local code=$1; shift
  if "$@" >out.txt 2>err.txt; then fail "$* succeeded; want $code"; fi
  grep -q "($code)" err.txt || fail "$*: want $code, got: $(cat err.txt)"
}

acct=$(sts get-caller-identity --query Account --output text)
[ "$acct" = 123456789012 ] || fail "account $acct"

# Seed 004: StageRole, trusted by the account, assumed by a staging admin.
cat > trust.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$acct:root"},"Action":"sts:AssumeRole"}]}
EOF
cat > read.json <<'EOF'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","iam:ListRoles"],"Resource":"*"}]}
EOF
iam create-role --role-name StageRole --assume-role-policy-document file://trust.json >/dev/null
iam put-role-policy --role-name StageRole --policy-name read --policy-document file://read.json
iam tag-role --role-name StageRole --tags Key=env,Value=staging
[ "$(iam list-role-tags --role-name StageRole --query 'Tags[0].Value' --output text)" = staging ] || fail "role tag"
iam create-user --user-name StageAdmin --tags Key=team,Value=platform >/dev/null
[ "$(iam get-user --user-name StageAdmin --query 'User.Tags[0].Key' --output text)" = team ] || fail "user tag"
cat > assume.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::$acct:role/StageRole"}]}
EOF
iam put-user-policy --user-name StageAdmin --policy-name assume --policy-document file://assume.json
read -r key secret < <(iam create-access-key --user-name StageAdmin --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)

# A profile of temporary credentials: the CLI assumes the role itself.
mkdir -p aws
cat > aws/credentials <<EOF
[stage-admin]
aws_access_key_id = $key
aws_secret_access_key = $secret
EOF
cat > aws/config <<EOF
[profile stage-admin]
region = us-east-1
[profile stage]
role_arn = arn:aws:iam::$acct:role/StageRole
source_profile = stage-admin
role_session_name = stage-session
region = us-east-1
EOF
export AWS_SHARED_CREDENTIALS_FILE=$PWD/aws/credentials AWS_CONFIG_FILE=$PWD/aws/config
arn=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="$IAMGATE_URL" aws --profile stage sts get-caller-identity --query Arn --output text)
[ "$arn" = "arn:aws:sts::$acct:assumed-role/StageRole/stage-session" ] || fail "profile identity $arn"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="$IAMGATE_URL" aws --profile stage iam list-roles --query 'Roles[].RoleName' --output text | grep -q StageRole || fail "list-roles as the role"
denied AccessDenied env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="$IAMGATE_URL" aws --profile stage iam create-user --user-name nope

# sts assume-role by hand, credentials exported as a shell would.
read -r ak sk tok < <(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY aws --endpoint-url "$IAMGATE_URL" --profile stage-admin sts assume-role \
  --role-arn "arn:aws:iam::$acct:role/StageRole" --role-session-name by-hand --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
arn=$(AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$tok sts get-caller-identity --query Arn --output text)
[ "$arn" = "arn:aws:sts::$acct:assumed-role/StageRole/by-hand" ] || fail "exported identity $arn"
denied ValidationError sts assume-role --role-arn "arn:aws:iam::$acct:role/StageRole" --role-session-name "bad name"

# The boundary delegation: MyTestApp* roles only with the boundary.
cat > boundary.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:eu-central-1:$acct:table/MyTestApp_DDB_Table"}]}
EOF
bnd=$(iam create-policy --policy-name DynamoDB_Boundary_Frankfurt --policy-document file://boundary.json --query Policy.Arn --output text)
cat > employee.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateRole","iam:AttachRolePolicy"],"Resource":"arn:aws:iam::$acct:role/MyTestApp*","Condition":{"StringEquals":{"iam:PermissionsBoundary":"$bnd"}}}]}
EOF
iam create-user --user-name employee >/dev/null
iam put-user-policy --user-name employee --policy-name delegate --policy-document file://employee.json
read -r ek es < <(iam create-access-key --user-name employee --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
as_employee() { AWS_ACCESS_KEY_ID=$ek AWS_SECRET_ACCESS_KEY=$es "$@"; }
as_employee iam create-role --role-name MyTestAppRole --assume-role-policy-document file://trust.json --permissions-boundary "$bnd" >/dev/null
denied AccessDenied as_employee iam create-role --role-name MyTestAppRole2 --assume-role-policy-document file://trust.json
grep -q "because no identity-based policy allows the iam:CreateRole action" err.txt || fail "denial message: $(cat err.txt)"
# The administrator decodes the denial's encoded message into its explanation.
enc=$(sed -n 's/.*Encoded authorization failure message: //p' err.txt | tr -d '\n')
sts decode-authorization-message --encoded-message "$enc" --query DecodedMessage --output text > decoded.json
grep -q '"action":"iam:CreateRole"' decoded.json || fail "decoded: $(cat decoded.json)"
grep -q '"reason":' decoded.json || fail "decoded without explanation: $(cat decoded.json)"

# Errors the CLI shows as AWS's.
denied NoSuchEntity iam get-role --role-name nobody
denied EntityAlreadyExists iam create-user --user-name employee
echo '{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}' > bad.json
denied MalformedPolicyDocument iam put-role-policy --role-name StageRole --policy-name bad --policy-document file://bad.json

# The delegation checked by simulation before anyone tries it.
d=$(iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$acct:user/employee" --action-names iam:CreateRole \
  --resource-arns "arn:aws:iam::$acct:role/MyTestAppRole9" --context-entries "ContextKeyName=iam:PermissionsBoundary,ContextKeyValues=$bnd,ContextKeyType=string" \
  --query 'EvaluationResults[0].EvalDecision' --output text)
[ "$d" = allowed ] || fail "simulated delegation: $d"
d=$(iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$acct:user/employee" --action-names iam:CreateRole \
  --resource-arns "arn:aws:iam::$acct:role/MyTestAppRole9" --query 'EvaluationResults[0].EvalDecision' --output text)
[ "$d" = implicitDeny ] || fail "simulated delegation without the boundary: $d"

# The access-advisor walkthrough: list the roles, generate a report for
# each, poll it, read it. StageRole listed roles through the profile above.
for arn in $(iam list-roles --query 'Roles[].Arn' --output text); do
  job=$(iam generate-service-last-accessed-details --arn "$arn" --query JobId --output text)
  [ "$(iam get-service-last-accessed-details --job-id "$job" --query JobStatus --output text)" = COMPLETED ] || fail "job for $arn"
  if [ "$arn" = "arn:aws:iam::$acct:role/StageRole" ]; then
    last=$(iam get-service-last-accessed-details --job-id "$job" --query "ServicesLastAccessed[?ServiceNamespace=='iam'].LastAuthenticated" --output text)
    case "$last" in 20*) ;; *) fail "StageRole's last IAM access: $last" ;; esac
    iam get-service-last-accessed-details --job-id "$job" --query "ServicesLastAccessed[].ServiceNamespace" --output text | grep -qw s3 || fail "s3 not in StageRole's report"
    never=$(iam get-service-last-accessed-details --job-id "$job" --query "ServicesLastAccessed[?ServiceNamespace=='s3'].LastAuthenticated" --output text)
    [ -z "$never" ] || [ "$never" = None ] || fail "StageRole never used S3 here, got $never"
  fi
done
echo OK
