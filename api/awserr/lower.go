package awserr

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamgate/iamgate/store"
)

// Kind is what a failure below the API was, whatever service it is
// answered for.
type Kind int

// The kinds of lower-layer failure.
const (
	KindNone Kind = iota
	// KindConflict: the change met another change to the same data and
	// could not be retried to completion (IAM's ConcurrentModification:
	// "multiple requests to change this object were submitted
	// simultaneously").
	KindConflict
	// KindFailure: the store or another part of the service failed.
	KindFailure
	// KindUnavailable: the service cannot answer now (the audit log cannot
	// record the call, a request ran past its deadline).
	KindUnavailable
)

// lowerErrors is the one table from the lower layers' sentinel errors to
// kinds; an error none matches is KindFailure.
var lowerErrors = []struct {
	err  error
	kind Kind
}{
	{store.ErrConflict, KindConflict},
	{context.DeadlineExceeded, KindUnavailable},
	{context.Canceled, KindUnavailable},
	{store.ErrNoStore, KindFailure},
	{store.ErrTruncated, KindFailure},
	{store.ErrNotFound, KindFailure},
}

// kindCodes words each kind in each service's codes (the codes are the
// models', or the common errors of the protocol where a model has none:
// STS has no code for a conflict or its own failure but the Query
// protocol's InternalFailure).
var kindCodes = map[Kind]map[string]string{
	KindConflict: {"iam": "ConcurrentModification", "sts": "InternalFailure",
		"organizations": "ConcurrentModificationException", "accessanalyzer": "ConflictException"},
	KindFailure: {"iam": "ServiceFailure", "sts": "InternalFailure",
		"organizations": "ServiceException", "accessanalyzer": "InternalServerException"},
	KindUnavailable: {"iam": "ServiceUnavailable", "sts": "ServiceUnavailable",
		"organizations": "ServiceException", "accessanalyzer": "InternalServerException"},
}

// kindStatus are the statuses of the codes kindCodes names.
var kindStatus = map[string]int{
	"ConcurrentModification": 409, "ServiceFailure": 500, "ServiceUnavailable": 503, "InternalFailure": 500,
	"ConcurrentModificationException": 400, "ServiceException": 500, "ConflictException": 409, "InternalServerException": 500,
}

// Classify is the kind of a lower layer's error.
func Classify(err error) Kind {
	for _, l := range lowerErrors {
		if errors.Is(err, l.err) {
			return l.kind
		}
	}
	return KindFailure
}

// Lower is the error of a lower layer's failure: its kind (Classify),
// worded as IAM words it until ForService words it for another service.
func Lower(err error, format string, args ...any) *Error {
	return OfKind(Classify(err), fmt.Sprintf(format, args...))
}

// OfKind is an error of a kind with a message, worded as IAM does.
func OfKind(k Kind, message string) *Error {
	code := kindCodes[k]["iam"]
	st := kindStatus[code]
	return &Error{Code: code, Message: message, Status: st, Sender: st < 500, Kind: k}
}

// ForService words an error of a lower layer in a service's codes (iam,
// sts, organizations, accessanalyzer); any other error is returned as it
// is.
func ForService(e *Error, service string) *Error {
	if e == nil || e.Kind == KindNone {
		return e
	}
	code, ok := kindCodes[e.Kind][service]
	if !ok || code == e.Code {
		return e
	}
	out := *e
	out.Code = code
	out.Status = kindStatus[code]
	out.Sender = out.Status < 500
	return &out
}
