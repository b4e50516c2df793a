#!/usr/bin/env bash
# The seed's pipeline walkthrough with real clients, as Alice, the sandbox
# account's administrator: curl (--aws-sigv4) uploads policy.zip to the
# pipeline's HTTP API; the aws CLI reads the created policy back with
# get-policy-version, the central denies appended. Run by TestPipelineWithCLI.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
fail() { echo "FAIL: $*" >&2; exit 1; }
signed() { curl -sS --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }

# The seed's policy.zip: metadata.json and policy.json.
cp "$EXAMPLE/submissions/ec2-run-team-a/metadata.json" "$EXAMPLE/submissions/ec2-run-team-a/policy.json" .
python3 -m zipfile -c policy.zip metadata.json policy.json
signed -H 'Content-Type: application/zip' --data-binary @policy.zip "$IAMGATE_URL/v1/pipeline/submissions" > created.json
python3 - <<'PY' || fail "submission: $(cat created.json)"
import json
r = json.load(open("created.json"))
assert r["status"] == "created", r
assert r["policyArn"] == "arn:aws:iam::444444444444:policy/Ec2RunTeamA", r
open("id", "w").write(r["id"])
PY

version=$(aws --endpoint-url "$IAMGATE_URL" iam get-policy --policy-arn arn:aws:iam::444444444444:policy/Ec2RunTeamA --query Policy.DefaultVersionId --output text)
aws --endpoint-url "$IAMGATE_URL" iam get-policy-version --policy-arn arn:aws:iam::444444444444:policy/Ec2RunTeamA \
  --version-id "$version" --query PolicyVersion.Document --output json > document.json
python3 - <<'PY' || fail "created document: $(cat document.json)"
import json
d = json.load(open("document.json"))
sids = [s.get("Sid") for s in d["Statement"]]
assert sids == ["EC2Run", "CentralDenyDenyNonT2Instances", "CentralDenyDenySecurityTooling"], sids
assert d["Statement"][1]["Effect"] == "Deny"
PY

# "*" on "*" is rejected with the seed's message, and nothing is created.
signed -H 'Content-Type: application/json' "$IAMGATE_URL/v1/pipeline/submissions" \
  -d '{"policyName":"AllTheThings","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}' > rejected.json
grep -q '"status":"rejected"' rejected.json || fail "star-star: $(cat rejected.json)"
grep -q 'Policy creation request rejected: \* permissions not allowed in both actions and resources' rejected.json || fail "message: $(cat rejected.json)"
if aws --endpoint-url "$IAMGATE_URL" iam get-policy --policy-arn arn:aws:iam::444444444444:policy/AllTheThings >/dev/null 2>err.txt; then fail "AllTheThings exists"; fi
grep -q NoSuchEntity err.txt || fail "get-policy: $(cat err.txt)"

# The submission's history.
signed "$IAMGATE_URL/v1/pipeline/submissions/$(cat id)" > history.json
grep -q '"status":"created"' history.json || fail "history: $(cat history.json)"
echo OK
