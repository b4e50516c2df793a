package audit

import (
	"context"
	"time"

	"github.com/iamgate/iamgate/store"
)

// DefaultRetention is how long entries are kept unless told otherwise:
// 90 days, as CloudTrail's event history keeps management events.
const DefaultRetention = 90 * 24 * time.Hour

// Retention removes the entries older than Keep in the background.
type Retention struct {
	// Keep is how long an entry is kept from its time; 0 keeps every
	// entry.
	Keep time.Duration
	// Every is how often old entries are looked for (default a minute).
	Every time.Duration
	// Batch is how many entries one transaction removes (default 1,000), so
	// that pruning never holds the store for long.
	Batch int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (r Retention) withDefaults() Retention {
	if r.Every <= 0 {
		r.Every = time.Minute
	}
	if r.Batch <= 0 {
		r.Batch = 1000
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// Prune removes, in batches, every entry older than Keep at Now; an entry
// younger than Keep is never removed. It reports how many it removed.
func (r Retention) Prune(ctx context.Context, st store.AuditLog) (int, error) {
	if r.Keep <= 0 {
		return 0, nil
	}
	r = r.withDefaults()
	before := r.Now().Add(-r.Keep)
	total := 0
	for {
		n, err := st.PruneAudit(ctx, before, r.Batch)
		total += n
		if err != nil || n < r.Batch {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// Run prunes at once and then Every, until ctx ends; errors go to
// onError (which may be nil) and pruning goes on.
func (r Retention) Run(ctx context.Context, st store.AuditLog, onError func(error)) {
	if r.Keep <= 0 {
		return
	}
	r = r.withDefaults()
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		if _, err := r.Prune(ctx, st); err != nil && ctx.Err() == nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
