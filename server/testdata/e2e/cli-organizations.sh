#!/usr/bin/env bash
# An organization built with the aws CLI: OUs, a new account, an SCP that
# keeps it in eu-central-1; the member's call outside the region is denied
# and the denial decoded. Run by TestAWSCLIOrganizations.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
org() { aws --endpoint-url "$IAMGATE_URL" organizations "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

org create-organization --feature-set ALL >/dev/null
root=$(org list-roots --query 'Roots[0].Id' --output text)
ou=$(org create-organizational-unit --parent-id "$root" --name Workloads --query OrganizationalUnit.Id --output text)
member=$(org create-account --email team-b@example.com --account-name team-b --query CreateAccountStatus.AccountId --output text)
org move-account --account-id "$member" --source-parent-id "$root" --destination-parent-id "$ou"
cat > scp.json <<'EOF'
{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideFrankfurt","Effect":"Deny","NotAction":["sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-central-1"}}}]}
EOF
pid=$(org create-policy --name frankfurt-only --type SERVICE_CONTROL_POLICY --description "eu-central-1 only" --content file://scp.json --query Policy.PolicySummary.Id --output text)
org enable-policy-type --root-id "$root" --policy-type SERVICE_CONTROL_POLICY >/dev/null
org attach-policy --policy-id "$pid" --target-id "$ou"
[ "$(org list-targets-for-policy --policy-id "$pid" --query 'Targets[0].TargetId' --output text)" = "$ou" ] || fail "targets"

# The management account assumes the member's access role.
read -r ak sk tok < <(aws --endpoint-url "$IAMGATE_URL" sts assume-role --role-arn "arn:aws:iam::$member:role/OrganizationAccountAccessRole" \
  --role-session-name setup --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_member() { AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$tok "$@"; }
if as_member aws --endpoint-url "$IAMGATE_URL" --region us-east-1 iam list-roles >out.txt 2>err.txt; then fail "list-roles outside eu-central-1 succeeded"; fi
grep -q "with an explicit deny in a service control policy" err.txt || fail "denial: $(cat err.txt)"
# IAM is global (us-east-1): signed for eu-central-1 it is refused, as by AWS.
if as_member aws --endpoint-url "$IAMGATE_URL" --region eu-central-1 iam list-roles >/dev/null 2>scope.txt; then fail "IAM signed for eu-central-1 accepted"; fi
grep -q "Credential should be scoped to a valid region, not 'eu-central-1'" scope.txt || fail "scope: $(cat scope.txt)"
enc=$(sed -n 's/.*Encoded authorization failure message: //p' err.txt | tr -d '\n')
as_member aws --endpoint-url "$IAMGATE_URL" sts decode-authorization-message --encoded-message "$enc" --query DecodedMessage --output text > decoded.json
grep -q '"sid":"DenyOutsideFrankfurt"' decoded.json || fail "decoded: $(cat decoded.json)"
# Describing, renaming and deleting OUs; DescribeAccount; the create-account
# request listed as described.
[ "$(org describe-account --account-id "$member" --query Account.Email --output text)" = team-b@example.com ] || fail "describe-account"
[ "$(org describe-organizational-unit --organizational-unit-id "$ou" --query OrganizationalUnit.Name --output text)" = Workloads ] || fail "describe-ou"
[ "$(org update-organizational-unit --organizational-unit-id "$ou" --name Apps --query OrganizationalUnit.Name --output text)" = Apps ] || fail "update-ou"
if org delete-organizational-unit --organizational-unit-id "$ou" 2>del.txt; then fail "deleted an OU that holds an account"; fi
grep -q OrganizationalUnitNotEmptyException del.txt || fail "delete: $(cat del.txt)"
[ "$(org list-create-account-status --states SUCCEEDED --query 'CreateAccountStatuses[0].AccountId' --output text)" = "$member" ] || fail "list-create-account-status"
if as_member org describe-account --account-id "$member" 2>denied.txt; then fail "a member described an account"; fi
grep -q AccessDeniedException denied.txt || fail "member: $(cat denied.txt)"
# Trusted access, a delegated administrator and the resource policy.
org enable-aws-service-access --service-principal config.amazonaws.com
[ "$(org list-aws-service-access-for-organization --query 'EnabledServicePrincipals[0].ServicePrincipal' --output text)" = config.amazonaws.com ] || fail "trusted access"
org register-delegated-administrator --account-id "$member" --service-principal config.amazonaws.com
[ "$(org list-delegated-administrators --service-principal config.amazonaws.com --query 'DelegatedAdministrators[0].Id' --output text)" = "$member" ] || fail "delegated administrators"
[ "$(org list-delegated-services-for-account --account-id "$member" --query 'DelegatedServices[0].ServicePrincipal' --output text)" = config.amazonaws.com ] || fail "delegated services"
cat > rp.json <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$member:root"},"Action":"organizations:Describe*","Resource":"*"}]}
JSON
rp=$(org put-resource-policy --content file://rp.json --query ResourcePolicy.ResourcePolicySummary.Id --output text)
[ "$(org describe-resource-policy --query ResourcePolicy.ResourcePolicySummary.Id --output text)" = "$rp" ] || fail "resource policy"
org delete-resource-policy
org deregister-delegated-administrator --account-id "$member" --service-principal config.amazonaws.com
org disable-aws-service-access --service-principal config.amazonaws.com
# Tags on an OU and an account, given at creation and added later.
org tag-resource --resource-id "$ou" --tags Key=team,Value=b Key=cost,Value=42
org untag-resource --resource-id "$ou" --tag-keys cost
[ "$(org list-tags-for-resource --resource-id "$ou" --query 'Tags[*].[Key,Value]' --output text)" = "$(printf 'team\tb')" ] || fail "list-tags-for-resource"
tagged=$(org create-account --email team-c@example.com --account-name team-c --tags Key=env,Value=prod --query CreateAccountStatus.AccountId --output text)
[ "$(org list-tags-for-resource --resource-id "$tagged" --query 'Tags[0].Value' --output text)" = prod ] || fail "account tags"
if org tag-resource --resource-id ou-zzzz-abcdefgh --tags Key=k,Value=v 2>notfound.txt; then fail "tagged a missing OU"; fi
grep -q TargetNotFoundException notfound.txt || fail "tag missing: $(cat notfound.txt)"
# A tag policy: stored, enabled, attached to the OU; it does not deny anything.
tp=$(org create-policy --name cost-center --type TAG_POLICY --description "" \
  --content '{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}' --query Policy.PolicySummary.Id --output text)
org enable-policy-type --root-id "$root" --policy-type TAG_POLICY >/dev/null
org attach-policy --policy-id "$tp" --target-id "$ou"
[ "$(org list-policies-for-target --target-id "$ou" --filter TAG_POLICY --query 'Policies[0].Id' --output text)" = "$tp" ] || fail "list-policies-for-target TAG_POLICY"
[ "$(org list-policies --filter TAG_POLICY --query 'length(Policies)' --output text)" = 1 ] || fail "list-policies TAG_POLICY"
# An account removed from the organization is invited back and accepts
# (its access role stays); inviting it again meanwhile is a duplicate.
org remove-account-from-organization --account-id "$tagged"
hs=$(org invite-account-to-organization --target "Id=$tagged,Type=ACCOUNT" --notes "come back" --query Handshake.Id --output text)
if org invite-account-to-organization --target "Id=team-c@example.com,Type=EMAIL" 2>dup.txt; then fail "invited twice"; fi
grep -q DuplicateHandshakeException dup.txt || fail "duplicate: $(cat dup.txt)"
[ "$(org list-handshakes-for-organization --filter ActionType=INVITE --query 'Handshakes[0].State' --output text)" = OPEN ] || fail "list-handshakes-for-organization"
read -r cak csk ctok < <(aws --endpoint-url "$IAMGATE_URL" sts assume-role --role-arn "arn:aws:iam::$tagged:role/OrganizationAccountAccessRole" \
  --role-session-name join --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_c() { AWS_ACCESS_KEY_ID=$cak AWS_SECRET_ACCESS_KEY=$csk AWS_SESSION_TOKEN=$ctok "$@"; }
[ "$(as_c org list-handshakes-for-account --query 'Handshakes[0].Id' --output text)" = "$hs" ] || fail "list-handshakes-for-account"
[ "$(as_c org accept-handshake --handshake-id "$hs" --query Handshake.State --output text)" = ACCEPTED ] || fail "accept-handshake"
[ "$(org describe-account --account-id "$tagged" --query Account.JoinedMethod --output text)" = INVITED ] || fail "joined method"
[ "$(org describe-handshake --handshake-id "$hs" --query Handshake.Action --output text)" = INVITE ] || fail "describe-handshake"
echo OK
