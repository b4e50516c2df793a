# The one test command: README.md and .ci/run both use `make test`.
GO ?= go
FUZZTIME ?=

.PHONY: test check lint unit fuzz-short bench build load

test: check lint unit fuzz-short

build:
	$(GO) build -o bin/iamgate ./cmd/iamgate

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }

# golangci-lint with .golangci.yml, pinned here: go run fetches and builds it
# through the Go module proxy on first use, and nothing enters go.mod.
GOLANGCI_LINT = github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

lint:
	$(GO) run $(GOLANGCI_LINT) run ./...

unit:
	$(GO) test -race -count=1 ./...

# A short run of every fuzz target, counted in executions (about ten seconds
# each here) rather than seconds: Go 1.26's fuzz coordinator can fail a
# duration-bounded run with "context deadline exceeded" and no failing input
# when its window closes (go.dev/issue/75804, fixed in Go 1.27). Longer runs
# by time: make fuzz-short FUZZTIME=10m
FUZZ_TARGETS = \
	./policy:FuzzParse:400000 \
	./policy:FuzzCheckIAM:300000 \
	./evaldoc:FuzzDocument:200000 \
	./policy/vars:FuzzTemplate:400000 \
	./arn:FuzzParse:1000000 \
	./wildcard:FuzzMatch:400000 \
	./input:FuzzParse:400000 \
	./validate:FuzzIntersects:300000 \
	./api/sigv4:FuzzVerify:300000 \
	./api/query:FuzzParseParams:200000 \
	./server:FuzzServe:30000 \
	./server:FuzzAccessAnalyzerRequest:30000 \
	./pipeline:FuzzCheck:100000 \
	./pipeline:FuzzGuardrails:100000 \
	./pipeline:FuzzReadZip:200000 \
	./analysis:FuzzSolverLanguages:300000 \
	./api/shape:FuzzDecodeQuery:300000 \
	./api/organizations/inherit:FuzzEffective:200000

fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$${rest#*:}; \
	  budget=$(if $(FUZZTIME),$(FUZZTIME),$${n}x); \
	  echo "$(GO) test $$pkg -run '^\$$' -fuzz '^'$$name'\$$' -fuzztime $$budget"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget; \
	done

bench:
	$(GO) test ./engine ./policy/... ./arn ./wildcard ./catalog ./validate ./pipeline ./server -run '^$$' -bench . -benchmem -count 6

# iamgate serve against moto_server on loopback (needs moto_server on PATH).
load:
	$(GO) run ./bench/load -duration 10s -workers 16
