// Command iamgate wires the CLI in internal/cli; it holds no logic of its own.
package main
