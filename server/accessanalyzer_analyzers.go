package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// KindAnalyzer holds an account's Access Analyzer analyzers, one item
// each with its archive rules, tags and findings: Account the account,
// Name the region and the analyzer's name ("us-east-1/ExternalAccess").
// Analyzers are not world items: writing one moves no account's sequence
// number, so keeping findings never makes another scan.
const KindAnalyzer store.Kind = "aa-analyzer"

// analyzerStore keeps analyzers in the store shared by the servers.
type analyzerStore struct{ st store.Store }

func analyzerKey(account, region, name string) store.Key {
	return store.Key{Kind: KindAnalyzer, Account: account, Name: region + "/" + name}
}

func decodeAnalyzer(it store.Item) (*analyzer.Analyzer, error) {
	a := &analyzer.Analyzer{}
	if err := json.Unmarshal(it.Data, a); err != nil {
		return nil, fmt.Errorf("analyzer %s/%s: %w", it.Account, it.Name, err)
	}
	return a, nil
}

func (s analyzerStore) List(ctx context.Context, account, region string) ([]*analyzer.Analyzer, error) {
	items, _, err := s.st.List(ctx, KindAnalyzer, account, "", 0)
	if err != nil {
		return nil, err
	}
	var out []*analyzer.Analyzer
	for _, it := range items {
		if !strings.HasPrefix(it.Name, region+"/") {
			continue
		}
		a, err := decodeAnalyzer(it)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func (s analyzerStore) Get(ctx context.Context, account, region, name string) (*analyzer.Analyzer, bool, error) {
	it, err := s.st.Get(ctx, analyzerKey(account, region, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	a, err := decodeAnalyzer(it)
	return a, err == nil, err
}

func (s analyzerStore) Create(ctx context.Context, a *analyzer.Analyzer) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = s.st.Put(ctx, analyzerKey(a.Account, a.Region, a.Name), data, 0)
	if errors.Is(err, store.ErrConflict) {
		return accessanalyzer.ErrAnalyzerExists
	}
	return err
}

func (s analyzerStore) Update(ctx context.Context, account, region, name string, fn func(*analyzer.Analyzer) error) error {
	k := analyzerKey(account, region, name)
	return s.st.Update(ctx, func(tx store.Tx) error {
		it, err := tx.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			return accessanalyzer.ErrNoAnalyzer
		}
		if err != nil {
			return err
		}
		a, err := decodeAnalyzer(it)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		_, err = tx.Put(ctx, k, data, it.Revision)
		return err
	})
}

func (s analyzerStore) Delete(ctx context.Context, account, region, name string) (bool, error) {
	err := s.st.Delete(ctx, analyzerKey(account, region, name), store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Analyzers are kept in the server's store.
func (b aaBackend) Analyzers() accessanalyzer.Analyzers { return analyzerStore{b.s.cfg.Store} }

// World is the current world and its version: a digest of the sequence
// numbers of the accounts and the organization it was built from (the
// same on every server that has read the same changes; an account deleted
// changes it too) and the largest of them.
func (b aaBackend) World() (*world.World, analyzer.Version) {
	snap := b.s.state.cur.Load()
	ids := make([]string, 0, len(snap.seqs))
	var v analyzer.Version
	for id, n := range snap.seqs {
		ids = append(ids, id)
		v.Head = max(v.Head, n)
	}
	sort.Strings(ids)
	h := fnv.New64a()
	for _, id := range ids {
		h.Write([]byte(id + "=" + strconv.FormatInt(snap.seqs[id], 10) + ";"))
	}
	v.Digest = int64(h.Sum64() & (1<<63 - 1))
	return snap.world, v
}

// Analyze runs a scan in an analysis slot.
func (b aaBackend) Analyze(c *api.Call, scan func(context.Context) error) error {
	release, qe := slot(c)
	if qe != nil {
		return qe
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Ctx, b.s.cfg.AnalysisTimeout)
	defer cancel()
	return scan(ctx)
}
