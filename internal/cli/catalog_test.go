package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	var out bytes.Buffer
	code, err := runExpand(context.Background(), expandParams{patterns: []string{"kms:ReEncrypt*", "kms:Decrypt"}, output: "text"}, &out)
	if code != ExitOK || err != nil {
		t.Fatal(code, err)
	}
	if out.String() != "kms:ReEncryptFrom\nkms:ReEncryptTo\nkms:Decrypt\n" {
		t.Fatalf("got %q", out.String())
	}
	if code, _ := runExpand(context.Background(), expandParams{patterns: []string{"s3:Nope*"}, output: "text"}, &out); code != ExitMismatch {
		t.Fatalf("code %d for a pattern matching nothing", code)
	}
}

func TestDescribeGolden(t *testing.T) {
	for _, out := range []string{"text", "json"} {
		var b bytes.Buffer
		code, err := runDescribe(context.Background(), describeParams{action: "sts:AssumeRole", output: out}, &b)
		if code != ExitOK || err != nil {
			t.Fatal(code, err)
		}
		golden(t, "describe-assumerole."+out, b.String())
	}
	var b bytes.Buffer
	code, err := runDescribe(context.Background(), describeParams{action: "s4:GetObject", output: "text"}, &b)
	if code != ExitMismatch || !strings.Contains(err.Error(), `no service has the prefix "s4"`) {
		t.Fatalf("code %d err %v", code, err)
	}
}
