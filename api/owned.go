package api

import (
	"time"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// AuthorizeOwned decides the call's action on a resource that the account
// owner owns, under resourcePolicy (nil: none), as the caller: a resource
// the world does not hold, such as an organization's, whose service keeps
// its own resource policy (the Organizations delegation policy). Owned by
// another account than the caller's, the request is cross-account even
// for the resource "*": the caller's identity policies and the resource
// policy must both allow it.
func (c *Call) AuthorizeOwned(action, resource, owner string, extra map[string][]string, resourcePolicy *engine.Policy) *query.Error {
	ctx := c.contextWith(extra)
	start := time.Now()
	req, err := c.State.World().Gather(world.Request{Caller: c.Caller, Action: action, Resource: resource, Context: ctx, Time: c.Now})
	if err != nil {
		return awserr.ValidationError("%v", err)
	}
	req.ResourceAccount = owner
	req.Policies.Resource = resourcePolicy
	e, qe := c.Decide(req, start)
	if qe != nil || e.Decision == engine.Allowed {
		return qe
	}
	return c.refused(e)
}

// Decide prepares and decides a gathered request, with its explanation,
// and tells OnDecision of it (the time from start): the tail of every
// authorization made from a request the caller assembled.
func (c *Call) Decide(req engine.Request, start time.Time) (*engine.Explanation, *query.Error) {
	q, err := req.Prepare()
	if err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	e := engine.Explain(q)
	if c.OnDecision != nil {
		c.OnDecision(e, time.Since(start))
	}
	return e, nil
}

// contextWith is the call's request context with extra keys added (a new
// map: the call's is shared).
func (c *Call) contextWith(extra map[string][]string) map[string][]string {
	ctx := make(map[string][]string, len(c.Context)+len(extra))
	for k, v := range c.Context {
		ctx[k] = v
	}
	for k, v := range extra {
		ctx[k] = v
	}
	return ctx
}
