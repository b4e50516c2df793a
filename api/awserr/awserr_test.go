package awserr_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/store"
)

// Every exception shape of the four models has its constructor's code,
// with the model's status and fault (botocore: error.code,
// error.httpStatusCode, senderFault; a JSON service's exceptions are 400
// unless they are faults).
func TestCodesAreTheModelsExceptionShapes(t *testing.T) {
	for svc, codes := range map[*model.Service]map[string]awserr.Code{
		model.IAM: iamerr.Codes, model.STS: stserr.Codes, model.Organizations: orgerr.Codes, model.AccessAnalyzer: aaerr.Codes,
	} {
		ex := svc.Exceptions()
		if len(ex) != len(codes) {
			t.Errorf("%s: %d exception shapes, %d codes", svc.Name, len(ex), len(codes))
		}
		for _, sh := range ex {
			c, ok := codes[sh.ErrorCode()]
			if !ok || c.Status != sh.ErrorStatus() || c.Sender != sh.SenderFault() || c.Shape != sh.Name {
				t.Errorf("%s %s: %+v, model %s %d %v", svc.Name, sh.Name, c, sh.ErrorCode(), sh.ErrorStatus(), sh.SenderFault())
			}
		}
	}
	for _, tc := range []struct {
		e      *awserr.Error
		code   string
		status int
		sender bool
	}{
		{iamerr.NoSuchEntity("The user with name %s cannot be found.", "u"), "NoSuchEntity", 404, true},
		{iamerr.ConcurrentModification("x"), "ConcurrentModification", 409, true},
		{iamerr.ServiceFailure("x"), "ServiceFailure", 500, false},
		{iamerr.ReportInProgress("x"), "ReportInProgress", 404, true},
		{stserr.ExpiredTokenException("x"), "ExpiredTokenException", 400, true},
		{stserr.IDPRejectedClaim("x"), "IDPRejectedClaim", 403, true},
		{orgerr.AccessDeniedException("x"), "AccessDeniedException", 400, true},
		{orgerr.ServiceException("x"), "ServiceException", 500, false},
		{aaerr.AccessDeniedException("x"), "AccessDeniedException", 403, true},
		{aaerr.ServiceQuotaExceededException("x"), "ServiceQuotaExceededException", 402, true},
	} {
		if tc.e.Code != tc.code || tc.e.Status != tc.status || tc.e.Sender != tc.sender {
			t.Errorf("%+v, want %s %d %v", tc.e, tc.code, tc.status, tc.sender)
		}
	}
	if e := iamerr.NoSuchEntity("The user with name %s cannot be found.", "u"); e.Message != "The user with name u cannot be found." {
		t.Fatalf("message %q", e.Message)
	}
	if e := iamerr.InvalidInput("%s", "100% sure"); e.Message != "100% sure" {
		t.Fatalf("message %q", e.Message)
	}
}

// The Query protocol's error document (the IAM API Reference, "Common
// Errors"; botocore's query parser) and the JSON protocol's body.
func TestRenderings(t *testing.T) {
	e := iamerr.NoSuchEntity("The user with name u cannot be found.")
	w := httptest.NewRecorder()
	e.WriteQuery(w, "https://iam.amazonaws.com/doc/2010-05-08/", "r-1")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name u cannot be found.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`
	if w.Code != 404 || w.Body.String() != want || w.Header().Get("x-amzn-RequestId") != "r-1" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	iamerr.ServiceFailure("x").WriteQuery(w, "ns", "r")
	if w.Code != 500 || !strings.Contains(w.Body.String(), "<Type>Receiver</Type>") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	orgerr.AWSOrganizationsNotInUseException("Your account is not a member of an organization.").WriteJSON(w, "r")
	if w.Code != 400 || w.Body.String() != `{"Message":"Your account is not a member of an organization.","__type":"AWSOrganizationsNotInUseException"}` ||
		w.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	aaerr.ValidationException("bad").WriteRESTJSON(w, "r", map[string]any{"reason": "other"})
	if w.Code != 400 || w.Body.String() != `{"message":"bad","reason":"other"}` || w.Header().Get("x-amzn-ErrorType") != "ValidationException" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// A lower layer's failure is one kind, worded in each service's codes.
func TestLowerLayerErrorsInEachServicesCodes(t *testing.T) {
	conflict := awserr.Lower(fmt.Errorf("saving: %w", store.ErrConflict), "the change could not be stored")
	failure := awserr.Lower(errors.New("disk full"), "the change could not be stored: %v", "disk full")
	for _, tc := range []struct {
		e       *awserr.Error
		service string
		code    string
		status  int
	}{
		{conflict, "iam", "ConcurrentModification", 409},
		{conflict, "organizations", "ConcurrentModificationException", 400},
		{conflict, "accessanalyzer", "ConflictException", 409},
		{conflict, "sts", "InternalFailure", 500},
		{failure, "iam", "ServiceFailure", 500},
		{failure, "sts", "InternalFailure", 500},
		{failure, "organizations", "ServiceException", 500},
		{failure, "accessanalyzer", "InternalServerException", 500},
	} {
		got := awserr.ForService(tc.e, tc.service)
		if got.Code != tc.code || got.Status != tc.status || got.Message != tc.e.Message {
			t.Errorf("%s %s: %+v", tc.e.Code, tc.service, got)
		}
	}
	plain := iamerr.NoSuchEntity("x")
	if awserr.ForService(plain, "organizations") != plain {
		t.Fatal("an error of no kind changed")
	}
}

// Every common Query error has its constructor, which answers with the
// code and status of awserr.QueryCommon (the IAM and STS API References,
// "Common Errors").
func TestQueryCommonConstructors(t *testing.T) {
	ctors := map[string]func(string, ...any) *awserr.Error{
		"AccessDenied": awserr.AccessDenied, "ExpiredToken": awserr.ExpiredToken, "IncompleteSignature": awserr.IncompleteSignature,
		"InternalFailure": awserr.InternalFailure, "InvalidAction": awserr.InvalidAction, "InvalidClientTokenId": awserr.InvalidClientTokenId,
		"InvalidParameterCombination": awserr.InvalidParameterCombination, "InvalidParameterValue": awserr.InvalidParameterValue,
		"InvalidQueryParameter": awserr.InvalidQueryParameter, "MalformedQueryString": awserr.MalformedQueryString,
		"MissingAction": awserr.MissingAction, "MissingAuthenticationToken": awserr.MissingAuthenticationToken,
		"MissingParameter": awserr.MissingParameter, "NotAuthorized": awserr.NotAuthorized, "OptInRequired": awserr.OptInRequired,
		"RequestEntityTooLarge": awserr.RequestEntityTooLarge, "RequestExpired": awserr.RequestExpired,
		"ServiceUnavailable": awserr.ServiceUnavailable, "SignatureDoesNotMatch": awserr.SignatureDoesNotMatch,
		"Throttling": awserr.Throttling, "ValidationError": awserr.ValidationError,
	}
	if len(ctors) != len(awserr.QueryCommon) {
		t.Fatalf("%d constructors for %d common errors", len(ctors), len(awserr.QueryCommon))
	}
	for code, c := range awserr.QueryCommon {
		f := ctors[code]
		if f == nil {
			t.Errorf("%s: no constructor", code)
			continue
		}
		if e := f("m %d", 1); e.Code != code || e.Status != c.Status || e.Sender != c.Sender || e.Message != "m 1" {
			t.Errorf("%s: %+v", code, e)
		}
	}
}
