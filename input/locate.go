package input

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// locateYAML finds the node an element path such as
// "Statement[1].Condition.StringEquals.accounts.google.com:aud" names under
// n, and returns its line and column. Keys may themselves hold dots, so at
// each mapping the longest key that starts the rest of the path wins.
func locateYAML(n *yaml.Node, path string) (int, int, bool) {
	if path == "" {
		return n.Line, n.Column, true
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if strings.HasPrefix(path, "[") {
		end := strings.IndexByte(path, ']')
		if end < 0 || n.Kind != yaml.SequenceNode {
			// "Statement[0]" on a lone statement object, or a string value
			// given where a list may be: stay here.
			if end >= 0 && path[1:end] == "0" {
				return locateYAML(n, strings.TrimPrefix(path[end+1:], "."))
			}
			return n.Line, n.Column, true
		}
		i, err := strconv.Atoi(path[1:end])
		if err != nil || i < 0 || i >= len(n.Content) {
			return n.Line, n.Column, true
		}
		return locateYAML(n.Content[i], strings.TrimPrefix(path[end+1:], "."))
	}
	if n.Kind != yaml.MappingNode {
		return n.Line, n.Column, true
	}
	best := -1
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if (path == k || strings.HasPrefix(path, k+".") || strings.HasPrefix(path, k+"[")) && (best < 0 || len(k) > len(n.Content[best].Value)) {
			best = i
		}
	}
	if best < 0 {
		return n.Line, n.Column, true
	}
	k := n.Content[best]
	rest := strings.TrimPrefix(path[len(k.Value):], ".")
	if rest == "" {
		return n.Content[best+1].Line, n.Content[best+1].Column, true
	}
	return locateYAML(n.Content[best+1], rest)
}
