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

	"github.com/iamgate/iamgate/wildcard"
)

//go:embed data/iam-data.json.gz
var embedded []byte

// Access levels, as the Service Authorization Reference names them.
const (
	List                  = "List"
	Read                  = "Read"
	Write                 = "Write"
	PermissionsManagement = "Permissions management"
	Tagging               = "Tagging"
)

// Catalog is the whole service catalog.
type Catalog struct {
	// Source names the package and version the data came from.
	Source   string
	Services []*Service
	Global   []ConditionKey

	byPrefix map[string]*Service
	global   keySet
}

// Service is one AWS service, known by its action prefix.
type Service struct {
	Prefix        string
	Name          string
	Actions       []*Action
	ResourceTypes []*ResourceType
	ConditionKeys []ConditionKey

	actions   map[string]*Action
	resources map[string]*ResourceType
	keys      keySet
}

// Action is one IAM action.
type Action struct {
	Service *Service
	Name    string
	// AccessLevel is the action's first (most specific) access level.
	// Levels lists them all: the reference gives some actions two, such as
	// "Permissions management" and "Write" for iam:PutRolePolicy.
	AccessLevel   string
	Levels        []string
	ResourceTypes []ActionResource
	ConditionKeys []string
}

// FullName returns "prefix:Name".
func (a *Action) FullName() string { return a.Service.Prefix + ":" + a.Name }

// ActionResource is a resource type an action can act on.
type ActionResource struct {
	// Type is nil when the catalog names a type it does not describe.
	Type          *ResourceType
	Name          string
	Required      bool
	ConditionKeys []string
}

// ResourceType is a kind of resource with its ARN format, such as
// arn:${Partition}:s3:::${BucketName}/${ObjectName}.
type ResourceType struct {
	Name          string
	ARN           string
	ConditionKeys []string
}

// ConditionKey is a condition key and its type (String, ARN, Bool, Date,
// Numeric, IPAddress, ArrayOfString, ...). Names may hold a placeholder such
// as ${TagKey} or tag-key that stands for any text.
type ConditionKey struct {
	Name string
	Type string
}

var (
	once    sync.Once
	def     *Catalog
	loadErr error
)

// Default returns the embedded catalog, loading it on first use.
func Default() *Catalog {
	once.Do(func() { def, loadErr = Load(embedded) })
	if loadErr != nil {
		panic(fmt.Sprintf("catalog: embedded data is corrupt: %v", loadErr))
	}
	return def
}

type wire struct {
	Source   string `json:"source"`
	Services []struct {
		Prefix  string `json:"p"`
		Name    string `json:"n"`
		Actions []struct {
			Name      string `json:"n"`
			Level     string `json:"l"`
			Resources []struct {
				Name     string   `json:"n"`
				Required bool     `json:"r"`
				Keys     []string `json:"k"`
			} `json:"r"`
			Keys []string `json:"k"`
		} `json:"a"`
		Resources []struct {
			Name string   `json:"n"`
			ARN  string   `json:"a"`
			Keys []string `json:"k"`
		} `json:"r"`
		Keys []struct {
			Key  string `json:"k"`
			Type string `json:"t"`
		} `json:"k"`
	} `json:"services"`
	Global []struct {
		Key  string `json:"k"`
		Type string `json:"t"`
	} `json:"global"`
}

// Load reads a catalog in the generator's gzip-compressed form.
func Load(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	var w wire
	if err := json.NewDecoder(zr).Decode(&w); err != nil {
		return nil, err
	}
	c := &Catalog{Source: w.Source, byPrefix: map[string]*Service{}, global: newKeySet()}
	for _, k := range w.Global {
		ck := ConditionKey{Name: k.Key, Type: k.Type}
		c.Global = append(c.Global, ck)
		c.global.add(ck)
	}
	for _, ws := range w.Services {
		s := &Service{Prefix: ws.Prefix, Name: ws.Name, actions: map[string]*Action{}, resources: map[string]*ResourceType{}, keys: newKeySet()}
		for _, r := range ws.Resources {
			rt := &ResourceType{Name: r.Name, ARN: r.ARN, ConditionKeys: r.Keys}
			s.ResourceTypes = append(s.ResourceTypes, rt)
			s.resources[strings.ToLower(r.Name)] = rt
		}
		for _, k := range ws.Keys {
			ck := ConditionKey{Name: k.Key, Type: k.Type}
			s.ConditionKeys = append(s.ConditionKeys, ck)
			s.keys.add(ck)
		}
		for _, wa := range ws.Actions {
			a := &Action{Service: s, Name: wa.Name, Levels: strings.Split(wa.Level, ", "), ConditionKeys: wa.Keys}
			a.AccessLevel = a.Levels[0]
			for _, r := range wa.Resources {
				a.ResourceTypes = append(a.ResourceTypes, ActionResource{
					Type: s.resources[strings.ToLower(r.Name)], Name: r.Name, Required: r.Required, ConditionKeys: r.Keys,
				})
			}
			s.Actions = append(s.Actions, a)
			s.actions[strings.ToLower(a.Name)] = a
		}
		c.Services = append(c.Services, s)
		c.byPrefix[strings.ToLower(s.Prefix)] = s
	}
	return c, nil
}

// Service returns the service with the given action prefix (any case).
func (c *Catalog) Service(prefix string) (*Service, bool) {
	s, ok := c.byPrefix[strings.ToLower(prefix)]
	return s, ok
}

// Action looks up "prefix:Name", case-insensitively.
func (c *Catalog) Action(name string) (*Action, bool) {
	prefix, act, ok := strings.Cut(name, ":")
	if !ok {
		return nil, false
	}
	s, ok := c.Service(prefix)
	if !ok {
		return nil, false
	}
	a, ok := s.actions[strings.ToLower(act)]
	return a, ok
}

// Expand returns every action that an Action element value matches, such as
// "s3:Get*", "*:Describe*" or "*", sorted by full name. Matching is
// case-insensitive, as IAM matches actions.
func (c *Catalog) Expand(pattern string) []*Action {
	var out []*Action
	if pattern == "*" {
		for _, s := range c.Services {
			out = append(out, s.Actions...)
		}
		return sortActions(out)
	}
	prefix, act, ok := strings.Cut(pattern, ":")
	if !ok {
		return nil
	}
	services := c.Services
	if !wildcard.HasWildcard(prefix) {
		s, ok := c.Service(prefix)
		if !ok {
			return nil
		}
		services = []*Service{s}
	}
	for _, s := range services {
		if !wildcard.MatchFold(prefix, s.Prefix) {
			continue
		}
		if !wildcard.HasWildcard(act) {
			if a, ok := s.actions[strings.ToLower(act)]; ok {
				out = append(out, a)
			}
			continue
		}
		for _, a := range s.Actions {
			if wildcard.MatchFold(act, a.Name) {
				out = append(out, a)
			}
		}
	}
	return sortActions(out)
}

func sortActions(as []*Action) []*Action {
	sort.Slice(as, func(i, j int) bool {
		if as[i].Service.Prefix != as[j].Service.Prefix {
			return as[i].Service.Prefix < as[j].Service.Prefix
		}
		return as[i].Name < as[j].Name
	})
	return as
}

// ConditionKey finds a condition key, global (aws:...) or service-specific,
// case-insensitively. Keys with placeholders match any text in their place:
// aws:RequestTag/Project finds aws:RequestTag/${TagKey}.
func (c *Catalog) ConditionKey(name string) (ConditionKey, bool) {
	if k, ok := c.global.find(name); ok {
		return k, true
	}
	prefix, _, ok := strings.Cut(name, ":")
	if !ok {
		return ConditionKey{}, false
	}
	if s, ok := c.Service(prefix); ok {
		return s.keys.find(name)
	}
	return ConditionKey{}, false
}

// ConditionKey finds a condition key that the service defines, including
// keys named after identity providers (accounts.google.com:aud in sts), and
// then global keys.
func (s *Service) ConditionKey(c *Catalog, name string) (ConditionKey, bool) {
	if k, ok := s.keys.find(name); ok {
		return k, true
	}
	return c.ConditionKey(name)
}

// keySet finds condition keys by exact name or by placeholder pattern.
type keySet struct {
	exact    map[string]ConditionKey
	patterns []keyPattern
}

type keyPattern struct {
	prefix, suffix string
	key            ConditionKey
}

func newKeySet() keySet { return keySet{exact: map[string]ConditionKey{}} }

func (ks *keySet) add(k ConditionKey) {
	lower := strings.ToLower(k.Name)
	if prefix, suffix, ok := splitPlaceholder(lower); ok {
		ks.patterns = append(ks.patterns, keyPattern{prefix: prefix, suffix: suffix, key: k})
		return
	}
	ks.exact[lower] = k
}

// splitPlaceholder splits a key name around its placeholder: ${TagKey},
// <key>, or a trailing tag-key, as the reference writes them.
func splitPlaceholder(lower string) (prefix, suffix string, ok bool) {
	for _, delims := range [][2]string{{"${", "}"}, {"<", ">"}} {
		if i := strings.Index(lower, delims[0]); i >= 0 {
			if j := strings.Index(lower[i:], delims[1]); j > 0 {
				return lower[:i], lower[i+j+1:], true
			}
		}
	}
	if strings.HasSuffix(lower, "/tag-key") {
		return strings.TrimSuffix(lower, "tag-key"), "", true
	}
	return "", "", false
}

// KeyMatches reports whether a condition key name from a policy matches a
// key name from the catalog, which may hold a placeholder
// (aws:RequestTag/${TagKey} matches aws:RequestTag/Project). Case is ignored.
func KeyMatches(catalogName, name string) bool {
	lc, ln := strings.ToLower(catalogName), strings.ToLower(name)
	if prefix, suffix, ok := splitPlaceholder(lc); ok {
		return len(ln) > len(prefix)+len(suffix) && strings.HasPrefix(ln, prefix) && strings.HasSuffix(ln, suffix)
	}
	return lc == ln
}

func (ks *keySet) find(name string) (ConditionKey, bool) {
	lower := strings.ToLower(name)
	if k, ok := ks.exact[lower]; ok {
		return k, true
	}
	for _, p := range ks.patterns {
		if len(lower) > len(p.prefix)+len(p.suffix) && strings.HasPrefix(lower, p.prefix) && strings.HasSuffix(lower, p.suffix) {
			return p.key, true
		}
	}
	return ConditionKey{}, false
}
