package synth_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/activity/synth"
)

// TestDeterministic: a seed always writes the same world, events and
// truth; another seed writes others.
func TestDeterministic(t *testing.T) {
	enc := func(c *synth.Corpus) []byte {
		b, err := json.Marshal([]any{c.World, c.Records, c.Truth})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := enc(synth.Generate(synth.Options{Seed: 5, Events: 3000})), enc(synth.Generate(synth.Options{Seed: 5, Events: 3000}))
	if !bytes.Equal(a, b) {
		t.Error("the same seed wrote different corpora")
	}
	if bytes.Equal(a, enc(synth.Generate(synth.Options{Seed: 6, Events: 3000}))) {
		t.Error("seeds 5 and 6 wrote the same corpus")
	}
	c := synth.Generate(synth.Options{Seed: 5, Events: 3000})
	if len(c.Records) != 3000 {
		t.Errorf("%d records, want 3000", len(c.Records))
	}
}
