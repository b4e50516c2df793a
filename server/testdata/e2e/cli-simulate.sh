#!/usr/bin/env bash
# Simulating a group with the aws CLI; session policies in a simulation and
# the decision API with curl's own SigV4 signing (--aws-sigv4), the way a
# script without an SDK calls them. Run by TestCLISimulateAndDecide.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
iam() { aws --endpoint-url "$IAMGATE_URL" iam "$@"; }
signed() { curl -sS --fail-with-body --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
account=$(aws --endpoint-url "$IAMGATE_URL" sts get-caller-identity --query Account --output text)

# A group's policies, simulated by the group's ARN.
iam create-group --group-name analysts --path /data/ >/dev/null
iam put-group-policy --group-name analysts --policy-name read-reports \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}'
got=$(iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$account:group/data/analysts" \
  --action-names s3:GetObject s3:PutObject --resource-arns arn:aws:s3:::reports/q1.csv \
  --query 'EvaluationResults[].[EvalActionName,EvalDecision,MatchedStatements[0].SourcePolicyType]' --output text | tr '\t\n' ' ')
[ "$got" = "s3:GetObject allowed group s3:PutObject implicitDeny None " ] || fail "group simulation: $got"

# A role session limited by a session policy (iamgate's SessionPolicyInputList).
iam create-role --role-name etl --assume-role-policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$account:root\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
iam put-role-policy --role-name etl --policy-name s3 \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
signed "$IAMGATE_URL/" --data-urlencode Action=SimulatePrincipalPolicy --data-urlencode Version=2010-05-08 \
  --data-urlencode "PolicySourceArn=arn:aws:sts::$account:assumed-role/etl/nightly" \
  --data-urlencode ActionNames.member.1=s3:GetObject --data-urlencode ActionNames.member.2=s3:DeleteObject \
  --data-urlencode 'SessionPolicyInputList.member.1={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}' > session.xml
got=$(grep -o '<EvalDecision>[^<]*' session.xml | sed 's/<EvalDecision>//' | tr '\n' ' ')
[ "$got" = "allowed implicitDeny " ] || fail "session policy simulation: $(cat session.xml)"

# The decision API: one question and a batch.
signed -H 'Content-Type: application/json' "$IAMGATE_URL/v1/authorize" \
  -d "{\"principal\":\"arn:aws:iam::$account:role/etl\",\"action\":\"s3:PutObject\",\"resource\":\"arn:aws:s3:::reports/q1.csv\"}" > one.json
grep -q '"decision":"Allowed"\|"decision":"allowed"' one.json || fail "decision: $(head -c 400 one.json)"
signed -H 'Content-Type: application/json' "$IAMGATE_URL/v1/authorize" \
  -d "{\"requests\":[{\"principal\":\"arn:aws:iam::$account:role/etl\",\"action\":\"s3:GetObject\",\"resource\":\"*\"},{\"principal\":\"arn:aws:iam::$account:role/etl\",\"action\":\"sqs:SendMessage\",\"resource\":\"*\"}]}" > batch.json
python3 -c 'import json,sys; r=[x["decision"] for x in json.load(open("batch.json"))["results"]]; sys.exit(0 if len(r)==2 and r[0]!=r[1] else "batch: %s" % r)'
# Unsigned, it is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$IAMGATE_URL/v1/authorize" -d '{}')
[ "$code" = 403 ] || fail "unsigned decision request: $code"
echo OK
