package engine

import (
	"testing"
	"unsafe"
)

// TestPreparedSize: a Prepared, the one allocation of a gathered decision,
// stays within Go's 896-byte size class (the next is 1,024), and index
// entries and statements keep the sizes their layout is made for.
func TestPreparedSize(t *testing.T) {
	if n := unsafe.Sizeof(Prepared{}); n > 896 {
		t.Errorf("Prepared is %d bytes, over the 896-byte size class", n)
	}
	if n := unsafe.Sizeof(indexEntry{}); n != 40 {
		t.Errorf("indexEntry is %d bytes, want 40", n)
	}
	if n, hot := unsafe.Sizeof(statement{}), unsafe.Offsetof(statement{}.actions); n != 128 || hot > 64 {
		t.Errorf("statement is %d bytes with %d before actions, want 128 and at most 64", n, hot)
	}
	if n, hot := unsafe.Sizeof(Policy{}), unsafe.Offsetof(Policy{}.Type); n != 128 || hot >= 64 {
		t.Errorf("Policy is %d bytes with Type at %d, want 128 and within the first 64", n, hot)
	}
}
