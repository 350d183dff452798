# hack/lib.sh: what hack/stack.sh and hack/bench/bench.sh share: logging,
# failing, stopping a daemon, timing, and building a tool from the Go
# module proxy into the tools cache. The caller sets LOG_PREFIX, TOOLS_CACHE, WORK_DIR and
# TOOLS_RECIPE (hack/versions.sh) before calling these.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "${LOG_PREFIX:-hack}" "$*" >&2; }

die() {
	log "ERROR: $*"
	exit 1
}

# terminate NAME PID: SIGTERM, up to 15 s for the process to exit, then
# SIGKILL.
terminate() {
	local name=$1 pid=$2
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 150); do
		[ -d "/proc/$pid" ] || return 0
		sleep 0.1
	done
	log "$name (pid $pid) did not stop within 15s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.5
}

# fmt_secs MICROS: prints seconds with one decimal.
fmt_secs() { printf '%d.%ds' $(($1 / 1000000)) $((($1 / 100000) % 10)); }
now_us() { echo "${EPOCHREALTIME/./}"; }

# ---- tools built from the Go module proxy ------------------------------------
tool_built() { # tool_built DIR VERSION
	[ -f "$1/.built" ] && [ "$(cat "$1/.built")" = "$2 recipe=$TOOLS_RECIPE" ]
}

# build_tool NAME VERSION MODULE LDFLAGS PKG... : build the main packages PKG of
# MODULE@VERSION in a throwaway module, install to $TOOLS_CACHE/NAME-VERSION
# (`go install MOD@VER` is refused for modules whose go.mod has exclude
# directives). CGO_ENABLED from the caller's environment applies.
build_tool() {
	local name=$1 version=$2 module=$3 ldflags=$4
	shift 4
	local dest=$TOOLS_CACHE/$name-$version pkg bin work
	mkdir -p "$WORK_DIR" "$dest"
	work=$(mktemp -d "$WORK_DIR/tool-$name.XXXXXX")
	cd "$work"
	go mod init example.invalid/tools >/dev/null 2>&1
	{
		printf '//go:build tools\n\npackage tools\n\nimport (\n'
		for pkg in "$@"; do printf '\t_ "%s"\n' "$pkg"; done
		printf ')\n'
	} >tools.go
	GOFLAGS=-mod=mod go get "$module@$version"
	for pkg in "$@"; do
		bin=${pkg##*/}
		GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "bin/$bin" "$pkg"
	done
	rm -f "$dest/.built"
	for pkg in "$@"; do
		bin=${pkg##*/}
		install -m 0755 "bin/$bin" "$dest/.$bin.tmp"
		mv -f "$dest/.$bin.tmp" "$dest/$bin"
	done
	echo "$version recipe=$TOOLS_RECIPE" >"$dest/.built"
	cd /
	rm -rf "$work"
}
