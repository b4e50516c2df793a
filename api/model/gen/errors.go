package main

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// genErrors writes an error package: one constructor per exception shape
// of the model, named by its code, with the code, HTTP status and fault
// the model gives it.
func genErrors(pkg, title, dir string, m *object) (string, error) {
	shapes := m.obj("shapes")
	type exc struct {
		shape, code string
		status      int
		sender      bool
	}
	var excs []exc
	seen := map[string]string{}
	for _, name := range sortedKeys(shapes) {
		sh := shapes.obj(name)
		if !sh.boolean("exception") {
			continue
		}
		e := exc{shape: name, code: name, status: 400, sender: true}
		if sh.boolean("fault") {
			e.status, e.sender = 500, false
		}
		if er := sh.obj("error"); er != nil {
			if c := er.str("code"); c != "" {
				e.code = c
			}
			if er.has("httpStatusCode") {
				n, err := intOf(er.get("httpStatusCode"))
				if err != nil {
					return "", err
				}
				e.status = int(n)
			}
			e.sender = er.boolean("senderFault") || (!sh.boolean("fault") && e.status < 500)
		}
		if prev, dup := seen[e.code]; dup {
			return "", fmt.Errorf("the shapes %s and %s have the same code %s", prev, name, e.code)
		}
		seen[e.code] = name
		excs = append(excs, e)
	}
	sort.Slice(excs, func(i, j int) bool { return excs[i].code < excs[j].code })
	var b strings.Builder
	fmt.Fprintf(&b, "// Package %s has a constructor for every error code of %s (the\n", pkg, title)
	fmt.Fprintf(&b, "// exception shapes of the botocore model %s/%s), with the HTTP status\n", dir, m.obj("metadata").str("apiVersion"))
	b.WriteString("// and fault the model gives it.\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString("import \"github.com/iamgate/iamgate/api/awserr\"\n\n")
	b.WriteString("// Codes are the service's error codes, with their status and fault.\n")
	b.WriteString("var Codes = map[string]awserr.Code{\n")
	for _, e := range excs {
		fmt.Fprintf(&b, "%q: {Code: %q, Status: %d, Sender: %v, Shape: %q},\n", e.code, e.code, e.status, e.sender, e.shape)
	}
	b.WriteString("}\n\n")
	for _, e := range excs {
		fn := goIdent(e.code)
		fault := "the caller's fault"
		if !e.sender {
			fault = "the service's fault"
		}
		fmt.Fprintf(&b, "// %s is %s (HTTP %d, %s; shape %s).\n", fn, e.code, e.status, fault, e.shape)
		fmt.Fprintf(&b, "func %s(format string, args ...any) *awserr.Error {\n", fn)
		fmt.Fprintf(&b, "return awserr.New(Codes[%q], format, args...)\n}\n\n", e.code)
	}
	return b.String(), nil
}

func goIdent(code string) string {
	var b strings.Builder
	for i, r := range code {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) && i > 0:
			if i == 0 {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
