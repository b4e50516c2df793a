package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iamgate/iamgate/store"
)

// Store kinds the pipeline keeps (Account "" for both).
const (
	// KindSubmission items are Records, by ID.
	KindSubmission store.Kind = "submission"
	// KindGuardrails items are guardrail versions, by zero-padded number.
	KindGuardrails store.Kind = "guardrails"
)

// Statuses of a submission.
const (
	Received = "received"
	Checked  = "checked"
	Rejected = "rejected"
	Created  = "created"
	// Failed: accepted, but the pipeline could not create the policy (no
	// trust in the target account, a name already taken), or could not
	// decide (the guardrails are broken). Nothing was created.
	Failed = "failed"
)

// Event is one step of a submission's history.
type Event struct {
	Time    time.Time `json:"time"`
	Status  string    `json:"status"`
	Message string    `json:"message,omitempty"`
}

// Record is a submission and what became of it.
type Record struct {
	ID          string    `json:"id"`
	PolicyName  string    `json:"policyName"`
	Description string    `json:"description,omitempty"`
	Account     string    `json:"account"`
	Team        string    `json:"team,omitempty"`
	Submitter   string    `json:"submitter,omitempty"`
	Via         string    `json:"via,omitempty"`
	File        string    `json:"file,omitempty"`
	Submitted   string    `json:"submittedDocument"`
	Status      string    `json:"status"`
	Result      *Result   `json:"result,omitempty"`
	PolicyArn   string    `json:"policyArn,omitempty"`
	Error       string    `json:"error,omitempty"`
	History     []Event   `json:"history"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func (r *Record) event(now time.Time, status, msg string) {
	r.Status, r.Updated = status, now
	r.History = append(r.History, Event{Time: now, Status: status, Message: msg})
}

// newID is time-ordered: s-20261123T051200Z-<8 hex>.
func newID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return "s-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func saveRecord(ctx context.Context, st store.Writer, r *Record, expect int64) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = st.Put(ctx, store.Key{Kind: KindSubmission, Name: r.ID}, data, expect)
	return err
}

// ErrNoSubmission is returned for an unknown submission ID.
var ErrNoSubmission = errors.New("no such submission")

// GetRecord reads a submission.
func GetRecord(ctx context.Context, st store.Reader, id string) (*Record, error) {
	it, err := st.Get(ctx, store.Key{Kind: KindSubmission, Name: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("submission %s: %w", id, ErrNoSubmission)
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(it.Data, &r); err != nil {
		return nil, fmt.Errorf("submission %s: %v", id, err)
	}
	return &r, nil
}

// ListRecords lists submissions, oldest first, those for which keep
// returns true (all when keep is nil), at most limit (0: all).
func ListRecords(ctx context.Context, st store.Reader, keep func(*Record) bool, limit int) ([]*Record, error) {
	var out []*Record
	after := ""
	for {
		items, next, err := st.List(ctx, KindSubmission, "", after, 500)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			var r Record
			if err := json.Unmarshal(it.Data, &r); err != nil {
				return nil, fmt.Errorf("submission %s: %v", it.Name, err)
			}
			if keep == nil || keep(&r) {
				out = append(out, &r)
				if limit > 0 && len(out) == limit {
					return out, nil
				}
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// storedGuardrails is one version of the guardrails in the store.
type storedGuardrails struct {
	Version int       `json:"version"`
	File    string    `json:"file"`
	Text    string    `json:"text"`
	Stored  time.Time `json:"stored"`
	By      string    `json:"by,omitempty"`
}

// SaveGuardrails stores guardrails as a new version, unless they are the
// latest version's text already; it returns the version.
func SaveGuardrails(ctx context.Context, st store.Store, g *Guardrails, by string, now time.Time) (int, error) {
	version := 0
	err := st.Update(ctx, func(tx store.Tx) error {
		latest, err := latestGuardrails(ctx, tx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if latest != nil && latest.Text == string(g.Text) {
			version = latest.Version
			return nil
		}
		version = 1
		if latest != nil {
			version = latest.Version + 1
		}
		data, err := json.Marshal(storedGuardrails{Version: version, File: g.File, Text: string(g.Text), Stored: now.UTC(), By: by})
		if err != nil {
			return err
		}
		_, err = tx.Put(ctx, store.Key{Kind: KindGuardrails, Name: fmt.Sprintf("%010d", version)}, data, 0)
		return err
	})
	if err != nil {
		return 0, err
	}
	g.Version = version
	return version, nil
}

func latestGuardrails(ctx context.Context, r store.Reader) (*storedGuardrails, error) {
	var last *store.Item
	after := ""
	for {
		items, next, err := r.List(ctx, KindGuardrails, "", after, 1000)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 {
			last = &items[len(items)-1]
		}
		if next == "" {
			break
		}
		after = next
	}
	if last == nil {
		return nil, store.ErrNotFound
	}
	var sg storedGuardrails
	if err := json.Unmarshal(last.Data, &sg); err != nil {
		return nil, err
	}
	return &sg, nil
}

// LatestGuardrails reads the newest stored guardrails; store.ErrNotFound
// when none are stored.
func LatestGuardrails(ctx context.Context, r store.Reader) (*Guardrails, error) {
	sg, err := latestGuardrails(ctx, r)
	if err != nil {
		return nil, err
	}
	g, err := ParseGuardrails(sg.File, []byte(sg.Text))
	if err != nil {
		return nil, fmt.Errorf("stored guardrails version %d: %w", sg.Version, err)
	}
	g.Version = sg.Version
	return g, nil
}
