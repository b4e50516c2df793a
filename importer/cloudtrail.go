package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/engine"
)

// CloudTrail log files are JSON objects with one member, "Records", an
// array of events; CloudTrail delivers them gzipped (the AWS CloudTrail
// User Guide, "CloudTrail log file examples"). The fields read here are
// those of "CloudTrail record contents for management, data, and network
// activity events"
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
// and of "CloudTrail userIdentity element"
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).

// CloudTrailEvent is one CloudTrail record, the fields iamgate reads.
type CloudTrailEvent struct {
	EventVersion       string               `json:"eventVersion"`
	EventTime          time.Time            `json:"eventTime"`
	EventSource        string               `json:"eventSource"`
	EventName          string               `json:"eventName"`
	AWSRegion          string               `json:"awsRegion"`
	SourceIPAddress    string               `json:"sourceIPAddress"`
	UserIdentity       *CloudTrailIdentity  `json:"userIdentity"`
	RequestParameters  json.RawMessage      `json:"requestParameters"`
	Resources          []CloudTrailResource `json:"resources"`
	ErrorCode          string               `json:"errorCode"`
	ErrorMessage       string               `json:"errorMessage"`
	EventID            string               `json:"eventID"`
	EventType          string               `json:"eventType"`
	EventCategory      string               `json:"eventCategory"`
	RecipientAccountID string               `json:"recipientAccountId"`
	ReadOnly           *bool                `json:"readOnly"`
}

// CloudTrailIdentity is an event's userIdentity.
type CloudTrailIdentity struct {
	Type           string          `json:"type"` // Root, IAMUser, AssumedRole, Role, FederatedUser, AWSAccount, AWSService, ...
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId"`
	UserName       string          `json:"userName"`
	InvokedBy      string          `json:"invokedBy"`
	SessionContext *sessionContext `json:"sessionContext"`
}

// sessionContext is a role session's userIdentity.sessionContext.
type sessionContext struct {
	SessionIssuer *sessionIssuer `json:"sessionIssuer"`
}

// sessionIssuer is the role (or user) that issued a session.
type sessionIssuer struct {
	Type      string `json:"type"`
	ARN       string `json:"arn"`
	AccountID string `json:"accountId"`
	UserName  string `json:"userName"`
}

// CloudTrailResource is one of an event's resources.
type CloudTrailResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// ErrCloudTrail is what every CloudTrailError wraps.
var ErrCloudTrail = errors.New("not a CloudTrail log")

// CloudTrailError is a log file, or one of its records, that cannot be
// read. Record is the record's index in the file's Records array (from
// 0), -1 when the file itself is at fault.
type CloudTrailError struct {
	File   string
	Record int
	Err    error
}

func (e *CloudTrailError) Error() string {
	if e.Record < 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: record %d: %v", e.File, e.Record, e.Err)
}

func (e *CloudTrailError) Unwrap() []error { return []error{ErrCloudTrail, e.Err} }

// CloudTrailFiles lists the log files a path names: the file itself, or
// every *.json and *.json.gz file under a directory, in name order.
func CloudTrailFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".json.gz")) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	if err == nil && len(out) == 0 {
		return nil, fmt.Errorf("%s: no *.json or *.json.gz files", path)
	}
	return out, err
}

// ReadCloudTrailFile reads a log file, gzipped or not (told by its first
// bytes, not its name), calling fn with each record in order; fn's event
// is reused. progress, when not nil, is told how many bytes of the file
// (as stored) have been read.
func ReadCloudTrailFile(name string, progress func(n int64), fn func(i int, ev *CloudTrailEvent) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if progress != nil {
		r = &countingReader{r: f, fn: progress}
	}
	return ReadCloudTrail(name, r, fn)
}

type countingReader struct {
	r  io.Reader
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.fn(int64(n))
	return n, err
}

// ReadCloudTrail reads one log file's content (gzipped or not).
func ReadCloudTrail(name string, r io.Reader, fn func(i int, ev *CloudTrailEvent) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &CloudTrailError{File: name, Record: -1, Err: err}
		}
		defer zr.Close()
		return readCloudTrail(name, zr, fn)
	}
	return readCloudTrail(name, br, fn)
}

// streamCloudTrail decodes a log file's content with encoding/json, a
// record at a time.
func streamCloudTrail(name string, r io.Reader, fn func(i int, ev *CloudTrailEvent) error) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	fileErr := func(err error) error { return &CloudTrailError{File: name, Record: -1, Err: err} }
	if t, err := dec.Token(); err != nil {
		return fileErr(err)
	} else if t != json.Delim('{') {
		return fileErr(errors.New(`want a JSON object with "Records"`))
	}
	found := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fileErr(err)
		}
		if t != "Records" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fileErr(err)
			}
			continue
		}
		found = true
		if t, err := dec.Token(); err != nil {
			return fileErr(err)
		} else if t != json.Delim('[') {
			return fileErr(errors.New(`"Records" is not an array`))
		}
		var ev CloudTrailEvent
		for i := 0; dec.More(); i++ {
			ev = CloudTrailEvent{}
			if err := dec.Decode(&ev); err != nil {
				return &CloudTrailError{File: name, Record: i, Err: err}
			}
			if err := ev.check(); err != nil {
				return &CloudTrailError{File: name, Record: i, Err: err}
			}
			if err := fn(i, &ev); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fileErr(err)
		}
	}
	if !found {
		return fileErr(errors.New(`no "Records" array`))
	}
	return nil
}

// check requires what every record holds (Optional: False in the record
// contents page) and iamgate needs.
func (ev *CloudTrailEvent) check() error {
	var missing []string
	if ev.EventTime.IsZero() {
		missing = append(missing, "eventTime")
	}
	if ev.EventSource == "" {
		missing = append(missing, "eventSource")
	}
	if ev.EventName == "" {
		missing = append(missing, "eventName")
	}
	if ev.UserIdentity == nil {
		missing = append(missing, "userIdentity")
	}
	if len(missing) > 0 {
		return fmt.Errorf("no %s", strings.Join(missing, ", "))
	}
	return nil
}

// eventSources maps the eventSource values whose service prefix (in the
// Service Authorization Reference) is not their first label.
var eventSources = map[string]string{
	"monitoring.amazonaws.com": "cloudwatch",
	"email.amazonaws.com":      "ses",
	"signin.amazonaws.com":     "signin",
}

// ServicePrefix is the IAM service prefix of an eventSource
// (iam.amazonaws.com: iam).
func ServicePrefix(eventSource string) string {
	if p, ok := eventSources[eventSource]; ok {
		return p
	}
	p, _, _ := strings.Cut(eventSource, ".")
	return p
}

// trimAPIVersion removes the API version some services append to event
// names (Lambda's GetFunction20150331v2, CloudFront's ...2020_05_31):
// what the regular expression (\d{8}(v\d+)?|\d{4}_\d{2}_\d{2})$
// matches (TestTrimAPIVersion holds it to it).
func trimAPIVersion(name string) string {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	// DDDDDDDDvN...: the last v, digits after it, 8 digits before it.
	if v := strings.LastIndexByte(name, 'v'); v >= 8 && v < len(name)-1 && digits(name[v+1:]) && digits(name[v-8:v]) {
		return name[:v-8]
	}
	n := len(name)
	if n >= 8 && digits(name[n-8:]) {
		return name[:n-8]
	}
	if n >= 10 && digits(name[n-10:n-6]) && name[n-6] == '_' && digits(name[n-5:n-3]) && name[n-3] == '_' && digits(name[n-2:]) {
		return name[:n-10]
	}
	return name
}

// eventActions are events whose IAM action is not named after them: an
// event is the API operation called, and the Service Authorization
// Reference names some operations' actions differently.
var eventActions = map[string]string{
	"s3:ListObjects":   "s3:ListBucket",
	"s3:ListObjectsV2": "s3:ListBucket",
	"s3:HeadObject":    "s3:GetObject",
	"s3:HeadBucket":    "s3:ListBucket",
	"lambda:Invoke":    "lambda:InvokeFunction",
}

// Action is the IAM action an event's call was authorized as.
func (ev *CloudTrailEvent) Action() string {
	a := ServicePrefix(ev.EventSource) + ":" + trimAPIVersion(ev.EventName)
	if m, ok := eventActions[a]; ok {
		return m
	}
	return a
}

// Federated is the caller of an event made with a SAML or web identity
// token (AssumeRoleWithSAML, AssumeRoleWithWebIdentity): the record
// names the provider's user, not an AWS principal.
const Federated = "federated"

// Caller is the principal ARN that made the call: the user, the role
// session, the root user; a service (invokedBy) when an AWS service made
// it. "" when the record names none (an anonymous or unknown caller).
func (ev *CloudTrailEvent) Caller() string {
	u := ev.UserIdentity
	switch {
	case u == nil:
		return ""
	case u.ARN != "":
		return u.ARN
	case u.Type == "AWSService" && u.InvokedBy != "":
		return u.InvokedBy
	case u.Type == "Root" && u.AccountID != "":
		return "arn:aws:iam::" + u.AccountID + ":root"
	case u.Type == "SAMLUser" || u.Type == "WebIdentityUser":
		return Federated
	}
	return ""
}

// accessDenied tells the error codes that mean the call was refused
// authorization (AccessDenied in most Query and JSON APIs, EC2's
// UnauthorizedOperation, and the codes ending in AccessDenied or
// AccessDeniedException).
func accessDenied(code string) bool {
	c := strings.TrimPrefix(code, "Client.")
	return strings.HasPrefix(c, "AccessDenied") || strings.HasSuffix(c, "AccessDenied") || strings.HasSuffix(c, "AccessDeniedException") || c == "UnauthorizedOperation" || c == "UnauthorizedAccess"
}

// Entry is the audit log entry an event is stored as: Service and
// Operation are the IAM prefix and the event name; one decision per
// resource the record names (or "*" when it names none): allowed when
// the call succeeded; implicitDeny when it was refused authorization (the
// record does not say whether a Deny statement refused it); none when it
// failed otherwise (before or after authorization, the record does not
// say). A successful call that
// names a role in its request parameters (roleArn, RoleArn,
// executionRoleArn, ...) passed that role: an inferred iam:PassRole on it.
func (ev *CloudTrailEvent) Entry() *audit.Entry {
	e := &audit.Entry{
		Time:      ev.EventTime.UTC(),
		RequestID: ev.EventID,
		Caller:    ev.Caller(),
		SourceIP:  ev.SourceIPAddress,
		Region:    ev.AWSRegion,
		Service:   ServicePrefix(ev.EventSource),
		Operation: ev.EventName,
		Outcome:   "OK",
		Source:    audit.SourceCloudTrail,
	}
	if u := ev.UserIdentity; u != nil {
		e.Account, e.AccessKey = u.AccountID, u.AccessKeyID
	}
	if e.Account == "" {
		e.Account = ev.RecipientAccountID
	}
	decision := engine.Allowed.String()
	if ev.ErrorCode != "" {
		e.Outcome = ev.ErrorCode
		if !accessDenied(ev.ErrorCode) {
			return e
		}
		decision = engine.ImplicitDeny.String()
	}
	action := ev.Action()
	if len(ev.Resources) == 0 {
		e.Decisions = append(e.Decisions, audit.Decision{Action: action, Resource: "*", Decision: decision})
	}
	for _, r := range ev.Resources {
		res := r.ARN
		if res == "" {
			res = "*"
		}
		e.Decisions = append(e.Decisions, audit.Decision{Action: action, Resource: res, Decision: decision})
	}
	// An AssumeRole call names the role it assumes; it passes none.
	if decision == engine.Allowed.String() && action != "iam:PassRole" && e.Service != "sts" {
		for _, role := range PassedRoles(ev.RequestParameters) {
			e.Decisions = append(e.Decisions, audit.Decision{Action: "iam:PassRole", Resource: role, Decision: decision, Inferred: true})
		}
	}
	return e
}

// PassedRoles lists the IAM role ARNs a call's request parameters pass:
// the string values, at any depth, of members whose names end in "role",
// "rolearn" or "roles" (case-insensitive: roleArn, RoleARN,
// executionRoleArn, serviceRole, IamRole, ...) that are IAM role ARNs.
// Services check iam:PassRole when a request passes a role ("Grant a user
// permissions to pass a role to an AWS service", IAM User Guide).
func PassedRoles(params json.RawMessage) []string {
	if len(params) == 0 || !bytes.Contains(bytes.ToLower(params), []byte(":role/")) {
		return nil
	}
	var v any
	if err := json.Unmarshal(params, &v); err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			k := strings.ToLower(key)
			if (strings.HasSuffix(k, "role") || strings.HasSuffix(k, "rolearn") || strings.HasSuffix(k, "roles") || strings.HasSuffix(k, "rolearns")) &&
				isRoleARN(x) && !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

func isRoleARN(s string) bool {
	p := strings.SplitN(s, ":", 6)
	return len(p) == 6 && p[0] == "arn" && p[2] == "iam" && p[3] == "" && len(p[4]) == 12 && strings.HasPrefix(p[5], "role/")
}
