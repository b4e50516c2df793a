// Command load is iamgate's load benchmark; see main.go and BENCHMARKS.md.
package main
