package evaldoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// Document is the request document, exactly as `iamgate eval` reads it.
type Document struct {
	Principal       string                     `json:"principal,omitempty"`
	Action          string                     `json:"action"`
	Resource        string                     `json:"resource,omitempty"`
	ResourceAccount string                     `json:"resourceAccount,omitempty"`
	Context         map[string]json.RawMessage `json:"context,omitempty"`
	Policies        Policies                   `json:"policies"`
	// ManagementAccount (an extension) names the organization's management
	// account, exempt from SCPs (its principals) and RCPs (its resources).
	ManagementAccount string `json:"managementAccount,omitempty"`
	// ResourcePolicyKind (an extension) is "resource", "trust" or "key";
	// inferred from the action and resource when omitted.
	ResourcePolicyKind string `json:"resourcePolicyKind,omitempty"`
}

// Policies holds the document's policies as raw JSON.
type Policies struct {
	Identity            []json.RawMessage   `json:"identity,omitempty"`
	Resource            json.RawMessage     `json:"resource,omitempty"`
	PermissionsBoundary json.RawMessage     `json:"permissionsBoundary,omitempty"`
	Session             json.RawMessage     `json:"session,omitempty"`
	SCP                 [][]json.RawMessage `json:"scp,omitempty"`
	RCP                 [][]json.RawMessage `json:"rcp,omitempty"`
	Endpoint            json.RawMessage     `json:"endpoint,omitempty"`
}

// Parse reads a document and builds the request. name is used in errors.
func Parse(name string, data []byte) (engine.Request, error) {
	var req engine.Request
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return req, fmt.Errorf("%s: invalid request document: %v", name, err)
	}
	req.Principal = doc.Principal
	req.Action = doc.Action
	req.Resource = doc.Resource
	req.ResourceAccount = doc.ResourceAccount
	req.ManagementAccount = doc.ManagementAccount
	switch strings.ToLower(doc.ResourcePolicyKind) {
	case "", "auto":
	case "resource", "generic":
		req.ResourcePolicyKind = engine.KindGeneric
	case "trust":
		req.ResourcePolicyKind = engine.KindTrust
	case "key":
		req.ResourcePolicyKind = engine.KindKey
	default:
		return req, fmt.Errorf("%s: resourcePolicyKind %q: want resource, trust or key", name, doc.ResourcePolicyKind)
	}
	if req.Action == "" {
		return req, fmt.Errorf("%s: the request document needs an action", name)
	}
	ctx, err := contextValues(doc.Context)
	if err != nil {
		return req, fmt.Errorf("%s: context: %v", name, err)
	}
	req.Context = ctx

	c := &compiler{name: name, data: data}
	for i, raw := range doc.Policies.Identity {
		if p := c.one(raw, engine.IdentityPolicy, fmt.Sprintf("policies.identity[%d]", i)); p != nil {
			req.Policies.Identity = append(req.Policies.Identity, p)
		}
	}
	req.Policies.Resource = c.one(doc.Policies.Resource, engine.ResourcePolicy, "policies.resource")
	req.Policies.PermissionsBoundary = c.one(doc.Policies.PermissionsBoundary, engine.BoundaryPolicy, "policies.permissionsBoundary")
	req.Policies.Endpoint = c.one(doc.Policies.Endpoint, engine.EndpointPolicy, "policies.endpoint")
	// session: one policy, or an array of them (inline plus managed).
	if s := bytes.TrimSpace(doc.Policies.Session); len(s) > 0 && s[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(s, &list); err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s: policies.session: %v", name, err))
		}
		for i, raw := range list {
			if p := c.one(raw, engine.SessionPolicy, fmt.Sprintf("policies.session[%d]", i)); p != nil {
				req.Policies.Session = append(req.Policies.Session, p)
			}
		}
	} else if p := c.one(doc.Policies.Session, engine.SessionPolicy, "policies.session"); p != nil {
		req.Policies.Session = []*engine.Policy{p}
	}
	req.Policies.SCP = c.levels(doc.Policies.SCP, engine.SCP, "scp")
	req.Policies.RCP = c.levels(doc.Policies.RCP, engine.RCP, "rcp")
	if len(c.errs) > 0 {
		return req, errors.Join(c.errs...)
	}
	return req, nil
}

func contextValues(in map[string]json.RawMessage) (map[string][]string, error) {
	out := make(map[string][]string, len(in))
	for k, raw := range in {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		switch t := v.(type) {
		case []any:
			vals := make([]string, 0, len(t))
			for _, e := range t {
				s, err := scalar(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", k, err)
				}
				vals = append(vals, s)
			}
			out[k] = vals
		default:
			s, err := scalar(t)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", k, err)
			}
			out[k] = []string{s}
		}
	}
	return out, nil
}

func scalar(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	case float64:
		return fmt.Sprint(t), nil
	}
	return "", fmt.Errorf("want a string or an array of strings, got %T", v)
}

type compiler struct {
	name string
	data []byte
	errs []error
}

// one parses and compiles one embedded policy. An omitted policy, null or {}
// means none.
func (c *compiler) one(raw json.RawMessage, typ engine.PolicyType, path string) *engine.Policy {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) || isEmptyObject(t) {
		return nil
	}
	if t[0] == '"' {
		return c.managed(t, typ, path)
	}
	p, err := policy.Parse(c.name, c.inPlace(t))
	if err == nil {
		var cp *engine.Policy
		cp, err = engine.Compile(p, typ, path)
		if err == nil {
			return cp
		}
	}
	var errs policy.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			if e.Path == "" {
				e.Path = path
			} else {
				e.Path = path + "." + e.Path
			}
			c.errs = append(c.errs, e)
		}
		return nil
	}
	c.errs = append(c.errs, fmt.Errorf("%s: %s: %v", c.name, path, err))
	return nil
}

// managed resolves an AWS managed policy given by ARN, such as
// "arn:aws:iam::aws:policy/ReadOnlyAccess", through the embedded catalog.
func (c *compiler) managed(t []byte, typ engine.PolicyType, path string) *engine.Policy {
	var arn string
	if err := json.Unmarshal(t, &arn); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: %s: %v", c.name, path, err))
		return nil
	}
	if !catalog.IsAWSManagedARN(arn) {
		c.errs = append(c.errs, fmt.Errorf("%s: %s: %q: a policy is a JSON object, or the ARN of an AWS managed policy (arn:aws:iam::aws:policy/NAME)", c.name, path, arn))
		return nil
	}
	mp, ok := catalog.Managed().Lookup(arn)
	if !ok {
		c.errs = append(c.errs, fmt.Errorf("%s: %s: unknown AWS managed policy %q (the catalog holds %s)", c.name, path, arn, catalog.Managed().Source))
		return nil
	}
	p, err := policy.Parse(mp.ARN, mp.Document)
	if err == nil {
		var cp *engine.Policy
		if cp, err = engine.Compile(p, typ, mp.ARN); err == nil {
			return cp
		}
	}
	c.errs = append(c.errs, fmt.Errorf("%s: %s: %v", c.name, path, err))
	return nil
}

func isEmptyObject(t []byte) bool {
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(t[1:len(t)-1])) == 0
}

func (c *compiler) levels(in [][]json.RawMessage, typ engine.PolicyType, key string) [][]*engine.Policy {
	if in == nil {
		return nil
	}
	out := make([][]*engine.Policy, len(in))
	for i, level := range in {
		out[i] = []*engine.Policy{}
		for j, raw := range level {
			if p := c.one(raw, typ, fmt.Sprintf("policies.%s[%d][%d]", key, i, j)); p != nil {
				out[i] = append(out[i], p)
			}
		}
	}
	return out
}

// inPlace returns the document with everything but the embedded policy t
// blanked out (newlines kept), so that positions the policy parser reports
// are positions in the document file.
func (c *compiler) inPlace(t []byte) []byte {
	base := bytes.Index(c.data, t)
	if base < 0 {
		return t
	}
	buf := make([]byte, len(c.data))
	for i, b := range c.data {
		switch {
		case i >= base && i < base+len(t):
			buf[i] = b
		case b == '\n':
			buf[i] = '\n'
		default:
			buf[i] = ' '
		}
	}
	return buf
}
