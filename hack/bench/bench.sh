#!/usr/bin/env bash
# hack/bench/bench.sh: the go-app benchmark (issue 4; `make bench` runs it).
#
#   hack/bench/bench.sh run [FLAGS]   everything: hack/stack.sh up, the bench daemon and
#                                     builder, ko, the ko base image, the benchmark
#                                     (FLAGS go to the harness, see `go run . run -h`),
#                                     the chart; then stops the bench daemon
#   hack/bench/bench.sh up            start the bench buildkitd and builder, build ko and
#                                     the Dockerfile frontend, push ko's base image and
#                                     the Dockerfile frontend image (for development)
#   hack/bench/bench.sh harness ARGS  run the harness (go run . ARGS) against a bench
#                                     daemon started with `up`
#   hack/bench/bench.sh down          stop the bench buildkitd and remove the builder
#
# The benchmark never touches the shared stack's buildkitd: it runs its own
# buildkitd (same binary and registry settings as hack/stack.sh, its own root
# and socket) and its own buildx builder, so it can prune that daemon for cold
# runs. It uses the stack's registry (localhost:5000) for the toolchain image,
# the frontend image and ko's base image. The ephemeral scenario starts
# throwaway daemons (same binary and configuration, an empty root under
# $GOAPP_BENCH_DIR/ephemeral, sockets in /run/go-app-bench): the harness stops
# and deletes each one after its build; `run` and `down` remove any left over.
#
# Environment:
#   GOAPP_BENCH_DIR    state: daemon root, logs, caches of ko and go build, runs
#                      (default /var/lib/go-app-bench)
#   GOAPP_BENCH_OUT    where the results go: results.json, results.md, chart.png
#                      (default: docs/bench of this repository)
#   GOAPP_BENCH_FRONTEND  the go-app frontend image to measure, pinned by digest
#                      (default: the one hack/stack.sh up built from this tree)
#   GOAPP_TOOLS_CACHE  built tools, one directory per version (default /var/cache/go-app/tools)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# BUILDKIT_VERSION, KO_VERSION, TOOLS_RECIPE
# shellcheck source=hack/versions.sh
. "$REPO_ROOT/hack/versions.sh"
BENCH_SRC=$REPO_ROOT/hack/bench
BENCH_DIR=${GOAPP_BENCH_DIR:-/var/lib/go-app-bench}
BENCH_OUT=${GOAPP_BENCH_OUT:-$REPO_ROOT/docs/bench}
TOOLS_CACHE=${GOAPP_TOOLS_CACHE:-/var/cache/go-app/tools}
STACK_DIR=${GOAPP_STACK_DIR:-/var/lib/go-app-stack}
BUILDKITD=$TOOLS_CACHE/buildkit-$BUILDKIT_VERSION/buildkitd
BUILDCTL=$TOOLS_CACHE/buildkit-$BUILDKIT_VERSION/buildctl
KO_DIR=$TOOLS_CACHE/ko-$KO_VERSION
KO=$KO_DIR/ko
SOCK_DIR=/run/go-app-bench
BENCH_ADDR=unix://$SOCK_DIR/buildkitd.sock
BUILDER=go-app-bench
REGISTRY=localhost:5000
KO_BASE=$REGISTRY/go-app-bench/static:nonroot
DF_DIR=$TOOLS_CACHE/dockerfile-frontend-$BUILDKIT_VERSION
DF_IMAGE=$REGISTRY/go-app-bench/dockerfile:$BUILDKIT_VERSION
FRONTEND_REPO=$REGISTRY/go-app
LOG_DIR=$BENCH_DIR/logs
PID_FILE=$BENCH_DIR/buildkitd.pid

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

LOG_PREFIX=bench
WORK_DIR=$BENCH_DIR/work
# log, die, tool_built, build_tool
# shellcheck source=hack/lib.sh
. "$REPO_ROOT/hack/lib.sh"

take_lock() {
	mkdir -p "$BENCH_DIR"
	exec 8>"$BENCH_DIR/.lock"
	flock -n 8 || die "another hack/bench/bench.sh holds $BENCH_DIR/.lock"
}

# ---- tools built from the Go module proxy -----------------------------------
# build_bench_tool NAME VERSION MODULE LDFLAGS PKG: hack/lib.sh's build_tool,
# static (the Dockerfile frontend goes into an image), logged to a file.
build_bench_tool() {
	local name=$1 version=$2
	if tool_built "$TOOLS_CACHE/$name-$version" "$version"; then
		log "$name: $version cached"
		return
	fi
	log "$name: building $version from the Go module proxy (log: $LOG_DIR/build-$name.log)"
	mkdir -p "$LOG_DIR"
	(CGO_ENABLED=0 build_tool "$@") >"$LOG_DIR/build-$name.log" 2>&1 || {
		tail -n 30 "$LOG_DIR/build-$name.log" >&2
		die "building $name failed"
	}
	log "$name: built into $TOOLS_CACHE/$name-$version"
}

ensure_tools() {
	build_bench_tool ko "$KO_VERSION" github.com/google/ko \
		"-X github.com/google/ko/pkg/commands.Version=$KO_VERSION" github.com/google/ko
	# BuildKit's own Dockerfile frontend as a gateway image, the way
	# `# syntax=docker/dockerfile:1` runs it: the control for what running
	# any frontend from an image costs.
	build_bench_tool dockerfile-frontend "$BUILDKIT_VERSION" github.com/moby/buildkit "" \
		github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
}

# ---- the bench buildkitd ----------------------------------------------------
bench_answers() {
	[ -S "$SOCK_DIR/buildkitd.sock" ] && "$BUILDCTL" --addr "$BENCH_ADDR" --timeout 3 debug workers >/dev/null 2>&1
}

bench_pid() { # the pid of the buildkitd this script started, if it still runs
	local pid argv0
	[ -f "$PID_FILE" ] || return 1
	pid=$(cat "$PID_FILE")
	[[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
	argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)
	[ "$argv0" = "$BUILDKITD" ] || return 1
	echo "$pid"
}

start_daemon() {
	[ -x "$BUILDKITD" ] || die "no $BUILDKITD; run hack/stack.sh up first"
	if pid=$(bench_pid); then
		bench_answers || die "bench buildkitd (pid $pid) runs but does not answer on $BENCH_ADDR"
		log "buildkitd: running (pid $pid) on $BENCH_ADDR"
		return
	fi
	bench_answers && die "something not started by this script answers on $BENCH_ADDR"
	mkdir -p "$BENCH_DIR/buildkit" "$SOCK_DIR" "$LOG_DIR"
	# The local stack's daemon configuration: the registry over http, Docker
	# Hub names mirrored to it, and a GC policy that keeps the cache mounts.
	"$REPO_ROOT/hack/stack.sh" buildkitd-config "$BENCH_DIR/buildkit" "$BENCH_ADDR" >"$BENCH_DIR/buildkitd.toml"
	rm -f "$PID_FILE"
	echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting" >>"$LOG_DIR/buildkitd.log"
	# shellcheck disable=SC2016 # expanded by the inner bash
	setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' spawn "$PID_FILE" \
		"$BUILDKITD" --config "$BENCH_DIR/buildkitd.toml" --root "$BENCH_DIR/buildkit" --addr "$BENCH_ADDR" \
		</dev/null >>"$LOG_DIR/buildkitd.log" 2>&1 8>&- &
	for _ in $(seq 1 600); do
		bench_answers && break
		sleep 0.1
	done
	pid=$(bench_pid) || die "bench buildkitd exited; see $LOG_DIR/buildkitd.log"
	bench_answers || die "bench buildkitd did not answer on $BENCH_ADDR within 60s"
	"$BUILDCTL" --addr "$BENCH_ADDR" debug workers --format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}} {{end}}{{end}}' |
		grep -q 'linux/arm64' || die "bench buildkitd lists no linux/arm64 (binfmt/QEMU missing?)"
	log "buildkitd: started (pid $pid) on $BENCH_ADDR, root $BENCH_DIR/buildkit"
}

stop_daemon() {
	local pid
	if ! pid=$(bench_pid); then
		rm -f "$PID_FILE"
		log "buildkitd: not running"
		return
	fi
	terminate buildkitd "$pid"
	rm -f "$PID_FILE"
	log "buildkitd: stopped (pid $pid)"
}

ensure_builder() {
	if docker buildx inspect "$BUILDER" 2>/dev/null | grep -q "Endpoint: *$BENCH_ADDR\$"; then
		:
	else
		docker buildx rm "$BUILDER" >/dev/null 2>&1 || true
		docker buildx create --name "$BUILDER" --driver remote "$BENCH_ADDR" >/dev/null ||
			die "docker buildx create $BUILDER failed"
	fi
	docker buildx inspect --bootstrap --builder "$BUILDER" >/dev/null || die "builder $BUILDER does not answer"
	log "builder:   $BUILDER (remote driver, $BENCH_ADDR)"
}

# stop_ephemeral: the safety net for the harness's throwaway daemons (it stops
# them itself, unless it was killed): stop every one left over, remove its
# builder, mounts, state and socket.
stop_ephemeral() {
	local d name pid argv0 mp
	for d in "$BENCH_DIR"/ephemeral/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		name=$(basename "$d")
		pid=$(cat "$d/pid" 2>/dev/null || true)
		if [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ]; then
			argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)
			if [ "$argv0" = "$BUILDKITD" ] && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF "$d/root"; then
				terminate "throwaway buildkitd $name" "$pid"
			fi
		fi
		docker buildx rm "go-app-bench-eph-$name" >/dev/null 2>&1 || true
		awk -v p="$d/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r mp; do
			umount -l "$mp" 2>/dev/null || true
		done
		rm -rf "$d"
		rm -f "$SOCK_DIR/eph-$name.sock"
		log "ephemeral: removed the left-over throwaway buildkitd $name"
	done
}

remove_builder() {
	if docker buildx inspect "$BUILDER" >/dev/null 2>&1; then
		docker buildx rm "$BUILDER" >/dev/null 2>&1 || log "warning: docker buildx rm $BUILDER failed"
		log "builder:   removed $BUILDER"
	fi
}

# ---- ko's base image ---------------------------------------------------------
# scratch with the toolchain image's CA bundle, a passwd/group with nonroot
# (65532) and /tmp, as USER 65532: what go-app and the best-practice
# Dockerfile put under the binary, so that ko builds a comparable image.
push_ko_base() {
	local d
	d=$(mktemp -d "$BENCH_DIR/work/kobase.XXXXXX")
	cat >"$d/Dockerfile" <<'EOF'
FROM --platform=$BUILDPLATFORM golang:1.26 AS files
RUN mkdir -p /out/etc/ssl/certs /out/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >/out/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' >/out/etc/group \
 && chmod 1777 /out/tmp
FROM scratch
COPY --from=files /out/ /
USER 65532:65532
EOF
	"$BUILDCTL" --addr "$BENCH_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$d" --local dockerfile="$d" \
		--opt platform=linux/amd64,linux/arm64 \
		--output "type=image,name=$KO_BASE,push=true,registry.insecure=true" \
		>"$LOG_DIR/ko-base.log" 2>&1 || {
		tail -n 30 "$LOG_DIR/ko-base.log" >&2
		die "building ko's base image failed"
	}
	rm -rf "$d"
	log "ko base:   pushed $KO_BASE (linux/amd64, linux/arm64)"
}

# push_df_frontend: BuildKit's Dockerfile frontend as an image, with the
# labels of docker/dockerfile; records its digest.
push_df_frontend() {
	local d dg
	d=$(mktemp -d "$BENCH_DIR/work/dfimage.XXXXXX")
	cp "$DF_DIR/dockerfile-frontend" "$d/"
	cat >"$d/Dockerfile" <<'EOF'
FROM scratch
COPY dockerfile-frontend /bin/dockerfile-frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/dockerfile-frontend"]
EOF
	"$BUILDCTL" --addr "$BENCH_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$d" --local dockerfile="$d" \
		--output "type=image,name=$DF_IMAGE,push=true,registry.insecure=true" \
		--metadata-file "$d/metadata.json" >"$LOG_DIR/dockerfile-image.log" 2>&1 || {
		tail -n 30 "$LOG_DIR/dockerfile-image.log" >&2
		die "building the Dockerfile frontend image failed"
	}
	dg=$(tr -d '\n' <"$d/metadata.json" | grep -o '"containerimage.digest": *"sha256:[0-9a-f]*"' | grep -o 'sha256:[0-9a-f]*' | head -n 1)
	[ -n "$dg" ] || die "no digest for $DF_IMAGE"
	rm -rf "$d"
	echo "$dg" >"$BENCH_DIR/dockerfile-frontend.digest"
	log "dockerfile frontend image: pushed $DF_IMAGE@$dg"
}

# The frontend image under test, pinned by digest so that a push of another
# frontend during the run cannot change it half-way: the stack's, or
# GOAPP_BENCH_FRONTEND.
frontend_ref() {
	local d
	if [ -n "${GOAPP_BENCH_FRONTEND:-}" ]; then
		[[ $GOAPP_BENCH_FRONTEND =~ ^[a-z0-9.:/_-]+@sha256:[0-9a-f]{64}$ ]] ||
			die "GOAPP_BENCH_FRONTEND='$GOAPP_BENCH_FRONTEND' is not an image pinned by digest (NAME@sha256:...)"
		echo "$GOAPP_BENCH_FRONTEND"
		return
	fi
	d=$(cat "$STACK_DIR/frontend.digest" 2>/dev/null || true)
	[[ $d =~ ^sha256:[0-9a-f]{64}$ ]] || die "no frontend digest in $STACK_DIR/frontend.digest; run hack/stack.sh up"
	echo "$FRONTEND_REPO:dev@$d"
}

harness() { # harness ARGS...: go run the harness with the bench's settings
	(
		cd "$BENCH_SRC"
		go build -o "$BENCH_DIR/bench" .
	) || die "building the harness failed"
	# Without the lock's descriptor: the throwaway daemons the harness starts
	# would inherit it and hold the lock after an interrupted run.
	BUILDX_BUILDER=$BUILDER "$BENCH_DIR/bench" "$@" 8>&-
}

common_flags() {
	printf '%s\n' \
		-repo "$REPO_ROOT" \
		-state "$BENCH_DIR" \
		-addr "$BENCH_ADDR" \
		-buildctl "$BUILDCTL" \
		-builder "$BUILDER" \
		-frontend "$(frontend_ref)" \
		-ko "$KO" \
		-ko-base "$KO_BASE" \
		-buildkitd "$BUILDKITD" \
		-sock-dir "$SOCK_DIR" \
		-registry "$REGISTRY" \
		-dockerfile-frontend "$DF_IMAGE@$(cat "$BENCH_DIR/dockerfile-frontend.digest")"
}

cmd_up() {
	take_lock
	mkdir -p "$BENCH_DIR/work" "$LOG_DIR"
	"$REPO_ROOT/hack/stack.sh" status >/dev/null 2>&1 || die "the local stack is not up; run hack/stack.sh up"
	ensure_tools
	start_daemon
	ensure_builder
	push_ko_base
	push_df_frontend
}

cmd_down() {
	take_lock
	stop_ephemeral
	remove_builder
	stop_daemon
}

cmd_harness() {
	local flags
	mapfile -t flags < <(common_flags)
	harness "${1:-run}" "${flags[@]}" "${@:2}"
}

cmd_run() {
	local t0=$SECONDS
	log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$REPO_ROOT/hack/stack.sh" up
	take_lock
	mkdir -p "$BENCH_DIR/work" "$LOG_DIR" "$BENCH_OUT"
	ensure_tools
	trap 'stop_ephemeral; remove_builder; stop_daemon' EXIT
	start_daemon
	ensure_builder
	push_ko_base
	push_df_frontend
	local flags
	mapfile -t flags < <(common_flags)
	harness run "${flags[@]}" -out "$BENCH_OUT" "$@"
	harness chart -in "$BENCH_OUT/results.json" -out "$BENCH_OUT/chart.png"
	log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	log "done in $(((SECONDS - t0) / 60))m$(((SECONDS - t0) % 60))s; results in $BENCH_OUT"
}

main() {
	[ "$(id -u)" = 0 ] || die "must run as root (it starts a buildkitd)"
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	run) cmd_run "$@" ;;
	up) cmd_up ;;
	down) cmd_down ;;
	harness) cmd_harness "$@" ;;
	*)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

main "$@"
