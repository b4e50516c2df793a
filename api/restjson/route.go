package restjson

import (
	"net/url"
	"strings"

	"github.com/iamgate/iamgate/api/model"
)

// Router finds an operation by the HTTP method and path of a request, as
// the model binds each operation (botocore's "http": method and
// requestUri, with {label} and {label+} URI members).
type Router struct {
	routes []route
}

type route struct {
	name, method string
	segments     []string
}

// NewRouter routes the operations served of svc (all of them when none
// is named). An operation svc does not have is left out.
func NewRouter(svc *model.Service, served ...string) *Router {
	want := map[string]bool{}
	for _, n := range served {
		want[n] = true
	}
	r := &Router{}
	for _, op := range svc.Operations {
		if len(served) > 0 && !want[op.Name] {
			continue
		}
		path, _, _ := strings.Cut(op.Path, "?")
		r.routes = append(r.routes, route{name: op.Name, method: op.Method, segments: strings.Split(strings.TrimPrefix(path, "/"), "/")})
	}
	return r
}

// Match is the operation bound to method and path, with the values of its
// URI labels; ok is false when none is. path is as the request has it
// on the wire (escaped): each segment is unescaped, so that a label may
// hold a "/" sent as %2F (an ARN in /tags/{resourceArn}).
func (r *Router) Match(method, path string) (name string, labels map[string]string, ok bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	for _, rt := range r.routes {
		if rt.method != method {
			continue
		}
		if l, ok := rt.match(segs); ok {
			return rt.name, l, true
		}
	}
	return "", nil, false
}

func (rt route) match(segs []string) (map[string]string, bool) {
	labels := map[string]string{}
	for i, s := range rt.segments {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
			rest := strings.Join(segs[min(i, len(segs)):], "/")
			if rest == "" {
				return nil, false
			}
			labels[s[1:len(s)-2]] = rest
			return labels, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if segs[i] == "" {
				return nil, false
			}
			labels[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return labels, len(segs) == len(rt.segments)
}
