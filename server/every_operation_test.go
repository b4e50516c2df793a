package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/server"
)

// TestEveryOperation sends every operation of the four models (botocore
// iam, sts, organizations, accessanalyzer, as api/model has them), signed
// by the administrator with an empty input, through the real HTTP server.
// An operation is served when the server does not answer that it has no
// such operation (the Query protocol's InvalidAction, the JSON protocol's
// UnknownOperationException, Access Analyzer's ValidationException with
// the reason unknownOperation); each must be either served or in
// server.NotServed with a reason, and not both. No served operation
// answers an empty request with a failure of its own (5xx).
func TestEveryOperation(t *testing.T) {
	e := newEnv(t)
	served := map[string][]string{}
	for _, svc := range apimodel.Services() {
		notServed := server.NotServed[svc.Name]
		if notServed == nil {
			t.Fatalf("server.NotServed has no table for %s", svc.Name)
		}
		for name := range notServed {
			if svc.Operation(name) == nil {
				t.Errorf("%s: NotServed lists %s, which the model does not have", svc.Name, name)
			}
		}
		for _, op := range svc.Operations {
			status, known, answer := e.callEmpty(t, svc, &op)
			_, listed := notServed[op.Name]
			switch {
			case known && listed:
				t.Errorf("%s %s is served (%d %s) but listed in server.NotServed: remove it there", svc.Name, op.Name, status, answer)
			case !known && !listed:
				t.Errorf("%s %s is neither served (%d %s) nor listed in server.NotServed with a reason", svc.Name, op.Name, status, answer)
			case known && status >= 500:
				t.Errorf("%s %s answers an empty request with %d %s", svc.Name, op.Name, status, answer)
			}
			if known {
				served[svc.Name] = append(served[svc.Name], op.Name)
			}
			if listed && strings.TrimSpace(notServed[op.Name]) == "" {
				t.Errorf("%s %s: no reason in server.NotServed", svc.Name, op.Name)
			}
		}
		sort.Strings(served[svc.Name])
		t.Logf("%s: %d of %d operations served", svc.Name, len(served[svc.Name]), len(svc.Operations))
	}
}

// callEmpty sends op with an empty input and reports whether the server
// knows the operation, with the status and the error code it answered.
func (e *env) callEmpty(t *testing.T, svc *apimodel.Service, op *apimodel.Operation) (status int, known bool, answer string) {
	t.Helper()
	var r *http.Request
	switch svc.Protocol {
	case "query":
		body := "Action=" + op.Name + "&Version=" + svc.APIVersion
		r = signed(t, e.ts.URL, body, e.admin, time.Now())
	case "json":
		r = signedJSON(t, e, op.Name, []byte("{}"))
	case "rest-json":
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(op.Path, "x")
		var body []byte
		if op.Method != http.MethodGet && op.Method != http.MethodDelete {
			body = []byte("{}")
		}
		var err error
		r, err = http.NewRequest(op.Method, e.ts.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, hex.EncodeToString(sum[:]), svc.SigningName, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("%s: protocol %s", svc.Name, svc.Protocol)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return res.StatusCode, true, "OK"
	}
	switch svc.Protocol {
	case "query":
		var er errorResponse
		_ = xml.Unmarshal(out, &er)
		return res.StatusCode, er.Error.Code != "InvalidAction", er.Error.Code
	case "json":
		var er struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(out, &er)
		return res.StatusCode, er.Type != "UnknownOperationException", er.Type
	default:
		var er struct {
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(out, &er)
		code := res.Header.Get("x-amzn-ErrorType")
		return res.StatusCode, !(code == "ValidationException" && er.Reason == "unknownOperation"), code
	}
}
