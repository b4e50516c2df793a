package catalog

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed data/managed-policies.json.gz
var embeddedManaged []byte

// ManagedPolicy is an AWS managed policy at its default version, such as
// arn:aws:iam::aws:policy/AdministratorAccess or
// arn:aws:iam::aws:policy/service-role/AWSLambdaRole.
type ManagedPolicy struct {
	Name      string
	ARN       string
	VersionID string
	Created   string
	Updated   string
	// Document is the policy document as JSON.
	Document []byte
}

// Path returns the policy's path, such as "/" or "/service-role/".
func (m *ManagedPolicy) Path() string {
	rest := strings.TrimPrefix(m.ARN, "arn:aws:iam::aws:policy")
	if i := strings.LastIndexByte(rest, '/'); i > 0 {
		return rest[:i+1]
	}
	return "/"
}

// ManagedPolicies is the set of AWS managed policies.
type ManagedPolicies struct {
	Source   string
	Policies []*ManagedPolicy
	byARN    map[string]*ManagedPolicy
	byName   map[string]*ManagedPolicy
}

var (
	managedOnce sync.Once
	managed     *ManagedPolicies
	managedErr  error
)

// Managed returns the embedded AWS managed policies, loading them on first use.
func Managed() *ManagedPolicies {
	managedOnce.Do(func() { managed, managedErr = LoadManaged(embeddedManaged) })
	if managedErr != nil {
		panic(fmt.Sprintf("catalog: embedded managed policies are corrupt: %v", managedErr))
	}
	return managed
}

// LoadManaged reads managed policies in the generator's compressed form.
func LoadManaged(gz []byte) (*ManagedPolicies, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	var w struct {
		Source   string `json:"source"`
		Policies []struct {
			Name      string          `json:"n"`
			ARN       string          `json:"a"`
			VersionID string          `json:"v"`
			Created   string          `json:"c"`
			Updated   string          `json:"u"`
			Document  json.RawMessage `json:"d"`
		} `json:"policies"`
	}
	if err := json.NewDecoder(zr).Decode(&w); err != nil {
		return nil, err
	}
	m := &ManagedPolicies{Source: w.Source, byARN: map[string]*ManagedPolicy{}, byName: map[string]*ManagedPolicy{}}
	for _, p := range w.Policies {
		mp := &ManagedPolicy{Name: p.Name, ARN: p.ARN, VersionID: p.VersionID, Created: p.Created, Updated: p.Updated, Document: p.Document}
		m.Policies = append(m.Policies, mp)
		m.byARN[mp.ARN] = mp
		m.byName[strings.ToLower(mp.Name)] = mp
	}
	sort.Slice(m.Policies, func(i, j int) bool { return m.Policies[i].ARN < m.Policies[j].ARN })
	return m, nil
}

// IsAWSManagedARN reports whether arn names an AWS managed policy (in any
// partition), whether or not the catalog knows it.
func IsAWSManagedARN(arn string) bool {
	_, rest, ok := strings.Cut(arn, ":iam::aws:policy/")
	return ok && strings.HasPrefix(arn, "arn:") && rest != ""
}

// Lookup finds a managed policy by ARN. ARNs in other partitions
// (arn:aws-cn:..., arn:aws-us-gov:...) find the same policy.
func (m *ManagedPolicies) Lookup(arn string) (*ManagedPolicy, bool) {
	if p, ok := m.byARN[arn]; ok {
		return p, true
	}
	if _, rest, ok := strings.Cut(arn, ":iam::aws:policy/"); ok && strings.HasPrefix(arn, "arn:") {
		p, ok := m.byARN["arn:aws:iam::aws:policy/"+rest]
		return p, ok
	}
	return nil, false
}

// ByName finds a managed policy by its name, case-insensitively.
func (m *ManagedPolicies) ByName(name string) (*ManagedPolicy, bool) {
	p, ok := m.byName[strings.ToLower(name)]
	return p, ok
}
