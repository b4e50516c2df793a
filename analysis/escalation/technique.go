package escalation

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed techniques.yaml
var techniquesYAML []byte

// Technique is one way to gain another identity's permissions (or more of
// one's own), as techniques.yaml writes it.
type Technique struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Sources are the public write-ups and catalogues that describe the
	// technique, and the AWS documentation of its actions (URLs).
	Sources []string `yaml:"sources"`
	// Target is what the technique acts on: user, role, group, policy,
	// policyVersion, resource (of ResourceType), instanceProfile or self.
	Target       string `yaml:"target"`
	ResourceType string `yaml:"resourceType,omitempty"`
	// Service is the service principal a passed role must trust, and the
	// value of iam:PassedToService.
	Service string `yaml:"service,omitempty"`
	// Requires names the conditions on the target (and the principal) the
	// technique needs; see the requirement constants.
	Requires []string   `yaml:"requires,omitempty"`
	Steps    []StepSpec `yaml:"steps"`
	// Gains is target (the target user or role), role (the role the
	// target runs as, or the target role passed to a service) or self.
	Gains string `yaml:"gains"`
	// Grant is what the gained identity holds beyond what the world gives
	// it: adminPolicy (AdministratorAccess attached), allowAll (an inline
	// policy allowing * on *), group (the target group's policies),
	// version (the target version as its policy's default), newVersion
	// (the target policy's default replaced by one allowing * on *).
	Grant string `yaml:"grant,omitempty"`
}

// StepSpec is one request of a technique.
type StepSpec struct {
	Action   string            `yaml:"action"`
	Resource string            `yaml:"resource"`
	Context  map[string]string `yaml:"context,omitempty"`
	// NewTrust decides the step with the target role's trust policy
	// replaced by one that allows the principal sts:AssumeRole (what a
	// preceding iam:UpdateAssumeRolePolicy wrote).
	NewTrust bool `yaml:"newTrust,omitempty"`
}

// Requirements a technique may name.
const (
	ReqNotSelf        = "notSelf"        // the target is not the principal
	ReqSameAccount    = "sameAccount"    // the target is in the principal's account
	ReqAccessKeySlot  = "accessKeySlot"  // the target user has fewer than 2 access keys
	ReqLoginProfile   = "loginProfile"   // the target user has a console password
	ReqNoLoginProfile = "noLoginProfile" // ... has none
	ReqNoMFA          = "noMFA"          // the target user has no MFA device (its password alone signs in)
	ReqIsUser         = "isUser"         // the principal is a user
	ReqIsRole         = "isRole"         // the principal is a role
	ReqMember         = "member"         // the principal is a member of the target group
	ReqNotMember      = "notMember"      // ... is not
	ReqAttachedToSelf = "attachedToSelf" // the target policy is attached to the principal (or its groups)
	ReqVersionSlot    = "versionSlot"    // the target policy has fewer than 5 versions
	ReqNotDefault     = "notDefault"     // the target version is not its policy's default
	ReqTrustsService  = "trustsService"  // the role lets Service assume it (decided by the engine)
	ReqHasRole        = "hasRole"        // the target resource runs as a role
	ReqHasProfile     = "hasProfile"     // the target instance has an instance profile with a role
)

var requirements = []string{ReqNotSelf, ReqSameAccount, ReqAccessKeySlot, ReqLoginProfile, ReqNoLoginProfile, ReqNoMFA, ReqIsUser, ReqIsRole,
	ReqMember, ReqNotMember, ReqAttachedToSelf, ReqVersionSlot, ReqNotDefault, ReqTrustsService, ReqHasRole, ReqHasProfile}

var (
	targets = []string{"user", "role", "group", "policy", "policyVersion", "resource", "instanceProfile", "self"}
	gains   = []string{"target", "role", "self"}
	grants  = []string{"", "adminPolicy", "allowAll", "group", "version", "newVersion"}
)

// ErrTechnique is what a TechniqueError wraps.
var ErrTechnique = errors.New("bad technique")

// TechniqueError is a technique file's mistake, at its line.
type TechniqueError struct {
	File string
	Line int
	ID   string
	Msg  string
}

func (e *TechniqueError) Error() string {
	return fmt.Sprintf("%s:%d: technique %s: %s", e.File, e.Line, e.ID, e.Msg)
}

func (e *TechniqueError) Unwrap() error { return ErrTechnique }

type techniqueFile struct {
	Sources    map[string]string `yaml:"sources"`
	Techniques []yaml.Node       `yaml:"techniques"`
}

// ParseTechniques reads a technique file (the format of techniques.yaml).
func ParseTechniques(name string, data []byte) ([]*Technique, error) {
	var f techniqueFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []*Technique
	var errs []error
	seen := map[string]bool{}
	for i := range f.Techniques {
		n := &f.Techniques[i]
		t := new(Technique)
		if err := n.Decode(t); err != nil {
			errs = append(errs, &TechniqueError{File: name, Line: n.Line, ID: "#" + fmt.Sprint(i+1), Msg: err.Error()})
			continue
		}
		bad := func(format string, args ...any) {
			errs = append(errs, &TechniqueError{File: name, Line: n.Line, ID: t.ID, Msg: fmt.Sprintf(format, args...)})
		}
		switch {
		case t.ID == "":
			bad("no id")
		case seen[t.ID]:
			bad("id listed twice")
		}
		seen[t.ID] = true
		if len(t.Sources) == 0 {
			bad("no sources: every technique cites where it is described")
		}
		if !slices.Contains(targets, t.Target) {
			bad("target %q: want one of %s", t.Target, strings.Join(targets, ", "))
		}
		if (t.Target == "resource") != (t.ResourceType != "") {
			bad("a resource target, and only one, needs a resourceType")
		}
		if !slices.Contains(gains, t.Gains) {
			bad("gains %q: want one of %s", t.Gains, strings.Join(gains, ", "))
		}
		if !slices.Contains(grants, t.Grant) {
			bad("grant %q: want one of %s", t.Grant, strings.Join(grants[1:], ", "))
		}
		for _, r := range t.Requires {
			if !slices.Contains(requirements, r) {
				bad("requirement %q: want one of %s", r, strings.Join(requirements, ", "))
			}
		}
		if slices.Contains(t.Requires, ReqTrustsService) != (t.Service != "") {
			bad("a service and the trustsService requirement go together")
		}
		if len(t.Steps) == 0 {
			bad("no steps")
		}
		for _, s := range t.Steps {
			if !strings.Contains(s.Action, ":") || s.Resource == "" {
				bad("step %q on %q: want service:Action and a resource", s.Action, s.Resource)
			}
		}
		out = append(out, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

var (
	defaultOnce sync.Once
	defaultList []*Technique
	defaultErr  error
)

// Techniques returns the built-in techniques (techniques.yaml).
func Techniques() ([]*Technique, error) {
	defaultOnce.Do(func() { defaultList, defaultErr = ParseTechniques("techniques.yaml", techniquesYAML) })
	return defaultList, defaultErr
}

func (t *Technique) requires(r string) bool { return slices.Contains(t.Requires, r) }
