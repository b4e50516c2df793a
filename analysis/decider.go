package analysis

import (
	"maps"
	"strings"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// Decider is the decider of who-can and can for analyses built on this
// package (escalation paths): it decides one step at a time through the
// world, every key the request does not give and the world does not derive
// unknown, so that a condition on it becomes the step's AllowedIf, and
// re-decides every alternative's witness with the engine.
type Decider struct {
	d decider
}

// NewDecider decides in w; context holds keys known for every request.
func NewDecider(w *world.World, context map[string][]string, t time.Time) *Decider {
	return &Decider{d: decider{w: w, context: context, time: t}}
}

// Change changes a gathered request before it is decided: it adds an
// identity policy the caller would have after a change of the world, or
// replaces the resource's policy.
type Change func(*engine.Request)

// Decide returns the step of caller doing action on resource with the keys
// of given added to the decider's context (a technique's
// iam:PassedToService, say), nil when the engine allows it for no value of
// the unknown keys, or an error (an UnknownError when it cannot be exact).
// change, when not nil, changes the request first.
func (d *Decider) Decide(c *world.Caller, principal, action, resource string, given map[string][]string, change Change) (*Step, error) {
	if len(given) == 0 && change == nil {
		return d.d.decide(c, principal, action, resource)
	}
	ctx := d.d.context
	if len(given) > 0 {
		ctx = maps.Clone(d.d.context)
		if ctx == nil {
			ctx = map[string][]string{}
		}
		maps.Copy(ctx, given)
	}
	req, err := d.d.w.Gather(world.Request{Caller: c, Action: strings.ToLower(action), Resource: resource, Context: ctx, Time: d.d.time})
	if err != nil {
		return nil, err
	}
	if change != nil {
		change(&req)
	}
	q, err := req.Prepare()
	if err != nil {
		return nil, err
	}
	return stepOf(q, principal, action, resource)
}

// Candidates lists the users and roles of the world (by ARN, sorted) that
// can be allowed the action on the resource at all: an identity Allow
// statement of theirs matches it, or the resource's policy names them (see
// WhoCan). Everyone else is denied it, whatever the conditions.
func (x *Index) Candidates(action, resource string) ([]string, error) {
	_, cands, err := x.universe(action, resource, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range cands {
		if n.e != nil {
			out = append(out, n.e.arn)
		}
	}
	return out, nil
}

// AllowPatterns returns the Action patterns (lower case) of the Allow
// statements of a user's or role's identity policies (its groups'
// included), and whether one is a NotAction statement (which admits
// nearly any action); ok is false for a principal that is not a user or
// role of the world.
func (x *Index) AllowPatterns(principal string) (patterns []string, notAction, ok bool) {
	e := x.byARN[principal]
	if e == nil {
		return nil, false, false
	}
	return e.actions, e.notAction, true
}

// World is the world the index reads.
func (x *Index) World() *world.World { return x.w }
