package console

// WaitTrust returns when the console's trust graph builds have ended:
// tests read the page before and after a build deterministically.
func WaitTrust(c *Console) { c.graphs.wait() }

// HoldTrustEscalation makes the trust graph builds started from now on
// stop between their stages, the edges published: each sends on reached,
// then waits until release is called (which ends the hold).
func HoldTrustEscalation(c *Console) (reached <-chan struct{}, release func()) {
	r, rel := make(chan struct{}), make(chan struct{})
	c.graphs.mu.Lock()
	c.graphs.hold = func() {
		select {
		case r <- struct{}{}:
		case <-rel:
		}
		<-rel
	}
	c.graphs.mu.Unlock()
	return r, func() {
		c.graphs.mu.Lock()
		c.graphs.hold = nil
		c.graphs.mu.Unlock()
		close(rel)
	}
}
