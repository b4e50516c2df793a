#!/usr/bin/env bash
# The Access Analyzer API with the aws CLI: validate-policy (its findings
# located as AWS locates them, paged), check-no-new-access,
# check-access-not-granted, check-no-public-access, AWS's errors for bad
# input and for a caller without permissions. Run by TestAWSCLIAccessAnalyzer.
set -euo pipefail
export AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
here=$(cd "$(dirname "$0")/../accessanalyzer" && pwd)
aa() { aws --endpoint-url "$IAMGATE_URL" accessanalyzer "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# ValidatePolicy: the aws CLI's own example document; EMPTY_SID_VALUE at
# Statement/0/Sid, line 5 columns 19-21, offsets 79-81.
aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY > findings.json
span=$(aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY \
  --query "findings[?issueCode=='EMPTY_SID_VALUE'].locations[0].span.[start.line,start.column,start.offset,end.column,end.offset]" --output text)
[ "$(echo $span)" = "5 19 79 21 81" ] || fail "span: $span"
path=$(aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY \
  --query "findings[?issueCode=='EMPTY_SID_VALUE'].locations[0].path" --output json | tr -d ' \n')
[ "$path" = '[[{"value":"Statement"},{"index":0},{"value":"Sid"}]]' ] || fail "path: $path"
# Pages of one finding (maxResults, nextToken) add up to the whole.
all=$(aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY --query 'length(findings)' --output text)
paged=$(aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY --page-size 1 --query 'length(findings)' --output json)
[ "$all" = "$paged" ] && [ "$all" -ge 2 ] || fail "pages: $all vs $paged"
aa validate-policy --policy-document "file://$here/cognito-trust.json" --policy-type RESOURCE_POLICY --max-items 1 > first.json
grep -q '"NextToken"' first.json || fail "no NextToken with --max-items 1: $(cat first.json)"
aa validate-policy --policy-document "file://$here/new-policy.json" --policy-type SERVICE_CONTROL_POLICY >/dev/null
aa validate-policy --policy-document "file://$here/bucket-policy.json" --policy-type RESOURCE_POLICY --validate-policy-resource-type AWS::S3::Bucket --locale EN >/dev/null

# CheckNoNewAccess: the aws CLI's example is FAIL for statement 0; the
# other way round, PASS.
[ "$(aa check-no-new-access --existing-policy-document "file://$here/existing-policy.json" --new-policy-document "file://$here/new-policy.json" \
  --policy-type IDENTITY_POLICY --query '[result,reasons[0].statementIndex]' --output text)" = "FAIL	0" ] || fail "check-no-new-access FAIL"
aa check-no-new-access --existing-policy-document "file://$here/new-policy.json" --new-policy-document "file://$here/existing-policy.json" \
  --policy-type IDENTITY_POLICY > pass.json
grep -q '"result": "PASS"' pass.json && grep -q '"message": "The modified permissions grant no new access compared to your existing policy."' pass.json || fail "PASS: $(cat pass.json)"

# CheckAccessNotGranted: the aws CLI's example is PASS.
[ "$(aa check-access-not-granted --policy-document "file://$here/existing-policy.json" --access actions="s3:DeleteBucket","s3:GetBucketLocation" \
  --policy-type IDENTITY_POLICY --query result --output text)" = "PASS" ] || fail "check-access-not-granted PASS"
[ "$(aa check-access-not-granted --policy-document "file://$here/existing-policy.json" --access actions=s3:GetObject,resources=arn:aws:s3:::amzn-s3-demo-bucket/x \
  --policy-type IDENTITY_POLICY --query result --output text)" = "FAIL" ] || fail "check-access-not-granted FAIL"

# CheckNoPublicAccess: the aws CLI's example is PASS; Principal "*" FAIL.
[ "$(aa check-no-public-access --policy-document "file://$here/bucket-policy.json" --resource-type AWS::S3::Bucket --query result --output text)" = "PASS" ] || fail "public PASS"
[ "$(aa check-no-public-access --policy-document "file://$here/public-bucket-policy.json" --resource-type AWS::S3::Bucket --query 'reasons[0].statementId' --output text)" = "PublicRead" ] || fail "public FAIL"

# A policy variable as a whole segment is decided: the home folder grants
# nothing the existing policy does not.
[ "$(aa check-no-new-access --existing-policy-document "file://$here/home-folder-policy.json" --new-policy-document "file://$here/home-folder-policy.json" \
  --policy-type IDENTITY_POLICY --query result --output text)" = "PASS" ] || fail "home folder PASS"
# UNKNOWN (a policy variable inside a longer segment, outside the fragment
# decided) is an error, never a PASS.
if aa check-no-new-access --existing-policy-document "file://$here/existing-policy.json" --new-policy-document "file://$here/home-prefix-policy.json" \
  --policy-type IDENTITY_POLICY >/dev/null 2>err.txt; then fail "UNKNOWN answered"; fi
grep -q "An error occurred (UnprocessableEntityException) when calling the CheckNoNewAccess operation: iamgate could not decide this check (UNKNOWN): " err.txt || fail "UNKNOWN: $(cat err.txt)"

# Bad input: ValidationException, as the botocore model and AWS's request
# validation word it.
if aa validate-policy --policy-document "file://$here/new-policy.json" --policy-type BOUNDARY_POLICY >/dev/null 2>err.txt; then fail "unknown policy type accepted"; fi
grep -q "An error occurred (ValidationException) when calling the ValidatePolicy operation: 1 validation error detected: Value 'BOUNDARY_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: \[IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY\]" err.txt || fail "enum: $(cat err.txt)"
if aa check-no-new-access --existing-policy-document "file://$here/existing-policy.json" --new-policy-document "file://$here/new-policy.json" \
  --policy-type SERVICE_CONTROL_POLICY >/dev/null 2>err.txt; then fail "SCP accepted by check-no-new-access"; fi
grep -q "(ValidationException) when calling the CheckNoNewAccess operation: 1 validation error detected: Value 'SERVICE_CONTROL_POLICY' at 'policyType'" err.txt || fail "SCP: $(cat err.txt)"
if aa check-no-public-access --policy-document '{"Statement":[{"Effect":"Maybe"}]}' --resource-type AWS::S3::Bucket >/dev/null 2>err.txt; then fail "broken policy accepted"; fi
grep -q "(InvalidParameterException) when calling the CheckNoPublicAccess operation: policyDocument is not a valid policy" err.txt || fail "broken: $(cat err.txt)"

# A user without access-analyzer permissions: AccessDeniedException.
aws --endpoint-url "$IAMGATE_URL" --region us-east-1 iam create-user --user-name nobody >/dev/null
read -r ak sk < <(aws --endpoint-url "$IAMGATE_URL" --region us-east-1 iam create-access-key --user-name nobody --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
if AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk aa validate-policy --policy-document "file://$here/new-policy.json" --policy-type IDENTITY_POLICY >/dev/null 2>err.txt; then fail "nobody allowed"; fi
grep -q "An error occurred (AccessDeniedException) when calling the ValidatePolicy operation: User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: access-analyzer:ValidatePolicy on resource: \* because no identity-based policy allows the access-analyzer:ValidatePolicy action" err.txt || fail "denied: $(cat err.txt)"
# A region without Access Analyzer is refused by the signature's scope.
if aa --region mars-1 validate-policy --policy-document "file://$here/new-policy.json" --policy-type IDENTITY_POLICY >/dev/null 2>err.txt; then fail "mars-1 accepted"; fi
grep -q "(InvalidSignatureException) when calling the ValidatePolicy operation: Credential should be scoped to a valid region, not 'mars-1'." err.txt || fail "region: $(cat err.txt)"
echo OK
