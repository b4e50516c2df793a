package model

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Type is a shape's type, as the models name it.
type Type string

// The shape types of the four models.
const (
	Structure Type = "structure"
	List      Type = "list"
	Map       Type = "map"
	String    Type = "string"
	Integer   Type = "integer"
	Long      Type = "long"
	Boolean   Type = "boolean"
	Blob      Type = "blob"
	Timestamp Type = "timestamp"
	Double    Type = "double"
	Float     Type = "float"
)

// JSONKind is the kind of JSON value a member of the type is written as,
// for messages: object (structures, maps), array, string (strings,
// blobs), boolean, number, or "number or string" for a timestamp (epoch
// seconds in the JSON protocol, ISO 8601 where the model's
// timestampFormat says so, as Access Analyzer's).
func (t Type) JSONKind() string {
	switch t {
	case Structure, Map:
		return "object"
	case List:
		return "array"
	case String, Blob:
		return "string"
	case Boolean:
		return "boolean"
	case Timestamp:
		return "number or string"
	}
	return "number"
}

// Service is one service model.
type Service struct {
	// Name is the model's folder in botocore (iam, sts, organizations,
	// accessanalyzer).
	Name           string
	APIVersion     string
	Protocol       string // query, json, rest-json
	EndpointPrefix string
	SigningName    string // the SigV4 service name
	TargetPrefix   string // X-Amz-Target prefix (json)
	JSONVersion    string // json: the Content-Type is application/x-amz-json-<JSONVersion>
	XMLNamespace   string // query
	// Operations are sorted by name.
	Operations []Operation
	// Shapes are sorted by name.
	Shapes []Shape

	once   sync.Once
	ops    map[string]*Operation
	shapes map[string]*Shape
}

// Operation is one operation of a service.
type Operation struct {
	Name string
	// Method and Path are the operation's HTTP binding (botocore's
	// http.method and http.requestUri); Path holds {label} and {label+}
	// placeholders for REST-JSON members in the URI.
	Method       string
	Path         string
	ResponseCode int // 0 when the model gives none
	// Input and Output are shape names ("" for none); ResultWrapper is the
	// Query protocol's element around the output (CreateUserResult).
	Input         string
	Output        string
	ResultWrapper string
	// Errors are the error shapes the operation may answer, by name.
	Errors []string
	// Deprecated is the model's deprecated flag.
	Deprecated bool
}

// Shape is one shape of a model.
type Shape struct {
	Name string
	Type Type
	// Members of a structure, in the model's order.
	Members []Member
	// Member is a list's member; Key and Value are a map's.
	Member *Ref
	Key    *Ref
	Value  *Ref
	// Constraints. Min and Max bound a string's or a list's length and a
	// number's value; nil for none.
	Min, Max *int64
	// Pattern is the model's regular expression (Java syntax), as AWS
	// shows it in its messages; the Go translation is in patterns.
	Pattern string
	Enum    []string
	// Sensitive values are never shown in messages.
	Sensitive bool
	// Union: exactly one member is set.
	Union bool
	// Exception shapes: Error has the code and HTTP status.
	Exception bool
	Fault     bool
	Error     *ErrorInfo
	// TimestampFormat is the model's timestampFormat ("" for the
	// protocol's default).
	TimestampFormat string
	Flattened       bool
	Document        bool
}

// Ref is a list's or map's member.
type Ref struct {
	Shape        string
	LocationName string
}

// Member is a member of a structure.
type Member struct {
	Name     string
	Shape    string
	Required bool
	// Location is where a REST-JSON member travels: "uri", "querystring",
	// "header", "headers", "statusCode", or "" for the body. LocationName
	// is its name there (the URI label, the query parameter, the header),
	// or for the body of a Query or JSON request the name on the wire when
	// it is not Name.
	Location     string
	LocationName string
	// IdempotencyToken members are filled in by SDKs when left out.
	IdempotencyToken bool
	// HostLabel, JSONValue and other traits are not used by iamgate.
	Deprecated bool
}

// ErrorInfo is what an exception shape's "error" trait says. Code is ""
// when the model gives none: the code is then the shape's name.
type ErrorInfo struct {
	Code   string
	Status int
	Sender bool
}

// Int is a constraint value (a helper of the generated tables).
func Int(v int64) *int64 { return &v }

func (s *Service) index() {
	s.once.Do(func() {
		s.ops = make(map[string]*Operation, len(s.Operations))
		for i := range s.Operations {
			s.ops[s.Operations[i].Name] = &s.Operations[i]
		}
		s.shapes = make(map[string]*Shape, len(s.Shapes))
		for i := range s.Shapes {
			s.shapes[s.Shapes[i].Name] = &s.Shapes[i]
		}
	})
}

// Operation returns an operation by name, or nil.
func (s *Service) Operation(name string) *Operation {
	s.index()
	return s.ops[name]
}

// Shape returns a shape by name, or nil.
func (s *Service) Shape(name string) *Shape {
	s.index()
	return s.shapes[name]
}

// OperationNames lists the operations' names, sorted.
func (s *Service) OperationNames() []string {
	out := make([]string, len(s.Operations))
	for i, o := range s.Operations {
		out[i] = o.Name
	}
	return out
}

// ErrorCode is the code an exception shape is answered with: the model's
// error.code, else the shape's name (botocore's rule for JSON and
// REST-JSON services).
func (sh *Shape) ErrorCode() string {
	if sh.Error != nil && sh.Error.Code != "" {
		return sh.Error.Code
	}
	return sh.Name
}

// ErrorStatus is an exception shape's HTTP status: the model's
// error.httpStatusCode, else 500 for a fault and 400 for the caller's
// error (a JSON service's exceptions carry no status in the model).
func (sh *Shape) ErrorStatus() int {
	if sh.Error != nil && sh.Error.Status != 0 {
		return sh.Error.Status
	}
	if sh.Fault {
		return 500
	}
	return 400
}

// SenderFault reports an exception that is the caller's fault.
func (sh *Shape) SenderFault() bool {
	if sh.Error != nil && sh.Error.Sender {
		return true
	}
	return !sh.Fault && sh.ErrorStatus() < 500
}

// MemberNamed returns a structure's member by name, or nil.
func (sh *Shape) MemberNamed(name string) *Member {
	for i := range sh.Members {
		if sh.Members[i].Name == name {
			return &sh.Members[i]
		}
	}
	return nil
}

// Services are the four models, by Name.
func Services() []*Service {
	return []*Service{AccessAnalyzer, IAM, Organizations, STS}
}

// Exceptions lists a service's exception shapes, sorted by name.
func (s *Service) Exceptions() []*Shape {
	var out []*Shape
	for i := range s.Shapes {
		if s.Shapes[i].Exception {
			out = append(out, &s.Shapes[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// compiled patterns: the Go translations (patterns_gen.go) compiled once.
var (
	compileOnce sync.Once
	compiled    map[string]compiledPattern
)

type compiledPattern struct {
	match   *regexp.Regexp
	exclude []string
}

func pattern(java string) (compiledPattern, bool) {
	compileOnce.Do(func() {
		compiled = make(map[string]compiledPattern, len(patterns))
		for j, p := range patterns {
			compiled[j] = compiledPattern{match: regexp.MustCompile(p.Go), exclude: p.Exclude}
		}
	})
	c, ok := compiled[java]
	return c, ok
}

// Matches reports whether s satisfies the model pattern java (a pattern
// of one of the four models) as AWS's Java matcher does: the whole of s
// matches. ok is false for a pattern the models do not have.
func Matches(java, s string) (match, ok bool) {
	c, ok := pattern(java)
	if !ok {
		return false, false
	}
	if !c.match.MatchString(s) {
		return false, true
	}
	for _, x := range c.exclude {
		if strings.Contains(s, x) {
			return false, true
		}
	}
	return true, true
}

// goPattern is a Java pattern translated to Go (RE2): the whole string
// matches Go, and contains none of Exclude (for a lookahead RE2 lacks,
// translated by hand). Note says how it was translated when not
// mechanically.
type goPattern struct {
	Go      string
	Exclude []string
	Note    string
}
