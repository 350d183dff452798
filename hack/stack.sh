#!/usr/bin/env bash
# hack/stack.sh: a local BuildKit stack for developing and testing go-app.
#
# It needs no Docker engine and no public container registry: the tools are
# built from the Go module proxy, runc and QEMU come from Debian packages, and
# the Go toolchain images are assembled from this machine's own Go (and, for
# cgo builds, Debian's packages from the archive its apt sources name).
#
#   hack/stack.sh up        bring the stack up (idempotent), rebuild the frontend image
#   hack/stack.sh down [registry|buildkitd|builder]...
#                           stop what `up` started (default: all of it)
#   hack/stack.sh status    show what is running; exit 0 when the daemons answer
#   hack/stack.sh frontend  (re)build and push only the frontend image
#   hack/stack.sh golang-bookworm-arm64
#                           make the linux/arm64 variant of golang:<version>-bookworm
#                           Debian too (for builds with cgo under QEMU; several minutes)
#   hack/stack.sh env       print the export lines for using the stack
#   hack/stack.sh purge     `down`, then delete the stack's data (registry, BuildKit cache)
#   hack/stack.sh buildkitd-config ROOT ADDR
#                           print the buildkitd.toml for a daemon with state in ROOT on ADDR
#
# Environment:
#   GOAPP_STACK_DIR           state: pids, logs, configs, data (default /var/lib/go-app-stack)
#   GOAPP_TOOLS_CACHE         built tools, one directory per tool version (default /var/cache/go-app/tools)
#   GOAPP_FRONTEND_PLATFORMS  platforms of the frontend image (default: FRONTEND_PLATFORMS of hack/versions.sh)
#   GOAPP_STACK_STARTED_FILE  if set, `up` appends the name of each daemon or builder it starts
#                             to this file (hack/test.sh uses it to stop only those)
set -euo pipefail

# ---- pinned versions --------------------------------------------------------
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BUILDKIT_VERSION, BUILDX_VERSION, REGISTRY_VERSION, COSIGN_VERSION, SYFT_VERSION, FRONTEND_PLATFORMS,
# TOOLS_RECIPE
# shellcheck source=hack/versions.sh
. "$REPO_ROOT/hack/versions.sh"
# Bump when the way the toolchain images are made changes.
TOOLCHAIN_RECIPE=2

# ---- fixed names ------------------------------------------------------------
STACK_DIR=${GOAPP_STACK_DIR:-/var/lib/go-app-stack}
TOOLS_CACHE=${GOAPP_TOOLS_CACHE:-/var/cache/go-app/tools}
BUILDKIT_SOCK=/run/buildkit/buildkitd.sock
BUILDKIT_ADDR=unix://$BUILDKIT_SOCK
REGISTRY_LISTEN=127.0.0.1:5000
REGISTRY=localhost:5000
REGISTRY_URL=http://$REGISTRY_LISTEN
BUILDER=go-app
FRONTEND_IMAGE=$REGISTRY/go-app:dev
FRONTEND_TAGS=("$FRONTEND_IMAGE" "$REGISTRY/goappfrontend/go-app:1")
QEMU_FORMATS=(qemu-aarch64 qemu-arm)
# arch-test: mmdebstrap's check that QEMU runs the linux/arm64 Debian root file system.
APT_PACKAGES=(runc qemu-user-static binfmt-support ca-certificates mmdebstrap arch-test)

BUILDKIT_DIR=$TOOLS_CACHE/buildkit-$BUILDKIT_VERSION
BUILDX_DIR=$TOOLS_CACHE/buildx-$BUILDX_VERSION
REGISTRY_DIR=$TOOLS_CACHE/registry-$REGISTRY_VERSION
COSIGN_DIR=$TOOLS_CACHE/cosign-$COSIGN_VERSION
SYFT_DIR=$TOOLS_CACHE/syft-$SYFT_VERSION
BUSYBOX_DIR=$TOOLS_CACHE/busybox-static
# The tag of llb.DebugImageRef.
BUSYBOX_TAG=1.37.0-musl
BUILDKITD=$BUILDKIT_DIR/buildkitd
BUILDCTL=$BUILDKIT_DIR/buildctl
BUILDX=$BUILDX_DIR/buildx
REGISTRY_BIN=$REGISTRY_DIR/registry
SYFT=$SYFT_DIR/syft
COSIGN=$COSIGN_DIR/cosign
DOCKER_PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins

LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run
WORK_DIR=$STACK_DIR/work
ENV_FILE=$STACK_DIR/env

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

# ---- logging and failure reporting ------------------------------------------
LOG_PREFIX=stack
STEP=""
STEP_LOG=""
STEP_T0=0
BG_PIDS=()

step() { # step NAME [LOGFILE]
	STEP=$1
	STEP_LOG=${2:-}
	STEP_T0=$(now_us)
}
done_step() { # done_step NOTE
	log "$(printf '%-16s %s (%s)' "$STEP:" "$1" "$(fmt_secs $(($(now_us) - STEP_T0)))")"
	STEP=""
	STEP_LOG=""
}

show_log_tail() { # show_log_tail FILE
	if [ -n "$1" ] && [ -s "$1" ]; then
		log "---- last lines of $1 ----"
		tail -n 40 "$1" | sed 's/^/    /' >&2
		log "----"
	fi
}

kill_tree() { # kill_tree PID: the process and its descendants, by pid
	local child
	for child in $(pgrep -P "$1" 2>/dev/null || true); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null || true
}

on_exit() {
	local rc=$?
	local pid
	for pid in "${BG_PIDS[@]}"; do
		[ -n "$pid" ] && kill_tree "$pid"
	done
	if [ "$rc" -ne 0 ] && [ -n "$STEP" ]; then
		log "$STEP: FAILED (exit $rc, after $(fmt_secs $(($(now_us) - STEP_T0))))"
		show_log_tail "$STEP_LOG"
	fi
	exit "$rc"
}
trap on_exit EXIT

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (it starts buildkitd and changes binfmt_misc)"
}

take_lock() {
	mkdir -p "$STACK_DIR"
	exec 9>"$STACK_DIR/.lock"
	if ! flock -n 9; then
		log "waiting for another hack/stack.sh run to finish (lock $STACK_DIR/.lock)"
		flock -w 1800 9 || die "could not take the lock $STACK_DIR/.lock"
	fi
}

record_started() {
	if [ -n "${GOAPP_STACK_STARTED_FILE:-}" ]; then
		echo "$1" >>"$GOAPP_STACK_STARTED_FILE"
	fi
}

# ---- the parts --------------------------------------------------------------
# shellcheck source=hack/lib.sh
. "$REPO_ROOT/hack/lib.sh"
# shellcheck source=hack/stack/host.sh
. "$REPO_ROOT/hack/stack/host.sh"
# shellcheck source=hack/stack/daemons.sh
. "$REPO_ROOT/hack/stack/daemons.sh"
# shellcheck source=hack/stack/images.sh
. "$REPO_ROOT/hack/stack/images.sh"

# ---- buildx -----------------------------------------------------------------
ensure_builder() {
	step "buildx builder" "$LOG_DIR/buildx.log"
	command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (it is needed as the client of docker buildx)"
	mkdir -p "$DOCKER_PLUGIN_DIR"
	if ! cmp -s "$BUILDX" "$DOCKER_PLUGIN_DIR/docker-buildx"; then
		install -m 0755 "$BUILDX" "$DOCKER_PLUGIN_DIR/.docker-buildx.tmp"
		mv -f "$DOCKER_PLUGIN_DIR/.docker-buildx.tmp" "$DOCKER_PLUGIN_DIR/docker-buildx"
	fi
	: >"$LOG_DIR/buildx.log"
	local how="exists"
	if docker buildx inspect "$BUILDER" >>"$LOG_DIR/buildx.log" 2>&1; then
		if ! docker buildx inspect "$BUILDER" 2>/dev/null | grep -q "Endpoint: *$BUILDKIT_ADDR\$"; then
			docker buildx rm "$BUILDER" >>"$LOG_DIR/buildx.log" 2>&1 || true
			how=""
		fi
	else
		how=""
	fi
	if [ -z "$how" ]; then
		docker buildx create --name "$BUILDER" --driver remote "$BUILDKIT_ADDR" >>"$LOG_DIR/buildx.log" 2>&1 ||
			die "docker buildx create failed"
		mkdir -p "$RUN_DIR"
		touch "$RUN_DIR/builder.created"
		record_started builder
		how="created"
	fi
	docker buildx inspect --bootstrap --builder "$BUILDER" >>"$LOG_DIR/buildx.log" 2>&1 ||
		die "docker buildx inspect --bootstrap --builder $BUILDER failed"
	done_step "$BUILDER $how (remote driver, $BUILDKIT_ADDR), buildx $BUILDX_VERSION in $DOCKER_PLUGIN_DIR"
}

write_env() {
	step "env file"
	local tmp=$ENV_FILE.tmp
	{
		echo "# written by hack/stack.sh up; source it to use the local BuildKit stack"
		printf 'export BUILDKIT_HOST=%q\n' "$BUILDKIT_ADDR"
		printf 'export GOAPP_FRONTEND_IMAGE=%q\n' "$FRONTEND_IMAGE"
		printf 'export GOAPP_BUILDX_BUILDER=%q\n' "$BUILDER"
		printf 'export GOAPP_REGISTRY=%q\n' "$REGISTRY"
		printf 'export GOAPP_SYFT=%q\n' "$SYFT"
		printf 'export GOAPP_COSIGN=%q\n' "$COSIGN"
		# shellcheck disable=SC2016 # $PATH is expanded when the file is sourced
		printf 'export PATH=%q:"$PATH"\n' "$BUILDKIT_DIR"
	} >"$tmp"
	mv -f "$tmp" "$ENV_FILE"
	done_step "$ENV_FILE"
}

# ---- commands ---------------------------------------------------------------
cmd_up() {
	need_root
	take_lock
	local t0
	t0=$(now_us)
	mkdir -p "$LOG_DIR" "$RUN_DIR" "$WORK_DIR"
	go_versions
	log "up: state in $STACK_DIR, tools in $TOOLS_CACHE, logs in $LOG_DIR"
	# The tool builds run in the background while the rest is prepared.
	start_tool_builds
	ensure_packages
	ensure_binfmt
	ensure_busybox
	wait_tool registry "$REGISTRY_VERSION"
	start_registry
	wait_tool buildkit "$BUILDKIT_VERSION"
	start_buildkitd
	toolchain_image
	debian_toolchain_image
	busybox_image
	frontend_image
	wait_tool buildx "$BUILDX_VERSION"
	ensure_builder
	wait_tool cosign "$COSIGN_VERSION"
	wait_tool syft "$SYFT_VERSION"
	write_env
	log "up: done in $(fmt_secs $(($(now_us) - t0))); use it with: . $ENV_FILE"
}

stack_ready() {
	registry_answers || die "the registry does not answer on $REGISTRY_URL; run hack/stack.sh up"
	buildkitd_answers || die "buildkitd does not answer on $BUILDKIT_ADDR; run hack/stack.sh up"
}

cmd_frontend() {
	need_root
	take_lock
	go_versions
	stack_ready
	frontend_image
}

# cmd_golang_bookworm_arm64: the golang bookworm image with a Debian
# linux/arm64 variant (see debian_toolchain_image), for Dockerfiles that build
# with cgo under QEMU; the benchmark runs it when it needs one.
cmd_golang_bookworm_arm64() {
	need_root
	take_lock
	mkdir -p "$LOG_DIR" "$WORK_DIR"
	go_versions
	stack_ready
	ensure_packages
	ensure_binfmt
	debian_toolchain_image debian
}

cmd_down() {
	need_root
	take_lock
	local what=("$@") c pid
	[ "${#what[@]}" -gt 0 ] || what=(builder buildkitd registry)
	for c in "${what[@]}"; do
		case "$c" in
		builder)
			if [ -f "$RUN_DIR/builder.created" ]; then
				if command -v docker >/dev/null 2>&1 && docker buildx inspect "$BUILDER" >/dev/null 2>&1; then
					docker buildx rm "$BUILDER" >/dev/null 2>&1 || log "warning: docker buildx rm $BUILDER failed"
					log "builder:   removed $BUILDER"
				fi
				rm -f "$RUN_DIR/builder.created"
			else
				log "builder:   not created by this script"
			fi
			;;
		buildkitd)
			if pid=$(stop_proc buildkitd "$BUILDKITD"); then
				log "buildkitd: stopped (pid $pid)"
			elif buildkitd_answers; then
				log "buildkitd: left running (not started by this script)"
			else
				log "buildkitd: not running"
			fi
			;;
		registry)
			if pid=$(stop_proc registry "$REGISTRY_BIN"); then
				log "registry:  stopped (pid $pid)"
			elif registry_answers; then
				log "registry:  left running (not started by this script)"
			else
				log "registry:  not running"
			fi
			;;
		*) die "unknown component '$c' (want builder, buildkitd or registry)" ;;
		esac
	done
}

cmd_purge() {
	cmd_down
	if [ -z "$STACK_DIR" ] || [ "$STACK_DIR" = / ]; then
		die "refusing to purge STACK_DIR='$STACK_DIR'"
	fi
	rm -rf "${STACK_DIR:?}/registry" "${STACK_DIR:?}/buildkit" "${STACK_DIR:?}/work" \
		"$STACK_DIR/golang-image.stamp" "$STACK_DIR/golang-debian-image.stamp" "$STACK_DIR/frontend.digest" "$ENV_FILE"
	log "purge: removed the registry data and the BuildKit cache under $STACK_DIR"
}

cmd_status() {
	local ok=0 pid d
	if pid=$(pid_of registry "$REGISTRY_BIN"); then
		if registry_answers; then
			echo "registry:  running (pid $pid), $REGISTRY_URL"
		else
			echo "registry:  pid $pid NOT answering"
			ok=1
		fi
	elif registry_answers; then
		echo "registry:  answering on $REGISTRY_URL (not started by this script)"
	else
		echo "registry:  down"
		ok=1
	fi
	if pid=$(pid_of buildkitd "$BUILDKITD"); then
		if buildkitd_answers; then
			echo "buildkitd: running (pid $pid), $BUILDKIT_ADDR, platforms: $(worker_platforms)"
		else
			echo "buildkitd: pid $pid NOT answering"
			ok=1
		fi
	elif buildkitd_answers; then
		echo "buildkitd: answering on $BUILDKIT_ADDR (not started by this script), platforms: $(worker_platforms)"
	else
		echo "buildkitd: down"
		ok=1
	fi
	if registry_answers; then
		local ref repo
		d=$(curl -fsS --max-time 5 "$REGISTRY_URL/v2/library/golang/tags/list" 2>/dev/null || true)
		echo "image:     $REGISTRY/library/golang tags: ${d:-none}"
		for ref in "${FRONTEND_TAGS[@]}"; do
			repo=${ref#"$REGISTRY"/}
			d=$(registry_digest "${repo%:*}" "${repo##*:}")
			echo "image:     $ref ${d:-missing}"
		done
	fi
	if command -v docker >/dev/null 2>&1 && docker buildx inspect "$BUILDER" >/dev/null 2>&1; then
		echo "builder:   $BUILDER exists"
	else
		echo "builder:   $BUILDER missing"
	fi
	[ -f "$ENV_FILE" ] && echo "env:       $ENV_FILE" || echo "env:       (none)"
	echo "logs:      $LOG_DIR"
	return "$ok"
}

cmd_env() {
	[ -f "$ENV_FILE" ] || die "no $ENV_FILE yet; run hack/stack.sh up"
	cat "$ENV_FILE"
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	status) cmd_status "$@" ;;
	frontend) cmd_frontend "$@" ;;
	golang-bookworm-arm64) cmd_golang_bookworm_arm64 ;;
	env) cmd_env "$@" ;;
	purge) cmd_purge "$@" ;;
	buildkitd-config)
		[ $# -eq 2 ] || die "usage: hack/stack.sh buildkitd-config ROOT ADDR"
		buildkitd_config "$@"
		;;
	-h | --help | help)
		usage
		;;
	*)
		usage
		exit 2
		;;
	esac
}

main "$@"
