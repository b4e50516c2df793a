// Package cli implements iamgate's commands. Each command fills a params
// struct and calls a plain run function taking the context and the output
// streams, so commands are tested without a process. Exit codes: 0 success,
// 1 a check failed (such as --expect), 2 bad input or usage.
package cli
