#!/usr/bin/env bash
# Access Analyzer analyzers with the aws CLI, as a CI job would use them: a
# role trusting another account (created through IAM), an ACCOUNT analyzer,
# its finding listed, filtered, archived by a rule and resolved by a new
# trust policy. Run by TestAWSCLIAnalyzers.
set -euo pipefail
export AWS_DEFAULT_REGION=eu-west-1 AWS_PAGER=""
aa() { aws --endpoint-url "$IAMGATE_URL" accessanalyzer "$@"; }
iam() { aws --endpoint-url "$IAMGATE_URL" --region us-east-1 iam "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

iam create-role --role-name vendor --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"v-42"}}}]}' >/dev/null
arn=$(aa create-analyzer --analyzer-name external --type ACCOUNT --query arn --output text)
case "$arn" in arn:aws:access-analyzer:eu-west-1:*:analyzer/external) ;; *) fail "arn: $arn" ;; esac
[ "$(aa list-analyzers --query 'analyzers[0].[name,type,status]' --output text)" = "external	ACCOUNT	ACTIVE" ] || fail "list-analyzers"

row=$(aa list-findings --analyzer-arn "$arn" --filter '{"resourceType":{"eq":["AWS::IAM::Role"]}}' \
  --query 'findings[0].[principal.AWS,condition."sts:ExternalId",status,action[0]]' --output text)
[ "$row" = "999999999999	v-42	ACTIVE	sts:AssumeRole" ] || fail "finding: $row"
id=$(aa list-findings --analyzer-arn "$arn" --query 'findings[0].id' --output text)
[ "$(aa get-finding --analyzer-arn "$arn" --id "$id" --query finding.resource --output text)" = "$(iam get-role --role-name vendor --query Role.Arn --output text)" ] || fail "get-finding"
[ "$(aa get-finding-v2 --analyzer-arn "$arn" --id "$id" --query 'findingDetails[0].externalAccessDetails.principal.AWS' --output text)" = "999999999999" ] || fail "get-finding-v2"

aa create-archive-rule --analyzer-name external --rule-name vendor \
  --filter '{"principal.AWS":{"eq":["999999999999"]},"condition.sts:ExternalId":{"exists":true}}'
aa apply-archive-rule --analyzer-arn "$arn" --rule-name vendor
[ "$(aa list-findings --analyzer-arn "$arn" --query 'findings[0].status' --output text)" = "ARCHIVED" ] || fail "archived"
aa update-findings --analyzer-arn "$arn" --status ACTIVE --ids "$id"
[ "$(aa get-findings-statistics --analyzer-arn "$arn" --query 'findingsStatistics[0].externalAccessFindingsStatistics.totalActiveFindings' --output text)" = "1" ] || fail "statistics"

iam update-assume-role-policy --role-name vendor --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
[ "$(aa list-findings --analyzer-arn "$arn" --query 'findings[0].status' --output text)" = "RESOLVED" ] || fail "resolved"

aa tag-resource --resource-arn "$arn" --tags team=sec
[ "$(aa list-tags-for-resource --resource-arn "$arn" --query tags.team --output text)" = "sec" ] || fail "tags"
if aa get-analyzer --analyzer-name nothing >/dev/null 2>err.txt; then fail "get-analyzer of none"; fi
grep -q "ResourceNotFoundException" err.txt || fail "not found: $(cat err.txt)"
aa delete-analyzer --analyzer-name external
echo OK
