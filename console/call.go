package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/api/organizations"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// region is where the console's calls are made: IAM and Organizations are
// global services, signed in us-east-1 (aws:RequestedRegion, the audit
// log's region).
const region = "us-east-1"

// actor is the signed-in user as its calls see it.
type actor struct {
	caller *world.Caller
	// context is the request context of the user's calls.
	context  map[string][]string
	sourceIP string
}

// failure is an operation's error with the decision that refused it, if a
// decision did.
type failure struct {
	*query.Error
	// Denied is the explanation of the denial (nil when no decision
	// refused the call, such as Organizations' "You don't have
	// permissions" outside the management account).
	Denied *engine.Explanation
}

// Text is the error's message without the encoded authorization failure
// message AWS appends to a denial.
func (f *failure) Text() string {
	msg, _, _ := strings.Cut(f.Message, ". Encoded authorization failure message: ")
	return msg
}

// Encoded is the encoded authorization failure message of a denial ("" when
// none), for sts:DecodeAuthorizationMessage.
func (f *failure) Encoded() string {
	_, enc, _ := strings.Cut(f.Message, ". Encoded authorization failure message: ")
	return enc
}

// AccessDenied reports a refusal by authorization.
func (f *failure) AccessDenied() bool {
	return f.Code == "AccessDenied" || f.Code == "AccessDeniedException"
}

func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// run runs one operation of the IAM or Organizations API as the user, with
// the handler the wire API uses, and records it in the audit log as the
// server records an API call: the caller, the decisions made and the
// outcome. A call that cannot be recorded fails, as on the wire.
//
// The operation's input is params (IAM, the Query protocol's parameters)
// or body (Organizations, the JSON protocol's body).
func (c *Console) run(ctx context.Context, a *actor, service, op string, params url.Values, body []byte) (any, *failure) {
	var handler func(*api.Call) (any, *query.Error)
	switch service {
	case "iam":
		if h := iam.Operations[op]; h != nil {
			handler = h
		}
	case "organizations":
		if h := organizations.Operations[op]; h != nil {
			handler = h
		}
	}
	if handler == nil {
		return nil, &failure{Error: awserr.InvalidAction("the console has no operation %s:%s", service, op)}
	}
	call, rec := c.newCall(ctx, a, op)
	call.Params, call.Body = query.Params{Values: params}, body
	res, qe := handler(call)
	if f := c.record(ctx, a, call, rec, service, op, qe); f != nil {
		return nil, f
	}
	return res, nil
}

// recorder keeps the decisions made for a call.
type recorder struct {
	mu        sync.Mutex
	decisions []audit.Decision
	denied    *engine.Explanation
}

// newCall is a call of an operation as the user, whose decisions rec
// keeps.
func (c *Console) newCall(ctx context.Context, a *actor, op string) (*api.Call, *recorder) {
	rec := &recorder{}
	call := &api.Call{Ctx: ctx, Action: op, Caller: a.caller, Context: a.context, Now: c.now().Truncate(time.Second), State: c.cfg.State}
	call.OnDecision = func(e *engine.Explanation, _ time.Duration) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.decisions = append(rec.decisions, audit.FromExplanation(e))
		if e.Decision != engine.Allowed {
			rec.denied = e
		}
	}
	return call, rec
}

// record writes a call to the audit log, when there is one, and turns its
// error into a failure (nil for none). A call that cannot be recorded
// fails, as on the wire.
func (c *Console) record(ctx context.Context, a *actor, call *api.Call, rec *recorder, service, op string, qe *query.Error) *failure {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if c.cfg.Audit != nil {
		e := &audit.Entry{Time: call.Now, RequestID: requestID(), Account: call.Account(), Caller: a.caller.Principal, SourceIP: a.sourceIP, Region: region,
			Service: service, Operation: op, Outcome: "OK", Decisions: rec.decisions}
		if qe != nil {
			e.Outcome = qe.Code
		}
		if err := c.cfg.Audit.Append(ctx, e); err != nil {
			c.log.Error("audit log write failed; the console's call fails", "operation", op, "error", err)
			return &failure{Error: awserr.ServiceUnavailable("The call could not be recorded in the audit log, so it has failed.")}
		}
	}
	if qe == nil {
		return nil
	}
	f := &failure{Error: qe}
	if f.AccessDenied() {
		f.Denied = rec.denied
	}
	return f
}

// iamCall runs an IAM operation and decodes its result, as the Query
// protocol writes it (XML), into out.
func (c *Console) iamCall(ctx context.Context, a *actor, op string, params url.Values, out any) *failure {
	if params == nil {
		params = url.Values{}
	}
	params.Set("Action", op)
	params.Set("Version", "2010-05-08")
	res, f := c.run(ctx, a, "iam", op, params, nil)
	if f != nil {
		return f
	}
	if out == nil || res == nil {
		return nil
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(res, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
		return &failure{Error: awserr.InternalFailure("the result of %s could not be written: %v", op, err)}
	}
	if err := enc.Flush(); err != nil {
		return &failure{Error: awserr.InternalFailure("the result of %s could not be written: %v", op, err)}
	}
	if err := xml.Unmarshal(b.Bytes(), out); err != nil {
		return &failure{Error: awserr.InternalFailure("the result of %s could not be read: %v", op, err)}
	}
	return nil
}

// orgCall runs an Organizations operation with a JSON input and decodes its
// result, as the JSON protocol writes it, into out.
func (c *Console) orgCall(ctx context.Context, a *actor, op string, in any, out any) *failure {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return &failure{Error: awserr.InternalFailure("%v", err)}
		}
	}
	res, f := c.run(ctx, a, "organizations", op, nil, body)
	if f != nil {
		return f
	}
	if out == nil || res == nil {
		return nil
	}
	data, err := json.Marshal(res)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		return &failure{Error: awserr.InternalFailure("the result of %s could not be read: %v", op, err)}
	}
	return nil
}

// document decodes a policy document as IAM returns it (URL-encoded JSON,
// RFC 3986) and indents it for reading.
func document(encoded string) string {
	doc, err := url.PathUnescape(encoded)
	if err != nil {
		doc = encoded
	}
	return indentJSON(doc)
}

func indentJSON(doc string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(doc), "", "  "); err != nil {
		return doc
	}
	return b.String()
}
