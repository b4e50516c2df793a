package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/iamgate/iamgate/internal/jsonscan"
)

// The fast reader decodes log files without reflection (jsonscan), the
// records of the form CloudTrail writes; whatever it is not sure of (a
// null, a repeated member, a member named in another case, a syntax
// error) goes to encoding/json, the record alone, or the whole file
// through streamCloudTrail, so what is read and what fails is what
// encoding/json reads and how it fails.

var (
	eventNames = jsonscan.NewNames("eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
		"userIdentity", "requestParameters", "resources", "errorCode", "errorMessage", "eventID", "eventType", "eventCategory",
		"recipientAccountId", "readOnly")
	identityNames = jsonscan.NewNames("type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy", "sessionContext")
	contextNames  = jsonscan.NewNames("sessionIssuer")
	issuerNames   = jsonscan.NewNames("type", "arn", "accountId", "userName")
	resourceNames = jsonscan.NewNames("ARN", "accountId", "type")
)

// once tells each member name of an object is read at most once.
type once uint32

func (o *once) first(bit int) bool {
	if *o&(1<<bit) != 0 {
		return false
	}
	*o |= 1 << bit
	return true
}

// str reads a string member into *dst (a null or a repeat: unsure).
func str(s *jsonscan.Scanner, o *once, bit int, dst *string) bool {
	if !o.first(bit) {
		return false
	}
	v, ok := s.String()
	*dst = v
	return ok
}

// members reads an object's members: for each, member is called once the
// name and the colon are read, to read the value.
func members(s *jsonscan.Scanner, member func(key []byte) bool) bool {
	if !s.Consume('{') {
		return false
	}
	for first := true; ; first = false {
		more, ok := s.More('}', first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		key, ok := s.Key()
		if !ok || !member(key) {
			return false
		}
	}
}

// decodeEventFast reads one record; false: decode it with encoding/json.
func decodeEventFast(s *jsonscan.Scanner, ev *CloudTrailEvent) bool {
	if !s.Consume('{') {
		return false
	}
	var o once
	for first := true; ; first = false {
		more, ok := s.More('}', first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		key, ok := s.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "eventVersion":
			ok = str(s, &o, 0, &ev.EventVersion)
		case "eventTime":
			var tok []byte
			if ok = o.first(1); ok {
				tok, ok = s.StringToken()
				ok = ok && ev.EventTime.UnmarshalJSON(tok) == nil
			}
		case "eventSource":
			ok = str(s, &o, 2, &ev.EventSource)
		case "eventName":
			ok = str(s, &o, 3, &ev.EventName)
		case "awsRegion":
			ok = str(s, &o, 4, &ev.AWSRegion)
		case "sourceIPAddress":
			ok = str(s, &o, 5, &ev.SourceIPAddress)
		case "userIdentity":
			if ok = o.first(6); ok {
				ev.UserIdentity = &CloudTrailIdentity{}
				ok = decodeIdentityFast(s, ev.UserIdentity)
			}
		case "requestParameters":
			if ok = o.first(7); ok {
				ev.RequestParameters, ok = s.Skip()
			}
		case "resources":
			if ok = o.first(8); ok {
				ok = decodeResourcesFast(s, ev)
			}
		case "errorCode":
			ok = str(s, &o, 9, &ev.ErrorCode)
		case "errorMessage":
			ok = str(s, &o, 10, &ev.ErrorMessage)
		case "eventID":
			ok = str(s, &o, 11, &ev.EventID)
		case "eventType":
			ok = str(s, &o, 12, &ev.EventType)
		case "eventCategory":
			ok = str(s, &o, 13, &ev.EventCategory)
		case "recipientAccountId":
			ok = str(s, &o, 14, &ev.RecipientAccountID)
		case "readOnly":
			if ok = o.first(15); ok {
				var b bool
				b, ok = s.Bool()
				ev.ReadOnly = &b
			}
		default:
			ok = skipOther(s, eventNames, key)
		}
		if !ok {
			return false
		}
	}
}

func decodeResourcesFast(s *jsonscan.Scanner, ev *CloudTrailEvent) bool {
	if !s.Consume('[') {
		return false
	}
	ev.Resources = []CloudTrailResource{} // as encoding/json leaves an empty array
	for first := true; ; first = false {
		more, ok := s.More(']', first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		var r CloudTrailResource
		var o once
		if !members(s, func(key []byte) bool {
			switch string(key) {
			case "ARN":
				return str(s, &o, 0, &r.ARN)
			case "accountId":
				return str(s, &o, 1, &r.AccountID)
			case "type":
				return str(s, &o, 2, &r.Type)
			}
			return skipOther(s, resourceNames, key)
		}) {
			return false
		}
		ev.Resources = append(ev.Resources, r)
	}
}

// skipOther skips the value of a member the decoder does not read,
// unless encoding/json would match its name to one it reads.
func skipOther(s *jsonscan.Scanner, names *jsonscan.Names, key []byte) bool {
	if !names.Skippable(key) {
		return false
	}
	_, ok := s.Skip()
	return ok
}

func decodeIdentityFast(s *jsonscan.Scanner, u *CloudTrailIdentity) bool {
	if !s.Consume('{') {
		return false
	}
	var o once
	for first := true; ; first = false {
		more, ok := s.More('}', first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		key, ok := s.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "type":
			ok = str(s, &o, 0, &u.Type)
		case "principalId":
			ok = str(s, &o, 1, &u.PrincipalID)
		case "arn":
			ok = str(s, &o, 2, &u.ARN)
		case "accountId":
			ok = str(s, &o, 3, &u.AccountID)
		case "accessKeyId":
			ok = str(s, &o, 4, &u.AccessKeyID)
		case "userName":
			ok = str(s, &o, 5, &u.UserName)
		case "invokedBy":
			ok = str(s, &o, 6, &u.InvokedBy)
		case "sessionContext":
			if ok = o.first(7); ok {
				u.SessionContext = &sessionContext{}
				ok = decodeSessionContextFast(s, u.SessionContext)
			}
		default:
			ok = skipOther(s, identityNames, key)
		}
		if !ok {
			return false
		}
	}
}

func decodeSessionContextFast(s *jsonscan.Scanner, c *sessionContext) bool {
	var o once
	return members(s, func(key []byte) bool {
		if string(key) != "sessionIssuer" {
			return skipOther(s, contextNames, key)
		}
		if !o.first(0) {
			return false
		}
		si := &sessionIssuer{}
		c.SessionIssuer = si
		var io once
		return members(s, func(key []byte) bool {
			switch string(key) {
			case "type":
				return str(s, &io, 0, &si.Type)
			case "arn":
				return str(s, &io, 1, &si.ARN)
			case "accountId":
				return str(s, &io, 2, &si.AccountID)
			case "userName":
				return str(s, &io, 3, &si.UserName)
			}
			return skipOther(s, issuerNames, key)
		})
	})
}

// errUnsure: the fast reader leaves the file to streamCloudTrail.
var errUnsure = errors.New("importer: the fast reader is unsure")

// readCloudTrailFast reads a whole log file's content; *delivered counts
// the records given to fn. errUnsure: read it again with streamCloudTrail
// (skipping the records delivered).
func readCloudTrailFast(name string, data []byte, delivered *int, fn func(i int, ev *CloudTrailEvent) error) error {
	s := jsonscan.New(data)
	if !s.Consume('{') {
		return errUnsure
	}
	found := false
	var rs jsonscan.Scanner
	for first := true; ; first = false {
		more, ok := s.More('}', first)
		if !ok {
			return errUnsure
		}
		if !more {
			break
		}
		key, ok := s.Key()
		if !ok {
			return errUnsure
		}
		if string(key) != "Records" {
			if _, ok := s.Skip(); !ok {
				return errUnsure
			}
			continue
		}
		found = true
		if !s.Consume('[') {
			return errUnsure
		}
		for i := 0; ; i++ {
			more, ok := s.More(']', i == 0)
			if !ok {
				return errUnsure
			}
			if !more {
				break
			}
			raw, ok := s.Skip()
			if !ok {
				return errUnsure
			}
			var ev CloudTrailEvent
			rs.Reset(raw)
			if !decodeEventFast(&rs, &ev) {
				ev = CloudTrailEvent{}
				if err := json.Unmarshal(raw, &ev); err != nil {
					return &CloudTrailError{File: name, Record: i, Err: err}
				}
			}
			if err := ev.check(); err != nil {
				return &CloudTrailError{File: name, Record: i, Err: err}
			}
			*delivered++
			if err := fn(i, &ev); err != nil {
				return err
			}
		}
	}
	if !found {
		return errUnsure
	}
	return nil
}

// readCloudTrail reads r whole and decodes it with the fast reader, or
// streams it with encoding/json where the fast reader is unsure (and when
// r fails: the stream then reads what r gave, and fails where it failed).
func readCloudTrail(name string, r io.Reader, fn func(i int, ev *CloudTrailEvent) error) error {
	data, rerr := io.ReadAll(r)
	delivered := 0
	if rerr == nil {
		err := readCloudTrailFast(name, data, &delivered, fn)
		if !errors.Is(err, errUnsure) {
			return err
		}
	}
	var src io.Reader = bytes.NewReader(data)
	if rerr != nil {
		src = io.MultiReader(src, failingReader{rerr})
	}
	n := 0
	return streamCloudTrail(name, src, func(i int, ev *CloudTrailEvent) error {
		if n++; n <= delivered {
			return nil
		}
		return fn(i, ev)
	})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
