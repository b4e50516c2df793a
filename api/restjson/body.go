package restjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/iamgate/iamgate/api/query"
)

// BodyError is a request body this protocol does not read: not UTF-8
// text, not one JSON object, or an object with a member given twice.
type BodyError struct {
	Msg string
}

func (e *BodyError) Error() string { return e.Msg }

func bodyErrorf(format string, args ...any) *BodyError {
	return &BodyError{Msg: fmt.Sprintf(format, args...)}
}

// CheckBody checks a request body before anything reads it: empty (an
// input without body members), or UTF-8 text holding one JSON object in
// which no object, at any depth, has a member twice. Names are exact (no
// case folding) and members the operation does not have are ignored by
// Decode; unlike Go's decoder, which keeps the last of two members, a
// member given twice is refused. The error is a *BodyError.
func CheckBody(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !query.ValidJSONText(body) {
		return bodyErrorf("The request body is not valid UTF-8 text.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bodyErrorf("The request body must be a JSON object.")
	}
	if err := object(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return bodyErrorf("The request body holds more than one JSON value.")
	}
	return nil
}

// object reads the members of an object whose { was read, at path (""
// for the body, else as AWS names members: 'access.1.member').
func object(dec *json.Decoder, path string) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bodyErrorf("The request body is not valid JSON.")
		}
		key, _ := tok.(string)
		if seen[key] {
			if path == "" {
				return bodyErrorf("The member %q is given twice.", key)
			}
			return bodyErrorf("The member %q of '%s' is given twice.", key, path)
		}
		seen[key] = true
		if err := value(dec, join(path, key)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return bodyErrorf("The request body is not valid JSON.")
	}
	return nil
}

func value(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return bodyErrorf("The request body is not valid JSON.")
	}
	switch tok {
	case json.Delim('{'):
		return object(dec, path)
	case json.Delim('['):
		for i := 1; dec.More(); i++ {
			if err := value(dec, path+"."+strconv.Itoa(i)+".member"); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return bodyErrorf("The request body is not valid JSON.")
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
