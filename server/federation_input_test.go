package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The federation operations' bad input is answered by the model's
// checks at the edge (botocore iam/2010-05-08 and sts/2011-06-15, before
// any handler runs), and what the model cannot say by the handlers: the
// quotas (LimitExceeded), an empty list sent as "Name=", a thumbprint that
// is not hex, an ARN that is not a provider's. Each answer is exact and
// changes nothing.
func TestFederationInputValidation(t *testing.T) {
	e := newEnv(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	thumb := strings.Repeat("a", 40)
	for _, tc := range []struct {
		name   string
		form   url.Values
		signed bool
		code   string
		msg    string
	}{
		{"oidc arn missing", url.Values{"Action": {"GetOpenIDConnectProvider"}}, true, "ValidationError",
			"1 validation error detected: Value null at 'openIDConnectProviderArn' failed to satisfy constraint: Member must not be null"},
		{"oidc arn short", url.Values{"Action": {"GetOpenIDConnectProvider"}, "OpenIDConnectProviderArn": {"arn:aws:iam::1"}}, true, "ValidationError",
			"1 validation error detected: Value 'arn:aws:iam::1' at 'openIDConnectProviderArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"oidc arn not a provider", url.Values{"Action": {"GetOpenIDConnectProvider"}, "OpenIDConnectProviderArn": {"arn:aws:iam::123456789012:role/x"}}, true, "InvalidInput",
			"ARN arn:aws:iam::123456789012:role/x is not valid."},
		{"url missing", url.Values{"Action": {"CreateOpenIDConnectProvider"}}, true, "ValidationError",
			"1 validation error detected: Value null at 'url' failed to satisfy constraint: Member must not be null"},
		{"url long", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {"https://" + long(250)}}, true, "ValidationError",
			"1 validation error detected: Value 'https://" + long(250) + "' at 'url' failed to satisfy constraint: Member must have length less than or equal to 255"},
		{"thumbprint short", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {"https://x.example.test"}, "ThumbprintList.member.1": {"abc"}}, true, "ValidationError",
			"1 validation error detected: Value 'abc' at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 40"},
		{"thumbprint not hex", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {"https://x.example.test"}, "ThumbprintList.member.1": {strings.Repeat("z", 40)}}, true, "InvalidInput",
			"Thumbprint " + strings.Repeat("z", 40) + " is not a hex-encoded SHA-1 hash."},
		{"six thumbprints", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {"https://x.example.test"}, "ThumbprintList.member.1": {thumb}, "ThumbprintList.member.2": {thumb},
			"ThumbprintList.member.3": {thumb}, "ThumbprintList.member.4": {thumb}, "ThumbprintList.member.5": {thumb}, "ThumbprintList.member.6": {thumb}}, true, "LimitExceeded",
			"Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5."},
		{"client ID empty", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {"https://x.example.test"}, "ClientIDList.member.1": {""}}, true, "ValidationError",
			"1 validation error detected: Value '' at 'clientIDList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"client ID long", url.Values{"Action": {"AddClientIDToOpenIDConnectProvider"}, "OpenIDConnectProviderArn": {"arn:aws:iam::123456789012:oidc-provider/x"}, "ClientID": {long(256)}}, true, "ValidationError",
			"1 validation error detected: Value '" + long(256) + "' at 'clientID' failed to satisfy constraint: Member must have length less than or equal to 255"},
		{"thumbprints sent empty", url.Values{"Action": {"UpdateOpenIDConnectProviderThumbprint"}, "OpenIDConnectProviderArn": {"arn:aws:iam::123456789012:oidc-provider/x"}, "ThumbprintList": {""}}, true, "ValidationError",
			"1 validation error detected: Value null at 'thumbprintList' failed to satisfy constraint: Member must not be null"},
		{"saml name pattern", url.Values{"Action": {"CreateSAMLProvider"}, "Name": {"a b"}, "SAMLMetadataDocument": {long(1000)}}, true, "ValidationError",
			"1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+"},
		{"saml name long", url.Values{"Action": {"CreateSAMLProvider"}, "Name": {long(129)}, "SAMLMetadataDocument": {long(1000)}}, true, "ValidationError",
			"1 validation error detected: Value '" + long(129) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"saml metadata short", url.Values{"Action": {"CreateSAMLProvider"}, "Name": {"corp"}, "SAMLMetadataDocument": {long(999)}}, true, "ValidationError",
			"1 validation error detected: Value '" + long(999) + "' at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000"},
		{"saml metadata not metadata", url.Values{"Action": {"CreateSAMLProvider"}, "Name": {"corp"}, "SAMLMetadataDocument": {long(1000)}}, true, "InvalidInput", "Could not parse metadata"},
		{"saml encryption mode", url.Values{"Action": {"CreateSAMLProvider"}, "Name": {"corp"}, "SAMLMetadataDocument": {long(1000)}, "AssertionEncryptionMode": {"Sometimes"}}, true, "ValidationError",
			"1 validation error detected: Value 'Sometimes' at 'assertionEncryptionMode' failed to satisfy constraint: Member must satisfy enum value set: [Required, Allowed]"},
		{"saml arn short", url.Values{"Action": {"GetSAMLProvider"}, "SAMLProviderArn": {"arn:aws:iam::1"}}, true, "ValidationError",
			"1 validation error detected: Value 'arn:aws:iam::1' at 'sAMLProviderArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"web identity token missing", url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}}, false, "ValidationError",
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must not be null"},
		{"web identity token short", url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"abc"}}, false, "ValidationError",
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"},
		{"web identity role short", url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::1"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"abcd"}}, false, "ValidationError",
			"1 validation error detected: Value 'arn:aws:iam::1' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"web identity duration", url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"abcd"}, "DurationSeconds": {"899"}}, false, "ValidationError",
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"saml assertion short", url.Values{"Action": {"AssumeRoleWithSAML"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"}, "PrincipalArn": {"arn:aws:iam::123456789012:saml-provider/corp"}, "SAMLAssertion": {"abc"}}, false, "ValidationError",
			"1 validation error detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4"},
		{"saml duration", url.Values{"Action": {"AssumeRoleWithSAML"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"}, "PrincipalArn": {"arn:aws:iam::123456789012:saml-provider/corp"}, "SAMLAssertion": {"abcd"}, "DurationSeconds": {"43201"}}, false, "ValidationError",
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.form.Get("Version") == "" {
				tc.form.Set("Version", "2010-05-08")
			}
			body := tc.form.Encode()
			var r *http.Request
			if tc.signed {
				r = signed(t, e.ts.URL, body, e.admin, time.Now())
			} else {
				r, _ = http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			status, er := do(t, r)
			if status/100 != 4 || er.Error.Code != tc.code || er.Error.Message != tc.msg {
				t.Fatalf("%d %s %q\nwant %s %q", status, er.Error.Code, er.Error.Message, tc.code, tc.msg)
			}
		})
	}
}
