package analysis_test

import (
	"os"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/evaldoc"
)

func benchDoc(b *testing.B, file string, opt analysis.Options) {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	req, err := evaldoc.Parse(file, data)
	if err != nil {
		b.Fatal(err)
	}
	q, err := req.Prepare()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := analysis.AllowedIf(q, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// A cross-account trust with sts:ExternalId unknown.
func BenchmarkAllowedIfExternalId(b *testing.B) {
	benchDoc(b, "../examples/eval/allowed-if/datamasque-assume-target.json", analysis.Options{Unknown: []string{"sts:ExternalId"}})
}

// A bucket policy with aws:SourceIp (IPv4 and IPv6) and aws:ViaAWSService
// unknown.
func BenchmarkAllowedIfSourceIp(b *testing.B) {
	benchDoc(b, "../examples/eval/allowed-if/source-ip-bucket.json", analysis.Options{AllUnknown: true})
}
