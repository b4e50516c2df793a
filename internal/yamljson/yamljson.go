// Package yamljson turns YAML scalars into the JSON values they stand for,
// keeping the text of scalars YAML would retype (an unquoted 2012-10-17 is a
// date to YAML but the string "2012-10-17" to a policy). It is shared by the
// world file reader and the CloudFormation reader.
package yamljson

import (
	"encoding/json"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Scalar returns a scalar node's JSON value: bool, json.Number, nil or string.
func Scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int", "!!float":
		return json.Number(n.Value)
	case "!!null":
		return nil
	}
	return n.Value
}
