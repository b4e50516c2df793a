package engine_test

import (
	"testing"

	"github.com/iamgate/iamgate/engine"
)

// The three decisions named in the engine issue. Each measures Authorize on
// compiled policies and a prepared request, explanation off.

func BenchmarkAuthorizeSameAccountUser3Policies(b *testing.B) {
	q := sameAccountUserRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		engine.Authorize(q)
	}
}

func BenchmarkAuthorizeCrossAccountS3(b *testing.B) {
	q := crossAccountRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		engine.Authorize(q)
	}
}

func BenchmarkAuthorize10x20LastMatches(b *testing.B) {
	q := manyPoliciesRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		engine.Authorize(q)
	}
}

func BenchmarkExplainCrossAccountS3(b *testing.B) {
	q := crossAccountRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		engine.Explain(q)
	}
}
