package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
)

type auditParams struct {
	store, account, caller, operation, since string
	limit                                    int
	follow                                   bool
	poll                                     time.Duration
	// output is text (JSON lines, which --follow extends) or json (one
	// array of the entries, without --follow).
	output string
}

func newAuditCmd() *cobra.Command {
	var p auditParams
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Query and follow the audit log as JSON lines",
		Long: `Prints the audit log of iamgate serve, one JSON object per call: time,
request ID, caller, access key, source IP, operation, outcome and every
authorization decision with what decided it. --follow keeps printing new
entries as they are stored, like tail -f: it follows the log by sequence
number, so it misses no entry, even one whose call started before
entries already printed. --caller with a role's ARN also matches its
sessions (arn:aws:sts::ACCOUNT:assumed-role/ROLE/*). Entries are kept
for iamgate serve's --audit-retention (90 days by default). --output json
prints the entries as one JSON array instead (not with --follow).`,
		Example: `  iamgate audit --since 1h --operation iam:CreateRole
  iamgate audit --caller arn:aws:iam::123456789012:user/alice --follow`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runAudit(cmd.Context(), p, cmd.OutOrStdout()); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVar(&p.account, "account", "", "only calls from this account")
	cmd.Flags().StringVar(&p.caller, "caller", "", "only calls by this principal ARN (a role ARN also matches its sessions)")
	cmd.Flags().StringVar(&p.operation, "operation", "", "only this operation (CreateRole or iam:CreateRole)")
	cmd.Flags().StringVar(&p.since, "since", "", "only entries from this time on: RFC 3339, or a duration back from now (1h, 30m)")
	cmd.Flags().IntVar(&p.limit, "limit", 0, "at most this many entries (0: all)")
	cmd.Flags().BoolVarP(&p.follow, "follow", "f", false, "keep printing new entries")
	cmd.Flags().DurationVar(&p.poll, "poll", time.Second, "how often --follow looks for new entries")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

func runAudit(ctx context.Context, p auditParams, stdout io.Writer) error {
	f := audit.Filter{Account: p.account, Caller: p.caller, Operation: p.operation, Limit: p.limit}
	if p.since != "" {
		if d, err := time.ParseDuration(p.since); err == nil {
			f.Since = time.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, p.since); err == nil {
			f.Since = t
		} else {
			return fmt.Errorf("--since %q: want RFC 3339 or a duration", p.since)
		}
	}
	if p.output == "json" && p.follow {
		return errors.New("--output json is one JSON document; --follow prints JSON lines (--output text)")
	}
	st, err := openStore(ctx, p.store)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	if p.output == "json" {
		var entries []audit.Entry
		if head, err := audit.Head(ctx, st); err != nil {
			return err
		} else if head > 0 {
			f.UpTo = head
			if entries, err = audit.Query(ctx, st, f); err != nil {
				return err
			}
		}
		if entries == nil {
			entries = []audit.Entry{}
		}
		return enc.Encode(entries)
	}
	emit := func(entries []audit.Entry) error {
		for i := range entries {
			if err := enc.Encode(&entries[i]); err != nil {
				return err
			}
		}
		return nil
	}
	// What is stored up to the head, in time order; then, with --follow,
	// what is stored after it, by sequence number, which misses no entry
	// whatever its time.
	head, err := audit.Head(ctx, st)
	if err != nil {
		return err
	}
	if head > 0 { // (UpTo 0 is no bound)
		f.UpTo = head
		entries, err := audit.Query(ctx, st, f)
		if err != nil {
			return err
		}
		if err := emit(entries); err != nil {
			return err
		}
	}
	if !p.follow {
		return nil
	}
	f.UpTo, f.Limit = 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil // interrupted while following: a normal end
		case <-time.After(p.poll):
		}
		var entries []audit.Entry
		entries, head, err = audit.Follow(ctx, st, f, head)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := emit(entries); err != nil {
			return err
		}
	}
}

// retentionFlag is --audit-retention: a duration (720h) or a number of
// days (90d); 0 keeps every entry.
type retentionFlag struct{ d *time.Duration }

func newRetentionFlag(d *time.Duration) retentionFlag {
	*d = audit.DefaultRetention
	return retentionFlag{d}
}

func (f retentionFlag) String() string {
	if f.d == nil {
		return ""
	}
	if *f.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*f.d/(24*time.Hour)), 10) + "d"
	}
	return f.d.String()
}

func (f retentionFlag) Set(s string) error {
	d, err := parseRetention(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func (retentionFlag) Type() string { return "duration" }

func parseRetention(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q: want a number of days (90d) or a duration (720h)", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want a number of days (90d) or a duration (720h)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: a retention is not negative", s)
	}
	return d, nil
}

// startRetention prunes the audit log in the background; stop ends it
// and waits for it.
func startRetention(ctx context.Context, st store.AuditLog, keep time.Duration, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		audit.Retention{Keep: keep}.Run(ctx, st, func(err error) { log.Warn("audit retention: pruning failed; it is tried again", "error", err) })
	}()
	return func() { cancel(); <-done }
}
