package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// TestTrustGraphsWorlds: the graphs of a view are built in the background,
// one world's at a time: the edges are published before the escalation
// search ends; a newer world lets the older world's build end when the
// view has no whole graph, and cancels it (it publishes nothing) when it
// has one; the view's graph is always one world's.
func TestTrustGraphsWorlds(t *testing.T) {
	cfg, _ := orggen.Preset("tiny")
	build := func() *world.World {
		w, err := world.Build("orggen", orggen.Generate(cfg))
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	w1, w2 := build(), build()
	accounts := []string{w1.Organization.ManagementAccount}
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tg := &trustGraphs{}
	reached, release := make(chan struct{}), make(chan struct{})
	tg.hold = func() {
		reached <- struct{}{}
		<-release
	}
	if st := tg.graph(w1, accounts, at); st.g != nil || !st.building || st.err != nil {
		t.Fatalf("the first request: %+v", st)
	}
	<-reached
	st := tg.graph(w1, accounts, at)
	if st.g == nil || !st.g.of(w1) || st.g.Escalated || !st.building {
		t.Fatalf("the edges stage: %+v", st)
	}
	tg.mu.Lock()
	tg.hold = nil
	tg.mu.Unlock()
	// A newer world while the view has no whole graph: the older build
	// ends first, its graph shown (the page says of which world).
	if st := tg.graph(w2, accounts, at.Add(time.Minute)); st.g == nil || !st.g.of(w1) || !st.building {
		t.Fatalf("the newer world's first request: %+v", st)
	}
	close(release)
	tg.wait()
	if st := tg.graph(w2, accounts, at.Add(time.Minute)); st.g == nil || !st.g.of(w1) || !st.g.Escalated || !st.building {
		t.Fatalf("the older build ended: %+v", st)
	}
	tg.wait()
	st = tg.graph(w2, accounts, at)
	if st.g == nil || !st.g.of(w2) || !st.g.Escalated || st.building || st.err != nil || !st.g.At.Equal(at.Add(time.Minute)) {
		t.Fatalf("after the builds: %+v", st)
	}
	// A newer world while the view has a whole graph cancels the older
	// world's build: w3's, waiting for a slot (both taken here), never
	// publishes; w4's does.
	w3, w4 := build(), build()
	tg.slots <- struct{}{}
	tg.slots <- struct{}{}
	if st := tg.graph(w3, accounts, at); !st.g.of(w2) || !st.building {
		t.Fatalf("w3's first request: %+v", st)
	}
	if st := tg.graph(w4, accounts, at); !st.g.of(w2) || !st.building {
		t.Fatalf("w4's first request: %+v", st)
	}
	<-tg.slots
	<-tg.slots
	tg.wait()
	if st := tg.graph(w3, accounts, at); !st.g.of(w4) || !st.g.Escalated || !st.building {
		t.Fatalf("after w4's build: %+v", st)
	}
	tg.wait()
	// Another view (other accounts) is its own: nothing of the first's.
	var other []string
	for id := range w2.Accounts.Map() {
		if id != accounts[0] {
			other = []string{id}
			break
		}
	}
	if st := tg.graph(w2, other, at); st.g != nil || !st.building {
		t.Fatalf("another view: %+v", st)
	}
	tg.wait()
	if st := tg.graph(w2, other, at); st.g == nil || strings.Join(st.g.Accounts, ",") != other[0] {
		t.Fatalf("another view's graph: %+v", st)
	}
}

// TestTrustFillPages: a filtered view lists trustShown edges a page, the
// rest a link away, and draws trustShown account pairs at most.
func TestTrustFillPages(t *testing.T) {
	g := &trustGraph{}
	for i := range 450 {
		e := newTrustEdge("arn:aws:iam::111111111111:root", fmt.Sprintf("%012d", i%300), fmt.Sprintf("arn:aws:iam::222222222222:role/r%03d", i))
		e.text = strings.ToLower(e.Principal + "\x00" + e.Role + "\x00" + e.From)
		g.Edges = append(g.Edges, e)
	}
	for _, c := range []struct {
		q                string
		start            int
		shown, more      int
		next, prev       string
		pairs, pairsDraw int
	}{
		{"ROLE/R", 0, 100, 350, "/console/trust?q=ROLE%2FR&start=100", "", 300, 100},
		{"role/r", 100, 100, 250, "/console/trust?q=role%2Fr&start=200", "/console/trust?q=role%2Fr", 300, 100},
		{"role/r", 400, 50, 0, "", "/console/trust?q=role%2Fr&start=300", 300, 100},
		{"role/r", 999, 0, 0, "", "/console/trust?q=role%2Fr&start=899", 300, 100},
		{"r001", 0, 1, 0, "", "", 1, 1},
		{"", 0, 0, 0, "", "", 300, 300},
	} {
		d := trustData{Filter: c.q, Start: c.start}
		d.fill(g)
		if d.Shown != c.shown || d.More != c.more || d.NextURL != c.next || d.PrevURL != c.prev || d.PairsAll != c.pairs || d.PairsShown != c.pairsDraw || len(d.Nodes) == 0 {
			t.Errorf("q=%q start=%d: shown %d more %d next %q prev %q pairs %d drawn %d", c.q, c.start, d.Shown, d.More, d.NextURL, d.PrevURL, d.PairsAll, d.PairsShown)
		}
	}
}
