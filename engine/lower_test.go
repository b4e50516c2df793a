package engine

import (
	"fmt"
	"sync"
	"testing"
)

// lowerAction gives the lower case of every name, interned or not, from
// many goroutines, and interns at most maxLowered names.
func TestLowerActionInterns(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 3*maxLowered; i++ {
				a := fmt.Sprintf("Svc:Action%dX", i%(2*maxLowered))
				if got, want := lowerAction(a), fmt.Sprintf("svc:action%dx", i%(2*maxLowered)); got != want {
					t.Errorf("lowerAction(%q) = %q", a, got)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	loweredMu.Lock()
	n := nLowered
	loweredMu.Unlock()
	if n > maxLowered {
		t.Fatalf("%d names interned, at most %d", n, maxLowered)
	}
}
