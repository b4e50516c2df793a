package validate

import (
	"encoding/json"
	"strings"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
)

// redundantActions reports Action values whose actions another value of the
// same element already covers ("iam:GetUser" beside "iam:Get*").
func (c *checker) redundantActions(s *policy.Statement, list *policy.List, elem string) {
	if len(list.Values) < 2 || len(list.Values) > 200 {
		return
	}
	sets := make([]map[*catalog.Action]bool, len(list.Values))
	for i, v := range list.Values {
		if v.Text == "*" {
			continue
		}
		as := c.expand(v.Text)
		if len(as) == 0 || len(as) > 5000 {
			continue
		}
		sets[i] = make(map[*catalog.Action]bool, len(as))
		for _, a := range as {
			sets[i][a] = true
		}
	}
	for i, v := range list.Values {
		if sets[i] == nil {
			continue
		}
		for j, w := range list.Values {
			if i == j {
				continue
			}
			covers := w.Text == "*" || (sets[j] != nil && subset(sets[i], sets[j]))
			// Of two equal sets, report the later one only.
			if covers && sets[j] != nil && len(sets[j]) == len(sets[i]) && j > i {
				continue
			}
			if covers {
				c.add("REDUNDANT_ACTION", v.Pos, s.Path+"."+elem+"["+itoa(i)+"]", "The action %q is redundant: %q already covers it", v.Text, w.Text)
				break
			}
		}
	}
}

func subset(a, b map[*catalog.Action]bool) bool {
	if len(a) > len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// redundantResources reports resource ARNs that another ARN of the same
// element matches entirely.
func (c *checker) redundantResources(s *policy.Statement, list *policy.List, elem string) {
	if len(list.Values) < 2 {
		return
	}
	for i, v := range list.Values {
		for j, w := range list.Values {
			if i == j {
				continue
			}
			if v.Text == w.Text && j > i {
				continue
			}
			literal := !strings.ContainsAny(v.Text, "*?$")
			if v.Text == w.Text || w.Text == "*" || (literal && wildcard.Match(w.Text, v.Text) && !strings.Contains(w.Text, "$")) {
				c.add("REDUNDANT_RESOURCE", v.Pos, s.Path+"."+elem+"["+itoa(i)+"]", "The resource %q is redundant: %q already covers it", v.Text, w.Text)
				break
			}
		}
	}
}

// redundantStatements reports statements identical to an earlier one but for
// their Sid.
func (c *checker) redundantStatements() {
	seen := map[string]*policy.Statement{}
	for _, s := range c.p.Statements {
		k := statementKey(s)
		if first, ok := seen[k]; ok {
			c.add("REDUNDANT_STATEMENT", s.Pos, s.Path, "This statement grants or denies exactly what %s does; remove one of them", first.Path)
			continue
		}
		seen[k] = s
	}
}

func statementKey(s *policy.Statement) string {
	type cond struct {
		Op, Key string
		Values  []string
	}
	k := struct {
		Effect                                   string
		Principal, NotPrincipal                  *policy.Principal
		Action, NotAction, Resource, NotResource []string
		Conditions                               []cond
	}{Effect: s.Effect.String(), Action: s.Action.Texts(), NotAction: s.NotAction.Texts(), Resource: s.Resource.Texts(), NotResource: s.NotResource.Texts()}
	strip := func(p *policy.Principal) *policy.Principal {
		if p == nil {
			return nil
		}
		q := &policy.Principal{Wildcard: p.Wildcard}
		for _, l := range []struct {
			from []policy.Value
			to   *[]policy.Value
		}{{p.AWS, &q.AWS}, {p.Service, &q.Service}, {p.Federated, &q.Federated}, {p.CanonicalUser, &q.CanonicalUser}} {
			for _, v := range l.from {
				*l.to = append(*l.to, policy.Value{Text: v.Text})
			}
		}
		return q
	}
	k.Principal, k.NotPrincipal = strip(s.Principal), strip(s.NotPrincipal)
	for _, c := range s.Conditions {
		k.Conditions = append(k.Conditions, cond{c.Operator.Name, strings.ToLower(c.Key), c.Texts()})
	}
	b, _ := json.Marshal(k)
	return string(b)
}
