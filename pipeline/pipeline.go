package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// Pipeline checks submissions, records them and creates accepted policies.
type Pipeline struct {
	Store store.Store
	// World returns the current world (account labels, the security
	// account's policies).
	World func() *world.World
	// Guardrails returns the guardrails in force.
	Guardrails func(ctx context.Context) (*Guardrails, error)
	Creator    Creator
	// Now defaults to time.Now.
	Now func() time.Time
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Submit runs one submission to its end: recorded as received, checked,
// then rejected with its reasons, created with the new policy's ARN, or
// failed. The record is stored after every step, so a crash leaves the
// history up to the step it reached. sub.Account must be set.
func (p *Pipeline) Submit(ctx context.Context, sub *Submission) (*Record, error) {
	now := p.now()
	r := &Record{ID: newID(now), PolicyName: sub.PolicyName, Description: sub.PolicyDescription, Account: sub.Account, Team: sub.Team,
		Submitter: sub.Submitter, Via: sub.Via, File: sub.File, Submitted: string(sub.Document), Created: now}
	r.event(now, Received, fmt.Sprintf("%s for account %s from %s", sub.PolicyName, sub.Account, orDash(sub.Submitter)))
	if err := saveRecord(ctx, p.Store, r, 0); err != nil {
		return nil, err
	}
	save := func() error { return saveRecord(ctx, p.Store, r, store.Any) }
	g, err := p.Guardrails(ctx)
	if err != nil {
		r.Error = "the pipeline has no guardrails: " + err.Error()
		r.event(p.now(), Failed, r.Error)
		return r, save()
	}
	res, err := Check(sub, Env{World: p.World(), Guardrails: g})
	if err != nil {
		r.Error = err.Error()
		r.event(p.now(), Failed, r.Error)
		return r, save()
	}
	r.Result = res
	if !res.Accepted {
		r.event(p.now(), Rejected, rejection(res))
		return r, save()
	}
	r.event(p.now(), Checked, fmt.Sprintf("accepted by %s (guardrails version %d); appended %s", strings.Join(res.Rulesets, ", "), res.GuardrailsVersion, orDash(strings.Join(res.Appended, ", "))))
	if err := save(); err != nil {
		return nil, err
	}
	arn, err := p.Creator.CreatePolicy(ctx, CreateRequest{Account: sub.Account, Role: g.CentralRole, Name: sub.PolicyName,
		Description: sub.PolicyDescription, Body: res.Document})
	if err != nil {
		r.Error = err.Error()
		r.event(p.now(), Failed, r.Error)
		return r, save()
	}
	r.PolicyArn = arn
	r.event(p.now(), Created, arn)
	return r, save()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// rejection sums up a rejection: the first reason's message, and how many
// more there are.
func rejection(res *Result) string {
	if len(res.Reasons) == 0 {
		return "rejected"
	}
	msg := res.Reasons[0].Message
	if n := len(res.Reasons) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more reasons)", n)
	}
	return msg
}

// IsNoSubmission reports an unknown submission ID.
func IsNoSubmission(err error) bool { return errors.Is(err, ErrNoSubmission) }
