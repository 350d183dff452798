#!/usr/bin/env bash
# hack/test.sh: the project's test command (`make test` runs it).
#
#   hack/test.sh        everything below
#   hack/test.sh unit   step 1 only (no daemon needed)
#   hack/test.sh e2e    steps 2-4 only
#
#   1. gofmt -l must list nothing, go vet ./..., golangci-lint (.golangci.yml) and actionlint
#      (.github/workflows and docs/examples), at the versions in hack/versions.sh, built once into
#      GOAPP_TOOLS_CACHE, spec/schema.json and docs/reference.md
#      must be what `make schema` writes, the unit tests (every package but e2e/),
#      then every fuzz target (func FuzzX) for GOAPP_FUZZ_TIME (default 20000x: that many
#      runs, not a duration, see below) each, minimizing a new input for at most
#      GOAPP_FUZZ_MINIMIZE_TIME (default 3s)
#   2. hack/stack.sh up: a local BuildKit stack (reused when it is already up;
#      the frontend image is rebuilt from this tree either way)
#   3. the e2e tests, go test -v ./e2e/..., against that stack, with GOAPP_E2E=1
#      so that they fail rather than skip when something is missing
#   4. stops the daemons that step 2 started (GOAPP_KEEP_STACK=1 keeps them)
#
# Needs root (the stack runs a rootful buildkitd). Exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
# GOLANGCI_LINT_VERSION, ACTIONLINT_VERSION
# shellcheck source=hack/versions.sh
. hack/versions.sh
STACK_DIR=${GOAPP_STACK_DIR:-/var/lib/go-app-stack}
TOOLS_CACHE=${GOAPP_TOOLS_CACHE:-/var/cache/go-app/tools}
UNIT_TIMEOUT=${GOAPP_UNIT_TIMEOUT:-10m}
E2E_TIMEOUT=${GOAPP_E2E_TIMEOUT:-40m}
# A count, not a duration: with a duration, Go before 1.27 can fail a fuzz
# target that found nothing with "context deadline exceeded" when the time
# runs out during a run (golang/go#75804). 20000 runs take 5 to 40 s a
# target here.
FUZZ_TIME=${GOAPP_FUZZ_TIME:-20000x}
# Go minimizes each new interesting input for up to 60s by default, which
# ate the whole fuzz budget ("0 execs/s"); a few seconds is plenty for the
# small seeds.
FUZZ_MINIMIZE_TIME=${GOAPP_FUZZ_MINIMIZE_TIME:-3s}

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

T0=${EPOCHREALTIME/./}
section() { printf '\n=== %s\n' "$*"; }
elapsed() {
	local us=$((${EPOCHREALTIME/./} - T0))
	printf '%d.%ds' $((us / 1000000)) $(((us / 100000) % 10))
}

run_unit() {
	section "gofmt"
	local unformatted
	unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -not -path './vendor/*' -print0 |
		xargs -0 -r gofmt -l)
	if [ -n "$unformatted" ]; then
		echo "gofmt -l lists files that are not gofmt-ed (run gofmt -w on them):"
		echo "$unformatted"
		exit 1
	fi
	echo "gofmt: ok"

	section "go vet ./..."
	go vet ./...
	echo "go vet: ok"

	section "golangci-lint $GOLANGCI_LINT_VERSION (.golangci.yml)"
	local lint=$TOOLS_CACHE/golangci-lint-$GOLANGCI_LINT_VERSION/golangci-lint
	if [ ! -x "$lint" ]; then
		echo "building golangci-lint $GOLANGCI_LINT_VERSION from the module proxy into $(dirname "$lint")"
		GOBIN=$(dirname "$lint") GOFLAGS= go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
	fi
	"$lint" run ./...
	echo "golangci-lint: ok"

	section "actionlint $ACTIONLINT_VERSION (.github/workflows, docs/examples)"
	local actionlint=$TOOLS_CACHE/actionlint-$ACTIONLINT_VERSION/actionlint
	if [ ! -x "$actionlint" ]; then
		echo "building actionlint $ACTIONLINT_VERSION from the module proxy into $(dirname "$actionlint")"
		GOBIN=$(dirname "$actionlint") GOFLAGS= go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
	fi
	"$actionlint" .github/workflows/*.yml docs/examples/*.yml
	echo "actionlint: ok"

	section "generated files: go run ./hack/schemagen -check"
	go run ./hack/schemagen -check
	echo "spec/schema.json, docs/reference.md: ok"

	section "unit tests"
	local module pkgs=()
	module=$(go list -m)
	mapfile -t pkgs < <(go list ./... | grep -v -E "^${module//./\\.}/e2e(/|\$)")
	if [ "${#pkgs[@]}" -eq 0 ]; then
		echo "no packages to test"
		exit 1
	fi
	env -u GOAPP_E2E go test -timeout "$UNIT_TIMEOUT" "${pkgs[@]}"
	echo "unit tests: ok ($(elapsed) so far)"

	section "fuzz targets, ${FUZZ_TIME} each"
	local file name found=0
	while IFS=: read -r file name; do
		name=${name#func }
		found=1
		echo "--- $name ($(dirname "$file"))"
		env -u GOAPP_E2E go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZ_TIME" -fuzzminimizetime "$FUZZ_MINIMIZE_TIME" "./$(dirname "${file#./}")"
	done < <(grep -r -o --include='*_test.go' --exclude-dir=e2e --exclude-dir=testdata '^func Fuzz[A-Za-z0-9_]*' . | sort)
	[ "$found" = 1 ] || echo "no fuzz targets"
	echo "fuzz: ok ($(elapsed) so far)"
}

STARTED_FILE=""
stop_started() {
	local rc=$? c comps=()
	if [ -n "$STARTED_FILE" ]; then
		for c in builder buildkitd registry; do
			grep -qx "$c" "$STARTED_FILE" 2>/dev/null && comps+=("$c")
		done
		rm -f "$STARTED_FILE"
	fi
	if [ "${#comps[@]}" -gt 0 ]; then
		if [ "${GOAPP_KEEP_STACK:-}" = 1 ]; then
			section "stack kept up (GOAPP_KEEP_STACK=1): hack/stack.sh down stops it"
		else
			section "stopping what this run started: ${comps[*]}"
			hack/stack.sh down "${comps[@]}" || rc=1
		fi
	fi
	exit "$rc"
}

run_e2e() {
	section "BuildKit stack: hack/stack.sh up"
	STARTED_FILE=$(mktemp)
	trap stop_started EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	GOAPP_STACK_STARTED_FILE=$STARTED_FILE hack/stack.sh up
	if [ -s "$STARTED_FILE" ]; then
		echo "stack: this run started: $(sort -u "$STARTED_FILE" | tr '\n' ' ')"
	else
		echo "stack: reusing the stack that was already up"
	fi

	section "e2e tests"
	if ! find e2e -name '*_test.go' 2>/dev/null | grep -q .; then
		echo "e2e: no test files under e2e/; nothing to run"
		return
	fi
	# shellcheck source=/dev/null
	. "$STACK_DIR/env"
	export GOAPP_E2E=1
	go test -count=1 -timeout "$E2E_TIMEOUT" -v ./e2e/...
	echo "e2e tests: ok ($(elapsed) so far)"
}

case "${1:-all}" in
all)
	run_unit
	run_e2e
	;;
unit) run_unit ;;
e2e) run_e2e ;;
*)
	echo "usage: hack/test.sh [all|unit|e2e]" >&2
	exit 2
	;;
esac
section "all passed in $(elapsed)"
