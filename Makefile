SHELL := /bin/bash

.PHONY: test unit schema demo stack-up stack-down frontend bench

# Everything: gofmt, go vet, unit tests, then the e2e tests against a local
# BuildKit stack (brought up, and stopped again if this run started it).
test:
	hack/test.sh

# gofmt, go vet and the unit tests only; no daemon needed.
unit:
	hack/test.sh unit

# spec/schema.json and docs/reference.md, from the types and doc comments
# in spec/ (hack/test.sh fails while they are stale).
schema:
	go run ./hack/schemagen

# The demo, against the local BuildKit stack.
demo: stack-up
	. "$${GOAPP_STACK_DIR:-/var/lib/go-app-stack}/env" && go run ./hack/demo $(DEMO_ARGS)

stack-up:
	hack/stack.sh up

stack-down:
	hack/stack.sh down

# Rebuild and push only the frontend image (the stack must be up).
frontend:
	hack/stack.sh frontend

# The benchmark (docs/benchmarks.md): brings the local stack up, runs its own
# buildkitd next to it, builds the examples with go-app and the other
# contenders, writes docs/bench/. BENCH_ARGS adds harness flags, e.g.
# make bench BENCH_ARGS='-apps hello -runs cold=2'.
bench:
	hack/bench/bench.sh run $(BENCH_ARGS)
