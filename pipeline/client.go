package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// LocalEndpoint is the URL a Client's requests name when they are handed
// to its Local handler in process.
const LocalEndpoint = "http://iamgate.internal"

// Client is the Creator of a server that runs the pipeline itself: an
// AWSCreator with the credentials of Session (cached until they expire),
// sending STS AssumeRole and IAM CreatePolicy to the endpoint Target
// returns, or, when it returns "", to Local in process (still SigV4-signed
// and authorized like any client's call).
type Client struct {
	creds  aws.CredentialsProvider
	target func() (endpoint string, hc aws.HTTPClient)
	local  http.Handler
}

// NewClient returns a Client. Session issues the pipeline principal's
// credentials; Target is called at every creation, so that the endpoint
// may be set after the server starts (tests listen first, then point it
// there).
func NewClient(session func(context.Context) (aws.Credentials, error), target func() (endpoint string, hc aws.HTTPClient), local http.Handler) *Client {
	return &Client{creds: aws.NewCredentialsCache(aws.CredentialsProviderFunc(session)), target: target, local: local}
}

// CreatePolicy implements Creator.
func (c *Client) CreatePolicy(ctx context.Context, req CreateRequest) (string, error) {
	ac := &AWSCreator{Credentials: c.creds}
	ac.Endpoint, ac.HTTPClient = c.target()
	if ac.Endpoint == "" {
		ac.Endpoint, ac.HTTPClient = LocalEndpoint, Loopback{c.local}
	}
	return ac.CreatePolicy(ctx, req)
}

// Loopback is an aws.HTTPClient that hands each request to a handler in
// process, from 127.0.0.1, and returns what it answers.
type Loopback struct{ Handler http.Handler }

// Do implements aws.HTTPClient.
func (l Loopback) Do(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	r.RemoteAddr = "127.0.0.1:0"
	if r.Host == "" {
		r.Host = r.URL.Host // as a server sees it, for the signature's host header
	}
	l.Handler.ServeHTTP(rec, r)
	return rec.Result(), nil
}
