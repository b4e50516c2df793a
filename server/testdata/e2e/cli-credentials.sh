#!/usr/bin/env bash
# Console passwords, the account password policy and a virtual MFA device
# with the aws CLI; the TOTP codes are computed here from the seed the CLI
# wrote, as an authenticator application would. Run by TestAWSCLICredentials.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
iam() { aws --endpoint-url "$IAMGATE_URL" iam "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# totp SEED OFFSET: the RFC 6238 code (SHA-1, 30 s, 6 digits) OFFSET steps from now.
totp() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, struct, sys, time
seed, off = sys.argv[1], int(sys.argv[2])
key = base64.b32decode(seed + "=" * (-len(seed) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + off), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}

iam create-user --user-name dev >/dev/null
cat > self.json <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}]}
JSON
iam put-user-policy --user-name dev --policy-name self --policy-document file://self.json
read -r ak sk < <(iam create-access-key --user-name dev --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
as_dev() { AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk "$@"; }

# The password policy, enforced.
iam update-account-password-policy --minimum-password-length 12 --require-numbers --require-symbols --allow-users-to-change-password --password-reuse-prevention 3
[ "$(iam get-account-password-policy --query PasswordPolicy.MinimumPasswordLength --output text)" = 12 ] || fail "policy"
if iam create-login-profile --user-name dev --password 'short-1!' >/dev/null 2>err.txt; then fail "a short password was taken"; fi
grep -q "PasswordPolicyViolation" err.txt || fail "violation: $(cat err.txt)"
iam create-login-profile --user-name dev --password 'Initial-Passw0rd!' --password-reset-required >/dev/null
[ "$(iam get-login-profile --user-name dev --query LoginProfile.PasswordResetRequired --output text)" = True ] || fail "reset flag"
# The user changes their own password (the policy allows it).
as_dev aws --endpoint-url "$IAMGATE_URL" iam change-password --old-password 'Initial-Passw0rd!' --new-password 'Changed-Passw0rd!'
if as_dev aws --endpoint-url "$IAMGATE_URL" iam change-password --old-password 'Changed-Passw0rd!' --new-password 'Initial-Passw0rd!' 2>err.txt; then fail "a reused password was taken"; fi
grep -q "PasswordPolicyViolation" err.txt || fail "reuse: $(cat err.txt)"

# A virtual MFA device: the seed and the QR code, then two consecutive codes.
serial=$(iam create-virtual-mfa-device --virtual-mfa-device-name dev-phone --outfile seed.txt --bootstrap-method Base32StringSeed --query VirtualMFADevice.SerialNumber --output text)
seed=$(cat seed.txt)
[ ${#seed} -eq 64 ] || fail "seed ${#seed} characters"
iam create-virtual-mfa-device --virtual-mfa-device-name dev-tablet --outfile qr.png --bootstrap-method QRCodePNG >/dev/null
[ "$(head -c 4 qr.png | tail -c 3)" = PNG ] || fail "QR code"
if iam enable-mfa-device --user-name dev --serial-number "$serial" --authentication-code1 000000 --authentication-code2 000000 2>err.txt; then fail "wrong codes enabled the device"; fi
grep -q "InvalidAuthenticationCode" err.txt || fail "enable: $(cat err.txt)"
iam enable-mfa-device --user-name dev --serial-number "$serial" --authentication-code1 "$(totp "$seed" -1)" --authentication-code2 "$(totp "$seed" 0)"
[ "$(iam list-mfa-devices --user-name dev --query 'MFADevices[0].SerialNumber' --output text)" = "$serial" ] || fail "list"

# GetSessionToken with the next code: a session with MFA, which may call IAM.
code=$(totp "$seed" 1)
read -r sak ssk stok < <(as_dev aws --endpoint-url "$IAMGATE_URL" sts get-session-token --serial-number "$serial" --token-code "$code" \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
[ "$(AWS_ACCESS_KEY_ID=$sak AWS_SECRET_ACCESS_KEY=$ssk AWS_SESSION_TOKEN=$stok aws --endpoint-url "$IAMGATE_URL" iam get-user --query User.UserName --output text)" = dev ] || fail "MFA session"
# The same code again is refused.
if as_dev aws --endpoint-url "$IAMGATE_URL" sts get-session-token --serial-number "$serial" --token-code "$code" >/dev/null 2>err.txt; then fail "a code was taken twice"; fi
grep -q "invalid MFA one time pass code" err.txt || fail "replay: $(cat err.txt)"
echo OK
