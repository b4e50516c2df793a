package server_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/server"
)

// TestRunServesAndDrains: Run serves a signed call on its listener, and
// returns nil once its context is cancelled and the drain is over.
func TestRunServesAndDrains(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, server.RunConfig{Handler: e.srv, Listener: ln}) }()
	c := sts.New(sts.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String("http://" + ln.Addr().String()),
		Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checking{t}}})
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::"+aws.ToString(out.Account)+":user/"+server.AdminUser {
		t.Fatalf("caller %s", aws.ToString(out.Arn))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still listening after Run returned")
	}
}

// TestRunPortInUse: an address already bound is Run's error, at once.
func TestRunPortInUse(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = server.Run(context.Background(), server.RunConfig{Handler: e.srv, Addr: ln.Addr().String()})
	if err == nil {
		t.Fatal("Run on a port in use: no error")
	}
}
