package validate

import (
	"github.com/iamgate/iamgate/input"
)

// Input validates one policy found by package input. Findings get the
// document's resource name, and their lines and columns are moved from the
// policy text to the source file (a template line, or the holder's line when
// the policy is embedded as a string).
func Input(d input.Document, opts Options) []Finding {
	if opts.Type == "" && d.Type != "" {
		if t, err := ParsePolicyType(d.Type); err == nil {
			opts.Type = t
		}
	}
	opts.Location.File = d.File
	opts.Location.Resource = d.Resource
	fs := Document(d.File, d.Data, opts)
	if d.Resource == "" {
		return fs
	}
	for i := range fs {
		l := &fs[i].Location
		if d.Locate != nil {
			if line, col, ok := d.Locate(l.Path); ok {
				l.Line, l.Column = line, col
				continue
			}
		}
		l.Line, l.Column = d.Line, d.Column
	}
	return fs
}
