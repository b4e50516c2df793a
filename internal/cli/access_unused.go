package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// activitySource says where an activity verb reads its world and its
// activity: a world file with CloudTrail log files, or the store (its
// world and its audit log, imported CloudTrail events included).
type activitySource struct {
	world      string
	store      string
	cloudtrail []string
	days       int
	now        string // RFC 3339; empty: the clock
}

func addActivityFlags(cmd *cobra.Command, s *activitySource) {
	cmd.Flags().StringVar(&s.world, "world", "", "a world file; its activity comes from --cloudtrail (without --world: the store's world and audit log)")
	cmd.Flags().StringArrayVar(&s.cloudtrail, "cloudtrail", nil, "with --world: a CloudTrail log file or directory (repeatable)")
	cmd.Flags().IntVar(&s.days, "days", 90, "the period: the last N days")
	cmd.Flags().StringVar(&s.now, "now", "", "the end of the period, RFC 3339 (default: now)")
	_ = cmd.Flags().MarkHidden("now")
	addStoreFlag(cmd, &s.store)
}

// period is the period's end and start.
func (s activitySource) period() (now, since time.Time, err error) {
	now = time.Now().UTC()
	if s.now != "" {
		if now, err = time.Parse(time.RFC3339, s.now); err != nil {
			return now, since, fmt.Errorf("--now: %v", err)
		}
	}
	if s.days <= 0 {
		return now, since, fmt.Errorf("--days %d: want a positive number of days", s.days)
	}
	return now, now.Add(-time.Duration(s.days) * 24 * time.Hour), nil
}

// load reads the world and the activity of the period; caller, when not
// "", keeps only that principal's events (and all of them, KeepEvents);
// source is "*" (all), "" (iamgate's audit log) or "cloudtrail".
func (s activitySource) load(ctx context.Context, caller, source string) (*world.World, *activity.Activity, time.Time, time.Time, error) {
	now, since, err := s.period()
	if err != nil {
		return nil, nil, now, since, err
	}
	a := activity.New()
	if caller != "" {
		want := activity.EntityKey(caller)
		a.KeepEvents = func(k string) bool { return k == want }
	}
	if s.world != "" {
		if len(s.cloudtrail) == 0 {
			return nil, nil, now, since, fmt.Errorf("--world needs --cloudtrail FILE|DIR: the activity to read")
		}
		if source == "" {
			return nil, nil, now, since, fmt.Errorf("--from audit reads the store's audit log: give --store, not --world")
		}
		w, err := world.LoadFile(s.world)
		if err != nil {
			return nil, nil, now, since, err
		}
		if err := a.ReadCloudTrail(s.cloudtrail, since, now); err != nil {
			return nil, nil, now, since, err
		}
		return w, a, now, since, nil
	}
	if len(s.cloudtrail) > 0 {
		return nil, nil, now, since, fmt.Errorf("--cloudtrail goes with --world; to analyse a store, import the logs first (iamgate import --cloudtrail)")
	}
	st, err := openStore(ctx, s.store)
	if err != nil {
		return nil, nil, now, since, err
	}
	defer st.Close()
	w, err := store.LoadWorld(ctx, st)
	if err != nil {
		return nil, nil, now, since, err
	}
	if err := a.ReadStore(ctx, st, caller, since, now, source); err != nil {
		return nil, nil, now, since, err
	}
	if source != "*" {
		a.Sources[source] = true
	}
	return w, a, now, since, nil
}

type accessUnusedParams struct {
	src        activitySource
	dataEvents bool
	output     string
}

// newAccessUnusedCmd is `iamgate access unused`.
func newAccessUnusedCmd() *cobra.Command {
	var p accessUnusedParams
	cmd := &cobra.Command{
		Use:   "unused",
		Short: "Report unused roles, access keys, group memberships, services, actions and trust relationships",
		Long: `Reads the activity of the last --days days (the store's audit log, with the
CloudTrail events imported into it; or, with --world, CloudTrail log files)
and reports, for every user and role of the world: whether it was used at
all (a role: by its sessions, or assumed), each access key's last use, each
group membership that allowed none of the user's calls, the services and
actions it is effectively granted (analysis.Can: SCPs, RCPs, boundaries and
Deny statements count) but did not use, and each principal of a role's
trust policy that never assumed it. Actions the logs cannot show are listed
as unobservable, never as unused: iam:PassRole (a permission, not a call),
data events (S3 object operations, Lambda invocations, DynamoDB items)
unless --data-events says the trails log them, and services iamgate does
not serve when no CloudTrail events were read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code, err := runAccessUnused(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addActivityFlags(cmd, &p.src)
	cmd.Flags().BoolVar(&p.dataEvents, "data-events", false, "the trails log data events: their actions can be observed")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

func runAccessUnused(ctx context.Context, p accessUnusedParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	w, a, now, since, err := p.src.load(ctx, "", "*")
	if err != nil {
		return ExitUsage, err
	}
	r, err := activity.Unused(activity.UnusedQuery{World: w, Activity: a, Since: since, Until: now, Now: now, Ctx: ctx,
		Observability: activity.Observability{CloudTrail: a.Sources[audit.SourceCloudTrail], DataEvents: p.dataEvents}})
	if err != nil {
		return ExitUsage, err
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitOK, nil
	}
	writeUnusedText(stdout, r, p.src.days)
	return ExitOK, nil
}

func writeUnusedText(out io.Writer, r *activity.Report, days int) {
	day := func(t *time.Time) string { return t.UTC().Format(time.RFC3339) }
	fmt.Fprintf(out, "Unused access, %s to %s (%d days): %d events (%s)\n", r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339), days, r.Events, strings.Join(r.Sources, ", "))
	for _, p := range r.Principals {
		fmt.Fprintf(out, "\n%s %s\n", p.Kind, p.ARN)
		if p.Unused {
			fmt.Fprintf(out, "  UNUSED: no call in the period\n")
		} else {
			fmt.Fprintf(out, "  last used %s\n", day(p.LastUsed))
		}
		switch pw := p.Password; {
		case pw != nil && pw.Unused:
			fmt.Fprintf(out, "  console password: UNUSED (no console sign-in in the period)\n")
		case pw != nil && pw.Unobservable:
			fmt.Fprintf(out, "  console password: unobservable (console sign-ins are CloudTrail events; none were read)\n")
		case p.ConsoleSignIn != nil:
			fmt.Fprintf(out, "  console sign-in %s\n", day(p.ConsoleSignIn))
		}
		for _, k := range p.AccessKeys {
			if k.Unused {
				fmt.Fprintf(out, "  access key %s (%s): UNUSED\n", k.ID, k.Status)
			} else {
				fmt.Fprintf(out, "  access key %s (%s): last used %s\n", k.ID, k.Status, day(k.LastUsed))
			}
		}
		for _, g := range p.Groups {
			if g.Unused {
				fmt.Fprintf(out, "  group %s: membership UNUSED (the group's policies allowed none of its calls)\n", g.Group)
			}
		}
		for _, t := range p.Trust {
			if !t.Exercised {
				fmt.Fprintf(out, "  trust %s: never assumed it\n", t.Principal)
			}
		}
		fmt.Fprintf(out, "  %d action(s) granted, %d used\n", p.Granted, len(p.UsedActions))
		if len(p.UnusedServices) > 0 {
			fmt.Fprintf(out, "  unused services: %s\n", strings.Join(p.UnusedServices, ", "))
		}
		if len(p.UnusedActions) > 0 {
			fmt.Fprintf(out, "  unused actions: %s\n", strings.Join(p.UnusedActions, ", "))
		}
		for _, u := range p.Unobservable {
			fmt.Fprintf(out, "  unobservable %s: %s\n", u.Action, u.Why)
		}
	}
}
