#!/usr/bin/env bash
# The analysis API with curl's own SigV4 signing (--aws-sigv4), as the
# README's example calls it. Run by TestAnalysisWithCurl over
# testdata/analysis/world.yaml, as account A's analyst.
set -euo pipefail
signed() { curl -sS --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'Content-Type: application/json' "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

signed "$IAMGATE_URL/v1/analysis/who-can" \
  -d '{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-a/reports/q1.csv","transitive":true}' > who.json
python3 - <<'PY' || fail "who-can: $(head -c 600 who.json)"
import json
r = sorted(x["principal"] for x in json.load(open("who.json"))["results"])
assert r == ["arn:aws:iam::111111111111:role/app", "arn:aws:iam::111111111111:user/reader"], r
PY

signed "$IAMGATE_URL/v1/analysis/can" -d '{"principal":"arn:aws:iam::111111111111:user/reader","services":["s3"]}' > can.json
grep -q '"action":"s3:GetObject"' can.json || fail "can: $(head -c 600 can.json)"

signed "$IAMGATE_URL/v1/analysis/allowed-if" -d '{"unknown":["aws:MultiFactorAuthPresent"],"document":{
  "principal":"arn:aws:iam::111111111111:user/x","action":"ec2:TerminateInstances",
  "resource":"arn:aws:ec2:us-east-1:111111111111:instance/i-1",
  "policies":{"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*",
    "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}]}}}' > if.json
grep -q '"operator":"Bool"' if.json || fail "allowed-if: $(head -c 600 if.json)"

# Another caller, without the permissions: AccessDenied, 403.
code=$(curl -s -o denied.json -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:iam" --user "$NOBODY_KEY" \
  -H 'Content-Type: application/json' "$IAMGATE_URL/v1/analysis/can" -d '{"principal":"arn:aws:iam::111111111111:user/reader"}')
[ "$code" = 403 ] && grep -q '"code":"AccessDenied"' denied.json || fail "unauthorized caller: $code $(cat denied.json)"
# Unsigned, it is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$IAMGATE_URL/v1/analysis/can" -d '{}')
[ "$code" = 403 ] || fail "unsigned: $code"
echo OK
