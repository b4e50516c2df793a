#!/usr/bin/env bash
# Web identity and SAML federation with the aws CLI: an OIDC provider and a
# SAML provider, roles that trust them, and AssumeRoleWithWebIdentity and
# AssumeRoleWithSAML with no AWS credentials at all (the CLI sends them
# unsigned). The Go test runs the OIDC issuer on loopback and signs the
# token and the SAML response with its own keys. Run by
# TestAWSCLIFederation.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
iam() { aws --endpoint-url "$IAMGATE_URL" iam "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# anon: no credentials in the environment.
anon() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN aws --endpoint-url "$IAMGATE_URL" "$@"; }
acct=123456789012
host=${IAMGATE_OIDC_ISSUER#https://}
oidc=arn:aws:iam::$acct:oidc-provider/$host

got=$(iam create-open-id-connect-provider --url "$IAMGATE_OIDC_ISSUER" --client-id-list sts.amazonaws.com \
  --thumbprint-list "$IAMGATE_OIDC_THUMBPRINT" --query OpenIDConnectProviderArn --output text)
[ "$got" = "$oidc" ] || fail "provider ARN $got"
cat > trust.json <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"$oidc"},"Action":"sts:AssumeRoleWithWebIdentity",
 "Condition":{"StringEquals":{"$host:aud":"sts.amazonaws.com"},"StringLike":{"$host:sub":"repo:org/repo:*"}}}]}
JSON
iam create-role --role-name deploy --assume-role-policy-document file://trust.json >/dev/null
arn=$(anon sts assume-role-with-web-identity --role-arn arn:aws:iam::$acct:role/deploy --role-session-name gha \
  --web-identity-token "$IAMGATE_OIDC_TOKEN" --query AssumedRoleUser.Arn --output text)
[ "$arn" = "arn:aws:sts::$acct:assumed-role/deploy/gha" ] || fail "web identity session $arn"
if out=$(anon sts assume-role-with-web-identity --role-arn arn:aws:iam::$acct:role/deploy --role-session-name gha \
  --web-identity-token "$IAMGATE_OIDC_TOKEN_OTHER_REPO" 2>&1); then fail "another repository was let in"; fi
grep -q "AccessDenied" <<<"$out" || fail "$out"

saml=arn:aws:iam::$acct:saml-provider/corp
got=$(iam create-saml-provider --name corp --saml-metadata-document "$IAMGATE_SAML_METADATA" --query SAMLProviderArn --output text)
[ "$got" = "$saml" ] || fail "SAML provider ARN $got"
cat > saml-trust.json <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"$saml"},"Action":"sts:AssumeRoleWithSAML",
 "Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml"}}}]}
JSON
iam create-role --role-name sso --assume-role-policy-document file://saml-trust.json >/dev/null
read -r arn subject < <(anon sts assume-role-with-saml --role-arn arn:aws:iam::$acct:role/sso --principal-arn "$saml" \
  --saml-assertion "$IAMGATE_SAML_RESPONSE" --query '[AssumedRoleUser.Arn,Subject]' --output text)
[ "$arn" = "arn:aws:sts::$acct:assumed-role/sso/alice" ] && [ "$subject" = alice ] || fail "SAML session $arn $subject"
if out=$(anon sts assume-role-with-saml --role-arn arn:aws:iam::$acct:role/sso --principal-arn "$saml" \
  --saml-assertion "$IAMGATE_SAML_TAMPERED" 2>&1); then fail "a tampered assertion was taken"; fi
grep -q "InvalidIdentityToken" <<<"$out" || fail "$out"
echo OK
