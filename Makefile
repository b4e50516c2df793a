# The one test command: README.md and .ci/run both use `make test`.
GO ?= go
FUZZTIME ?= 10s

.PHONY: test check unit fuzz-short bench build

test: check unit fuzz-short

build:
	$(GO) build -o bin/iamgate ./cmd/iamgate

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }

unit:
	$(GO) test -race -count=1 ./...

# A short run of every fuzz target; longer runs: make fuzz-short FUZZTIME=10m
fuzz-short:
	$(GO) test ./policy -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./evaldoc -run '^$$' -fuzz '^FuzzDocument$$' -fuzztime $(FUZZTIME)
	$(GO) test ./policy/vars -run '^$$' -fuzz '^FuzzTemplate$$' -fuzztime $(FUZZTIME)
	$(GO) test ./arn -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./wildcard -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME)
	$(GO) test ./input -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./validate -run '^$$' -fuzz '^FuzzIntersects$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./engine ./policy/... ./arn ./wildcard ./catalog ./validate -run '^$$' -bench . -benchmem -count 6
