package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// botocoreDir is the data directory of the botocore package installed on
// this machine: the service models are the spec of the wire format.
func botocoreDir(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		needClients(t, "botocore is not installed: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data")
}

type model struct {
	Operations map[string]struct {
		Input  struct{ Shape string } `json:"input"`
		Output struct {
			Shape string `json:"shape"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]struct {
		Type     string `json:"type"`
		Required []string
		Members  map[string]struct {
			Shape string `json:"shape"`
		} `json:"members"`
		Member struct {
			Shape string `json:"shape"`
		} `json:"member"`
	} `json:"shapes"`
}

func botocoreModel(t testing.TB, service string) model {
	t.Helper()
	path := filepath.Join(botocoreDir(t), service, "service-2.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// Newer botocore releases ship their models gzipped.
		var gz []byte
		if gz, err = os.ReadFile(path + ".gz"); err == nil {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(gz)); err == nil {
				data, err = io.ReadAll(zr)
			}
		}
	}
	if err != nil {
		needClients(t, "no botocore model for %s: %v", service, err)
	}
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func botocoreOperations(t testing.TB, service string) map[string]bool {
	out := map[string]bool{}
	for name := range botocoreModel(t, service).Operations {
		out[name] = true
	}
	return out
}

// needClients skips a test that needs the aws CLI, boto3 or botocore when
// they are missing, except where IAMGATE_REQUIRE_CLIENTS=1 (.ci/run), which
// makes it a failure.
func needClients(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("IAMGATE_REQUIRE_CLIENTS") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

var (
	modelsMu sync.Mutex
	models   = map[string]model{}
)

func cachedModel(t testing.TB, service string) model {
	modelsMu.Lock()
	defer modelsMu.Unlock()
	m, ok := models[service]
	if !ok {
		m = botocoreModel(t, service)
		models[service] = m
	}
	return m
}

// checkResponse checks a successful Query response against the botocore
// model: every member of <ActionResult> is declared by the output shape,
// recursively through structures and lists, and every required member is
// there.
func checkResponse(t testing.TB, service, action string, body []byte) {
	t.Helper()
	m := cachedModel(t, service)
	op, ok := m.Operations[action]
	if !ok {
		t.Errorf("%s: %s is not in the model", service, action)
		return
	}
	var doc xnode
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Errorf("%s: response is not XML: %v", action, err)
		return
	}
	if doc.XMLName.Local != action+"Response" {
		t.Errorf("%s: the response element is %s", action, doc.XMLName.Local)
	}
	for _, c := range doc.Children {
		switch c.XMLName.Local {
		case action + "Result":
			if op.Output.Shape == "" {
				t.Errorf("%s: the model declares no result, but one was sent", action)
			} else {
				checkShape(t, m, action, op.Output.Shape, c, c.XMLName.Local)
			}
		case "ResponseMetadata":
		default:
			t.Errorf("%s: unexpected element %s", action, c.XMLName.Local)
		}
	}
}

type xnode struct {
	XMLName  xml.Name
	Children []xnode `xml:",any"`
	Text     string  `xml:",chardata"`
}

func checkShape(t testing.TB, m model, where, shape string, n xnode, path string) {
	t.Helper()
	sh := m.Shapes[shape]
	switch sh.Type {
	case "structure":
		seen := map[string]bool{}
		for _, c := range n.Children {
			name := c.XMLName.Local
			if name == "ResponseMetadata" {
				continue
			}
			mem, ok := sh.Members[name]
			if !ok {
				t.Errorf("%s: %s/%s is not a member of %s in the model", where, path, name, shape)
				continue
			}
			seen[name] = true
			checkShape(t, m, where, mem.Shape, c, path+"/"+name)
		}
		for _, r := range sh.Required {
			if !seen[r] {
				t.Errorf("%s: %s lacks the required member %s of %s", where, path, r, shape)
			}
		}
	case "list":
		for _, c := range n.Children {
			if c.XMLName.Local != "member" {
				t.Errorf("%s: %s/%s: list items must be <member>", where, path, c.XMLName.Local)
				continue
			}
			checkShape(t, m, where, sh.Member.Shape, c, path+"/member")
		}
	}
}

// checkJSONResponse checks a JSON-protocol response against the model, as
// checkResponse does for the Query protocol.
func checkJSONResponse(t testing.TB, service, action string, body []byte) {
	t.Helper()
	m := cachedModel(t, service)
	op, ok := m.Operations[action]
	if !ok {
		t.Errorf("%s: %s is not in the model", service, action)
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: response is not JSON: %v", action, err)
		return
	}
	if op.Output.Shape == "" {
		return
	}
	checkJSONShape(t, m, action, op.Output.Shape, v, action)
}

func checkJSONShape(t testing.TB, m model, where, shape string, v any, path string) {
	t.Helper()
	sh := m.Shapes[shape]
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: %s should be an object", where, path)
			return
		}
		for k, val := range obj {
			mem, ok := sh.Members[k]
			if !ok {
				t.Errorf("%s: %s.%s is not a member of %s in the model", where, path, k, shape)
				continue
			}
			checkJSONShape(t, m, where, mem.Shape, val, path+"."+k)
		}
		for _, r := range sh.Required {
			if _, ok := obj[r]; !ok {
				t.Errorf("%s: %s lacks the required member %s of %s", where, path, r, shape)
			}
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			t.Errorf("%s: %s should be a list", where, path)
			return
		}
		for i, item := range arr {
			checkJSONShape(t, m, where, sh.Member.Shape, item, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}
