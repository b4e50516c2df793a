package pipeline

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iamgate/iamgate/arn"
)

// Limits on what a submission may hold.
const (
	// MaxDocument is IAM's limit on a managed policy's document, counted
	// without whitespace (the IAM User Guide, "IAM and AWS STS quotas":
	// 6,144 characters); a submitted document may be at most that, and so
	// may the document with the central denies appended.
	MaxDocument = 6144
	// MaxUpload is the largest policy.zip or request body read.
	MaxUpload = 1 << 20
)

// Metadata is metadata.json. PolicyName and PolicyDescription are the
// seed's; Account (the target account; default: the submitter's) and Team
// are iamgate's.
type Metadata struct {
	PolicyName        string `json:"PolicyName"`
	PolicyDescription string `json:"PolicyDescription,omitempty"`
	Account           string `json:"Account,omitempty"`
	Team              string `json:"Team,omitempty"`
}

// Submission is a policy to be created in a team's account.
type Submission struct {
	Metadata
	// Document is policy.json as submitted.
	Document []byte `json:"-"`
	// File names the document in reasons (policy.json, or
	// policy.zip:policy.json).
	File string `json:"file,omitempty"`
	// Submitter is the principal that submitted it.
	Submitter string `json:"submitter,omitempty"`
	// Via is how it came: files, zip, cli, api or watch.
	Via string `json:"via,omitempty"`
}

// policyNameOK is IAM's rule for policy names: 1 to 128 of [\w+=,.@-].
func policyNameOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
		default:
			return false
		}
	}
	return true
}

// Validate checks the metadata: a policy name IAM accepts, a description
// within 1,000 characters, a 12-digit account when one is given.
func (m Metadata) Validate() error {
	if !policyNameOK(m.PolicyName) {
		return fmt.Errorf("metadata.json: PolicyName %q: want 1 to 128 letters, digits and _+=,.@- (the IAM API Reference, CreatePolicy)", m.PolicyName)
	}
	if len(m.PolicyDescription) > 1000 {
		return fmt.Errorf("metadata.json: PolicyDescription is %d characters; CreatePolicy takes at most 1,000", len(m.PolicyDescription))
	}
	if m.Account != "" && !arn.IsAccountID(m.Account) {
		return fmt.Errorf("metadata.json: Account %q is not a 12-digit account ID", m.Account)
	}
	return nil
}

// ParseMetadata reads metadata.json, rejecting unknown fields so that a
// misspelt PolicyName is not silently dropped.
func ParseMetadata(name string, data []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s: %v", name, err)
	}
	return m, m.Validate()
}

// ReadFiles reads a submission from policy.json and metadata.json.
func ReadFiles(policyPath, metadataPath string) (*Submission, error) {
	doc, err := os.ReadFile(policyPath)
	if err != nil {
		return nil, err
	}
	meta, err := os.ReadFile(metadataPath)
	if err != nil {
		return nil, err
	}
	m, err := ParseMetadata(metadataPath, meta)
	if err != nil {
		return nil, err
	}
	return &Submission{Metadata: m, Document: doc, File: policyPath, Via: "files"}, nil
}

// ReadZip reads the seed's policy.zip: policy.json and metadata.json at the
// top of the archive (or in one folder).
func ReadZip(name string, data []byte) (*Submission, error) {
	if len(data) > MaxUpload {
		return nil, fmt.Errorf("%s: %d bytes; a submission is at most %d", name, len(data), MaxUpload)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a zip archive: %v", name, err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		base := filepath.Base(f.Name)
		if base != "policy.json" && base != "metadata.json" {
			continue
		}
		if _, dup := files[base]; dup {
			return nil, fmt.Errorf("%s: holds %s twice", name, base)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxUpload+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, f.Name, err)
		}
		if len(b) > MaxUpload {
			return nil, fmt.Errorf("%s: %s is larger than %d bytes", name, f.Name, MaxUpload)
		}
		files[base] = b
	}
	for _, want := range []string{"policy.json", "metadata.json"} {
		if _, ok := files[want]; !ok {
			return nil, fmt.Errorf("%s: no %s in the archive (the pipeline expects policy.json and metadata.json)", name, want)
		}
	}
	m, err := ParseMetadata(name+":metadata.json", files["metadata.json"])
	if err != nil {
		return nil, err
	}
	return &Submission{Metadata: m, Document: files["policy.json"], File: name + ":policy.json", Via: "zip"}, nil
}

// Read reads a submission from a path: a policy.zip, or a folder holding
// policy.zip or policy.json and metadata.json.
func Read(path string) (*Submission, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "policy.zip")); err == nil {
			return Read(filepath.Join(path, "policy.zip"))
		}
		return ReadFiles(filepath.Join(path, "policy.json"), filepath.Join(path, "metadata.json"))
	}
	if fi.Size() > MaxUpload {
		return nil, fmt.Errorf("%s: %d bytes; a submission is at most %d", path, fi.Size(), MaxUpload)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte("PK")) {
		return ReadZip(path, data)
	}
	return nil, errors.New(path + ": want a policy.zip or a folder with policy.json and metadata.json")
}

// Zip packs a submission as the seed's policy.zip.
func (s *Submission) Zip() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	meta, err := json.MarshalIndent(s.Metadata, "", "  ")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"metadata.json", meta}, {"policy.json", s.Document}} {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
