package analysis_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/evaldoc"
)

func TestSmoke(t *testing.T) {
	for _, tc := range []struct{ file, key string }{
		{"../examples/eval/externalid-trust.json", "sts:ExternalId"},
		{"../examples/eval/datamasque-cross-account.json", "aws:SecureTransport"},
	} {
		data, _ := os.ReadFile(tc.file)
		req, err := evaldoc.Parse(tc.file, data)
		if err != nil {
			t.Fatal(err)
		}
		req.Time = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		q, err := req.Prepare()
		if err != nil {
			t.Fatal(err)
		}
		r, err := analysis.AllowedIf(q, analysis.Options{Unknown: []string{tc.key}})
		b, _ := json.MarshalIndent(r, "", " ")
		fmt.Println(string(b), err)
	}
}
