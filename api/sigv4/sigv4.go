package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm = "AWS4-HMAC-SHA256"
	timeFmt   = "20060102T150405Z"
	// MaxSkew is how far the request time may be from the server's clock.
	MaxSkew = 15 * time.Minute
)

// Errors, for the caller to map to AWS error codes.
var (
	ErrMissing        = errors.New("sigv4: request is not signed")         // MissingAuthenticationToken
	ErrMalformed      = errors.New("sigv4: malformed authorization")       // IncompleteSignature
	ErrUnknownKey     = errors.New("sigv4: unknown access key")            // InvalidClientTokenId
	ErrSignature      = errors.New("sigv4: signature does not match")      // SignatureDoesNotMatch
	ErrExpired        = errors.New("sigv4: signature expired")             // SignatureDoesNotMatch ("Signature expired")
	ErrPresignExpired = errors.New("sigv4: presigned request has expired") // RequestExpired
	// ErrScope is a credential scope for another service, or for a region
	// the service called is not signed for.
	ErrScope = errors.New("sigv4: credential scope does not match the endpoint") // SignatureDoesNotMatch
	// ErrPayload is an X-Amz-Content-Sha256 (header or query parameter)
	// that is not the SHA-256 of the body received: UNSIGNED-PAYLOAD, a
	// STREAMING-* form, or another body's hash.
	ErrPayload = errors.New("sigv4: x-amz-content-sha256 is not the hash of the body") // SignatureDoesNotMatch
)

// Scope is the credential scope the endpoint called accepts: the request
// must be signed for Service and for a region Region accepts. A Scope
// without both accepts nothing.
type Scope struct {
	Service string
	Region  func(region string) bool
}

// Credentials is what a Lookup returns for an access key.
type Credentials struct {
	Secret string
	// Value is returned in Result for the caller's use (a principal, ...).
	Value any
}

// Lookup finds the secret of an access key. It returns ErrUnknownKey when
// the key does not exist.
type Lookup func(accessKeyID string) (Credentials, error)

// Result describes a verified request.
type Result struct {
	AccessKeyID string
	Region      string
	Service     string
	Time        time.Time
	// SessionToken is X-Amz-Security-Token, for temporary credentials.
	SessionToken string
	Presigned    bool
	Credentials  Credentials
}

// Detail is a verification failure with AWS's message.
type Detail struct {
	Err     error
	Message string
}

func (d *Detail) Error() string { return d.Message }
func (d *Detail) Unwrap() error { return d.Err }

func fail(err error, format string, args ...any) error {
	return &Detail{Err: err, Message: fmt.Sprintf(format, args...)}
}

// Verify checks the request's signature. body is the request body, which the
// caller has read: its SHA-256 is the payload hash of the canonical request,
// whatever the request says (a present X-Amz-Content-Sha256 must equal it).
// want is the credential scope of the endpoint called; now is the server's
// time.
func Verify(r *http.Request, body []byte, now time.Time, want Scope, lookup Lookup) (*Result, error) {
	q := r.URL.Query()
	var (
		credential, signedHeaders, signature, amzDate string
		dateHeader                                    string // the header amzDate came from, which must be signed
		presigned                                     bool
	)
	auths := r.Header.Values("Authorization")
	_, queryAuth := q["X-Amz-Algorithm"]
	switch {
	case len(auths) > 1:
		return nil, fail(ErrMalformed, "the request has more than one Authorization header")
	case len(auths) == 1 && queryAuth:
		return nil, fail(ErrMalformed, "only one authentication mechanism is allowed: the Authorization header or the X-Amz-Algorithm query parameter")
	case len(auths) == 1 && auths[0] != "":
		auth := auths[0]
		if !strings.HasPrefix(auth, algorithm+" ") {
			return nil, fail(ErrMalformed, "Authorization header requires the %s algorithm", algorithm)
		}
		seen := map[string]bool{}
		for _, part := range strings.Split(strings.TrimPrefix(auth, algorithm+" "), ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return nil, fail(ErrMalformed, "Authorization header requires each component to be of the form key=value")
			}
			if seen[k] {
				return nil, fail(ErrMalformed, "Authorization header has the component '%s' more than once", k)
			}
			seen[k] = true
			switch k {
			case "Credential":
				credential = v
			case "SignedHeaders":
				signedHeaders = v
			case "Signature":
				signature = v
			}
		}
		if credential == "" || signedHeaders == "" || signature == "" {
			return nil, fail(ErrMalformed, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters")
		}
		if len(r.Header.Values("X-Amz-Date")) > 1 || len(r.Header.Values("Date")) > 1 {
			return nil, fail(ErrMalformed, "the request has more than one X-Amz-Date or Date header")
		}
		amzDate, dateHeader = r.Header.Get("X-Amz-Date"), "x-amz-date"
		if amzDate == "" {
			if d := r.Header.Get("Date"); d != "" {
				t, err := http.ParseTime(d)
				if err != nil {
					return nil, fail(ErrMalformed, "the Date header is not a valid HTTP date")
				}
				amzDate, dateHeader = t.UTC().Format(timeFmt), "date"
			}
		}
	case queryAuth:
		for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Security-Token"} {
			if len(q[k]) > 1 {
				return nil, fail(ErrMalformed, "the query parameter %s is given more than once", k)
			}
		}
		if q.Get("X-Amz-Algorithm") != algorithm {
			return nil, fail(ErrMalformed, "X-Amz-Algorithm must be %s", algorithm)
		}
		presigned = true
		credential, signedHeaders, signature, amzDate = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), q.Get("X-Amz-Date")
		if credential == "" || signedHeaders == "" || signature == "" {
			return nil, fail(ErrMalformed, "presigned requests need X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature")
		}
	default:
		return nil, fail(ErrMissing, "Request is missing Authentication Token")
	}
	if amzDate == "" {
		return nil, fail(ErrMalformed, "the request has no X-Amz-Date or Date")
	}
	t, err := time.Parse(timeFmt, amzDate)
	if err != nil {
		return nil, fail(ErrMalformed, "X-Amz-Date %q is not in the form YYYYMMDD'T'HHMMSS'Z'", amzDate)
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
		return nil, fail(ErrMalformed, "Credential should be scoped to a valid region, and service: AKID/date/region/service/aws4_request")
	}
	akid, date, region, service := scope[0], scope[1], scope[2], scope[3]
	// The scope must be the endpoint's, as AWS answers a request signed for
	// another region or service (the IAM User Guide, "Troubleshoot
	// Signature Version 4 signing for AWS API requests", credential scope
	// errors; the wording, with its quotes and trailing space, is AWS's
	// output quoted in github.com/aws/aws-sdk-go/issues/156 and
	// github.com/cllunsford/aws-signing-proxy/issues/25).
	if want.Region == nil || !want.Region(region) {
		return nil, fail(ErrScope, "Credential should be scoped to a valid region, not '%s'. ", region)
	}
	if want.Service == "" || service != want.Service {
		return nil, fail(ErrScope, "Credential should be scoped to correct service: '%s'. ", want.Service)
	}
	if date != t.Format("20060102") {
		return nil, fail(ErrSignature, "Credential should be scoped to the request date %s, not %s", t.Format("20060102"), date)
	}
	if presigned {
		exp, err := strconv.Atoi(q.Get("X-Amz-Expires"))
		if err != nil || exp < 1 || exp > 604800 {
			return nil, fail(ErrMalformed, "X-Amz-Expires must be between 1 and 604800 seconds")
		}
		if now.After(t.Add(time.Duration(exp) * time.Second)) {
			return nil, fail(ErrPresignExpired, "Request has expired")
		}
		if t.After(now.Add(MaxSkew)) {
			return nil, fail(ErrExpired, "Signature not yet current: %s is still later than %s (%s + 15 min.)", amzDate, now.Add(MaxSkew).Format(timeFmt), now.Format(timeFmt))
		}
	} else if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		if d > 0 {
			return nil, fail(ErrExpired, "Signature expired: %s is now earlier than %s (%s - 15 min.)", amzDate, now.Add(-MaxSkew).Format(timeFmt), now.Format(timeFmt))
		}
		return nil, fail(ErrExpired, "Signature not yet current: %s is still later than %s (%s + 15 min.)", amzDate, now.Add(MaxSkew).Format(timeFmt), now.Format(timeFmt))
	}
	creds, err := lookup(akid)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, fail(ErrUnknownKey, "The security token included in the request is invalid.")
		}
		return nil, err
	}
	payload, err := payloadHash(r, q, body)
	if err != nil {
		return nil, err
	}
	canonical, err := canonicalRequest(r, payload, signedHeaders, dateHeader, presigned)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := algorithm + "\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := signingKey(creds.Secret, date, region, service)
	expected := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if !hmac.Equal([]byte(expected), []byte(strings.ToLower(signature))) {
		return nil, fail(ErrSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	res := &Result{AccessKeyID: akid, Region: region, Service: service, Time: t, Presigned: presigned, Credentials: creds}
	res.SessionToken = r.Header.Get("X-Amz-Security-Token")
	if presigned {
		res.SessionToken = q.Get("X-Amz-Security-Token")
	}
	return res, nil
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

// payloadHash is the hex SHA-256 of the body received. Services other than
// S3 hash the body themselves (the IAM User Guide, "Create a signed AWS API
// request": HashedPayload is the hex SHA-256 of the request body); an
// X-Amz-Content-Sha256 header or, in a presigned URL, query parameter, when
// present, must be that hash. S3's UNSIGNED-PAYLOAD and STREAMING-* forms
// are therefore refused.
func payloadHash(r *http.Request, q url.Values, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	for _, v := range append(r.Header.Values("X-Amz-Content-Sha256"), q["X-Amz-Content-Sha256"]...) {
		if v != payload {
			// Non-S3 services answer a canonical request built on another
			// payload hash as any other mismatch (the IAM User Guide,
			// "Troubleshoot Signature Version 4 signing", canonicalization
			// errors); XAmzContentSHA256Mismatch is S3's alone.
			return "", fail(ErrPayload, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
		}
	}
	return payload, nil
}

// canonicalRequest rebuilds the canonical request from the headers the
// client says it signed. The host header, the header the request time came
// from and every X-Amz-* header sent must be among them (the IAM User
// Guide, "Create a signed AWS API request": the canonical headers include
// host and any x-amz-* headers of the request).
func canonicalRequest(r *http.Request, payload, signedHeaders, dateHeader string, presigned bool) (string, error) {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalURI(r.URL) + "\n")
	b.WriteString(canonicalQuery(r.URL.Query(), presigned) + "\n")
	names := strings.Split(signedHeaders, ";")
	signed := map[string]bool{}
	for i, n := range names {
		if n != strings.ToLower(n) || n == "" {
			return "", fail(ErrMalformed, "SignedHeaders must be lower-case and separated by ';'")
		}
		if i > 0 && n <= names[i-1] {
			return "", fail(ErrMalformed, "SignedHeaders must be sorted and name each header once")
		}
		signed[n] = true
	}
	if !signed["host"] {
		return "", fail(ErrMalformed, "the host header must be signed")
	}
	if dateHeader != "" && !signed[dateHeader] {
		return "", fail(ErrMalformed, "the %s header must be signed", dateHeader)
	}
	for k := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") && !signed[lk] {
			return "", fail(ErrMalformed, "the %s header must be signed", lk)
		}
	}
	for _, n := range names {
		var v string
		switch n {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
			if h := r.Header.Get("Content-Length"); h != "" {
				v = h
			}
		default:
			vals := r.Header.Values(n)
			for i := range vals {
				vals[i] = collapse(vals[i])
			}
			v = strings.Join(vals, ",")
		}
		b.WriteString(n + ":" + v + "\n")
	}
	b.WriteString("\n" + signedHeaders + "\n")
	b.WriteString(payload)
	return b.String(), nil
}

func collapse(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// canonicalURI URI-encodes each path segment of the path as sent; services
// other than S3 encode it a second time, as the signing rules require.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(q url.Values, presigned bool) string {
	type kv struct{ k, v string }
	var pairs []kv
	for k, vs := range q {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, kv{escape(k), escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// escape is RFC 3986 percent-encoding of everything but unreserved characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ReadBody reads up to limit bytes of the body and restores it on r. It
// reports an error when the body is larger.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("request body larger than %d bytes", limit)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}
