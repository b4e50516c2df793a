package shape

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// Time is a model timestamp. In the Query protocol's XML it is ISO 8601
// in UTC to the second (as IAM and STS write it: 2026-12-01T10:00:00Z);
// in JSON it is epoch seconds, as the JSON and REST-JSON protocols carry
// timestamps by default.
type Time struct{ time.Time }

// At is t as a *Time (nil for the zero time, so that an optional member
// is left out).
func At(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t}
}

// ISOTime is a model timestamp whose shape has timestampFormat iso8601
// (Access Analyzer's Timestamp): in JSON an ISO 8601 string in UTC, with
// milliseconds when there are any ("2026-12-01T10:00:00.123Z").
type ISOTime struct{ time.Time }

// ISOAt is t as an *ISOTime (nil for the zero time).
func ISOAt(t time.Time) *ISOTime {
	if t.IsZero() {
		return nil
	}
	return &ISOTime{t}
}

// MarshalJSON writes ISO 8601 in UTC.
func (t ISOTime) MarshalJSON() ([]byte, error) {
	layout := "2006-01-02T15:04:05Z"
	if t.Nanosecond()/1e6 != 0 {
		layout = "2006-01-02T15:04:05.000Z"
	}
	return json.Marshal(t.UTC().Format(layout))
}

// UnmarshalJSON reads an ISO 8601 string or epoch seconds.
func (t *ISOTime) UnmarshalJSON(b []byte) error {
	var x Time
	if err := x.UnmarshalJSON(b); err != nil {
		return err
	}
	t.Time = x.Time
	return nil
}

// MarshalText writes ISO 8601 in UTC (the XML form).
func (t Time) MarshalText() ([]byte, error) {
	return []byte(t.UTC().Format(time.RFC3339)), nil
}

// UnmarshalText reads ISO 8601 (RFC 3339, with or without fractions).
func (t *Time) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes epoch seconds, with milliseconds when there are any.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

// UnmarshalJSON reads epoch seconds (a number) or an ISO 8601 string.
func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return t.UnmarshalText([]byte(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("shape: timestamp %s is not epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

// Blob is a model blob: base64 in XML and JSON.
type Blob []byte

// MarshalText writes standard base64.
func (b Blob) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out, nil
}

// UnmarshalText reads standard base64.
func (b *Blob) UnmarshalText(text []byte) error {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(out, text)
	if err != nil {
		return err
	}
	*b = out[:n]
	return nil
}

// List is a model list. In the Query protocol's XML its members are
// <member> elements inside the list's own element; in JSON it is an
// array.
type List[T any] []T

// MarshalXML writes <Name><member>...</member>...</Name>, and an empty
// list as <Name></Name>; a nil list is not written (an optional member
// left out). A required member is written even when nil: WithRequired
// makes it empty first.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if l == nil {
		return nil
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for i := range l {
		if err := e.EncodeElement(l[i], member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads <member> elements.
func (l *List[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var w struct {
		Members []T `xml:"member"`
	}
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	*l = append(List[T]{}, w.Members...)
	return nil
}

// Map is a model map with string keys. In the Query protocol's XML it is
// <entry><key>k</key><value>v</value></entry> elements, in key order; in
// JSON an object.
type Map[V any] map[string]V

// MarshalXML writes the entries in key order.
func (m Map[V]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		entry := struct {
			Key   string `xml:"key"`
			Value V      `xml:"value"`
		}{k, m[k]}
		if err := e.EncodeElement(entry, xml.StartElement{Name: xml.Name{Local: "entry"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads <entry> elements.
func (m *Map[V]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var w struct {
		Entries []struct {
			Key   string `xml:"key"`
			Value V      `xml:"value"`
		} `xml:"entry"`
	}
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	*m = Map[V]{}
	for _, en := range w.Entries {
		(*m)[en.Key] = en.Value
	}
	return nil
}

// Ptr returns a pointer to v (for optional scalar members).
func Ptr[T any](v T) *T { return &v }
