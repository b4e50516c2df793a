package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/activity/synth"
	"github.com/iamgate/iamgate/internal/jsonscan"
)

// A record with most of what CloudTrail writes beside the fields read
// (userAgent, responseElements, additionalEventData, tlsDetails, a
// session's attributes), from the record contents page
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
const fullRecord = `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111122223333:assumed-role/deploy/s",
"accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/deploy","accountId":"111122223333","userName":"deploy"},
"webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T09:00:00Z","mfaAuthenticated":"false"}}},
"eventTime":"2026-11-02T10:00:00.123Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7",
"userAgent":"[aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/s3.cp]","requestParameters":{"bucketName":"b","Host":"b.s3.eu-west-1.amazonaws.com","key":"k\u00e9y"},
"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":12.0,"x-amz-id-2":"abc"},
"requestID":"R1","eventID":"e1","readOnly":false,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"},{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b"}],
"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","sharedEventID":"s1","eventCategory":"Data",
"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"b.s3.eu-west-1.amazonaws.com"}}`

// slowEvent is the record as encoding/json decodes it.
func slowEvent(raw string) (CloudTrailEvent, error) {
	var ev CloudTrailEvent
	err := json.Unmarshal([]byte(raw), &ev)
	return ev, err
}

// TestDecodeEventFast: records of the form CloudTrail writes are read by
// the fast decoder, and read as encoding/json reads them.
func TestDecodeEventFast(t *testing.T) {
	recs := []string{fullRecord, `{"eventTime":"2026-11-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"GetUser","userIdentity":{"type":"Root","accountId":"111122223333"},"requestParameters":null,"resources":[],"errorCode":"AccessDenied","errorMessage":"no \"way\""}`}
	c := synth.Generate(synth.Options{Seed: 3, Events: 300})
	for _, r := range c.Records {
		b, _ := json.Marshal(r)
		recs = append(recs, string(b))
	}
	for _, raw := range recs {
		var ev CloudTrailEvent
		if !decodeEventFast(jsonscan.New([]byte(raw)), &ev) {
			t.Fatalf("the fast decoder is unsure of %s", raw)
		}
		want, err := slowEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Fatalf("%s\nfast %+v\nslow %+v", raw, ev, want)
		}
	}
}

// readAll is what a reader gives fn, and its error.
type delivered struct {
	i  int
	ev CloudTrailEvent
}

func readAll(read func(name string, data string, fn func(int, *CloudTrailEvent) error) error, data string) (evs []delivered, err error) {
	err = read("f.json", data, func(i int, ev *CloudTrailEvent) error {
		evs = append(evs, delivered{i, *ev})
		if ev.EventName == "Stop" {
			return errStop
		}
		return nil
	})
	return evs, err
}

var errStop = fmt.Errorf("stop")

func fast(name, data string, fn func(int, *CloudTrailEvent) error) error {
	return readCloudTrail(name, strings.NewReader(data), fn)
}

func stream(name, data string, fn func(int, *CloudTrailEvent) error) error {
	return streamCloudTrail(name, strings.NewReader(data), fn)
}

// checkSame: the fast reader gives fn what the encoding/json stream
// gives it, and fails as it fails.
func checkSame(t *testing.T, data string) {
	t.Helper()
	got, gerr := readAll(fast, data)
	want, werr := readAll(stream, data)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q\nfast   %v %+v\nstream %v %+v", data, gerr, got, werr, want)
	}
	if gerr != nil && !errors.Is(gerr, errStop) {
		var ce, we *CloudTrailError
		if !errors.As(gerr, &ce) || !errors.As(werr, &we) || ce.Record != we.Record {
			t.Fatalf("%q: fast %#v, stream %#v", data, gerr, werr)
		}
	}
}

var fastSeeds = []string{
	`{"Records":[` + fullRecord + `]}`,
	`{"Records":[` + fullRecord + `,` + fullRecord + `]}`,
	`{"x":[1,{"a":null}],"Records":[]}`,
	`{"Records":[],"Records":[` + fullRecord + `]}`,
	`{"Records":[` + fullRecord + `,{"eventName":"Stop","eventTime":"2026-11-02T10:00:00Z","eventSource":"s","userIdentity":{}},` + fullRecord + `]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":"s","eventName":"n","userIdentity":null}]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":"s","eventName":"n","userIdentity":{"type":"Root"},"EventName":"m"}]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":"s","eventName":"n","eventName":"m","userIdentity":{"type":"Root"}}]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":"s","eventName":"n","userIdentity":{"type":"Root"},"readOnly":null,"resources":null,"errorCode":null}]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":"s","even\u0074Name":"n","userIdentity":{"type":"Root"}}]}`,
	`{"Records":[{"eventTime":"2026-11-02","eventSource":"s","eventName":"n","userIdentity":{"type":"Root"}}]}`,
	`{"Records":[{"eventTime":"2026-11-02T10:00:00Z","eventSource":5,"eventName":"n","userIdentity":{"type":"Root"}}]}`,
	`{"Records":[` + fullRecord + `,{"eventTime":"2026`,
	`{"Records":[` + fullRecord + ` ` + fullRecord + `]}`,
	`{"Records":{}}`, `{"x":1}`, `nope`, ``, `[]`, `{"Records":[` + fullRecord + `]} trailing`,
	"{\"Records\":[{\"eventTime\":\"2026-11-02T10:00:00Z\",\"eventSource\":\"s\xff\",\"eventName\":\"n\",\"userIdentity\":{\"type\":\"Root\"}}]}",
}

func TestReadCloudTrailFastSameAsStream(t *testing.T) {
	for _, s := range fastSeeds {
		checkSame(t, s)
	}
}

// FuzzReadCloudTrailFast: whatever the file, the fast reader gives what
// the encoding/json stream gives, and fails as it fails.
func FuzzReadCloudTrailFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) { checkSame(t, data) })
}

// apiVersionSuffix is what trimAPIVersion removes.
var apiVersionSuffix = regexp.MustCompile(`(\d{8}(v\d+)?|\d{4}_\d{2}_\d{2})$`)

var apiVersionSeeds = []string{"GetFunction20150331v2", "CreateFunction20150331", "GetDistribution2020_05_31", "X123456789", "Foo12345678v",
	"Foov12345678", "12345678v12345678", "X912345678v1", "1234567812345678v1", "ListObjects", "v1", "12345678", "2020_05_31", "a2020_5_31", "GetObject"}

func TestTrimAPIVersion(t *testing.T) {
	for _, s := range apiVersionSeeds {
		if got, want := trimAPIVersion(s), apiVersionSuffix.ReplaceAllString(s, ""); got != want {
			t.Errorf("%q: %q, the expression %q", s, got, want)
		}
	}
}

func FuzzTrimAPIVersion(f *testing.F) {
	for _, s := range apiVersionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimAPIVersion(s), apiVersionSuffix.ReplaceAllString(s, ""); got != want {
			t.Errorf("%q: %q, the expression %q", s, got, want)
		}
	})
}

// TestReadCloudTrailFastBrokenGzip: a gzipped file cut short gives fn
// the records before the cut and fails where the stream fails (a file
// cut in its gzip trailer, after the JSON, reads whole in both).
func TestReadCloudTrailFastBrokenGzip(t *testing.T) {
	var file strings.Builder
	file.WriteString(`{"Records":[`)
	for i := 0; i < 200; i++ {
		if i > 0 {
			file.WriteString(",")
		}
		file.WriteString(fullRecord)
	}
	file.WriteString(`]}`)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write([]byte(file.String())); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{z.Len() / 3, z.Len() - 4, z.Len()} {
		data := z.Bytes()[:cut]
		var got, want []delivered
		gerr := ReadCloudTrail("f.json.gz", bytes.NewReader(data), func(i int, ev *CloudTrailEvent) error {
			got = append(got, delivered{i, *ev})
			return nil
		})
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		werr := streamCloudTrail("f.json.gz", zr, func(i int, ev *CloudTrailEvent) error {
			want = append(want, delivered{i, *ev})
			return nil
		})
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("cut at %d of %d: %d records, %v; the stream: %d, %v", cut, z.Len(), len(got), gerr, len(want), werr)
		}
		if cut == z.Len()/3 && (gerr == nil || len(got) == 200) {
			t.Errorf("cut at %d: %d records, %v", cut, len(got), gerr)
		}
	}
}
