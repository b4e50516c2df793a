package accesstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// Result is the outcome of one test.
type Result struct {
	Test   Test
	File   string
	Passed bool
	// Got is the decision: of the final request, or of the AssumeRole step
	// that was refused.
	Got engine.Decision
	// Explanation explains Got.
	Explanation *engine.Explanation
	// Step names the chain step that was refused, if one was.
	Step string
	// Err is set when the test could not run (an unknown principal, ...).
	Err      error
	Duration time.Duration
}

// Options configure a run.
type Options struct {
	// Now is the request time; time.Now when zero.
	Now time.Time
}

// Run runs every test of f against w.
func Run(w *world.World, f *File, o Options) []Result {
	out := make([]Result, 0, len(f.Tests))
	for _, t := range f.Tests {
		start := time.Now()
		r := runOne(w, t, o)
		r.File, r.Duration = f.Path, time.Since(start)
		out = append(out, r)
	}
	return out
}

func runOne(w *world.World, t Test, o Options) Result {
	r := Result{Test: t}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	fail := func(err error) Result { r.Err = err; return r }
	caller, err := w.Caller(t.Principal)
	if err != nil {
		return fail(err)
	}
	ok, _ := expectation(t.Expect)
	for i, s := range t.Assume {
		ctx, err := contextValues(s.Context)
		if err != nil {
			return fail(err)
		}
		sp, err := policyJSON(s.SessionPolicy)
		if err != nil {
			return fail(err)
		}
		in := world.AssumeRoleInput{RoleARN: s.Role, SessionName: s.SessionName, ExternalID: s.ExternalID, SessionTags: s.SessionTags,
			TransitiveTagKeys: s.TransitiveTagKeys, SessionPolicy: sp, PolicyARNs: s.PolicyARNs, SourceIdentity: s.SourceIdentity, Context: ctx, Time: now}
		res, err := w.AssumeRole(caller, in)
		if err != nil {
			return fail(fmt.Errorf("assume step %d (%s): %v", i+1, s.Role, err))
		}
		if res.Caller == nil {
			r.Step = fmt.Sprintf("step %d: AssumeRole %s", i+1, in)
			r.Got = engine.ImplicitDeny
			if res.Denied != nil {
				r.Got, r.Explanation = res.Denied.Decision, res.Denied
			} else {
				r.Step += ": " + res.Reason
			}
			r.Passed = ok(r.Got)
			return r
		}
		caller = res.Caller
	}
	ctx, err := contextValues(t.Context)
	if err != nil {
		return fail(err)
	}
	e, err := w.Decide(world.Request{Caller: caller, Action: t.Action, Resource: t.Resource, Context: ctx, Time: now})
	if err != nil {
		return fail(err)
	}
	r.Got, r.Explanation, r.Passed = e.Decision, e, ok(e.Decision)
	return r
}

// Summary counts results.
func Summary(rs []Result) (passed, failed int) {
	for _, r := range rs {
		if r.Passed && r.Err == nil {
			passed++
		} else {
			failed++
		}
	}
	return
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}
