#!/usr/bin/env bash
# hack/stack.sh: a local BuildKit stack for developing and testing go-app.
#
# It needs no Docker engine and no public container registry: the tools are
# built from the Go module proxy, runc and QEMU come from Debian packages, and
# the Go toolchain image is assembled from this machine's own Go.
#
#   hack/stack.sh up        bring the stack up (idempotent), rebuild the frontend image
#   hack/stack.sh down [registry|buildkitd|builder]...
#                           stop what `up` started (default: all of it)
#   hack/stack.sh status    show what is running; exit 0 when the daemons answer
#   hack/stack.sh frontend  (re)build and push only the frontend image
#   hack/stack.sh env       print the export lines for using the stack
#   hack/stack.sh purge     `down`, then delete the stack's data (registry, BuildKit cache)
#   hack/stack.sh buildkitd-config ROOT ADDR
#                           print the buildkitd.toml for a daemon with state in ROOT on ADDR
#
# Environment:
#   GOAPP_STACK_DIR           state: pids, logs, configs, data (default /var/lib/go-app-stack)
#   GOAPP_TOOLS_CACHE         built tools, one directory per tool version (default /var/cache/go-app/tools)
#   GOAPP_FRONTEND_PLATFORMS  platforms of the frontend image (default: the worker's, linux/<host arch>)
#   GOAPP_STACK_STARTED_FILE  if set, `up` appends the name of each daemon or builder it starts
#                             to this file (hack/test.sh uses it to stop only those)
set -euo pipefail

# ---- pinned versions --------------------------------------------------------
BUILDKIT_VERSION=v0.34.2
BUILDX_VERSION=v0.38.2
REGISTRY_VERSION=v3.1.2
# Bump a recipe number when the way a tool or the toolchain image is made changes.
TOOLS_RECIPE=1
TOOLCHAIN_RECIPE=1

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
APT_PACKAGES=(runc qemu-user-static binfmt-support ca-certificates)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDKIT_DIR=$TOOLS_CACHE/buildkit-$BUILDKIT_VERSION
BUILDX_DIR=$TOOLS_CACHE/buildx-$BUILDX_VERSION
REGISTRY_DIR=$TOOLS_CACHE/registry-$REGISTRY_VERSION
BUSYBOX_DIR=$TOOLS_CACHE/busybox-static
# The tag of llb.DebugImageRef.
BUSYBOX_TAG=1.37.0-musl
BUILDKITD=$BUILDKIT_DIR/buildkitd
BUILDCTL=$BUILDKIT_DIR/buildctl
BUILDX=$BUILDX_DIR/buildx
REGISTRY_BIN=$REGISTRY_DIR/registry
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
STEP=""
STEP_LOG=""
STEP_T0=0
BG_PIDS=()

log() { printf '[stack] %s\n' "$*" >&2; }

# elapsed MICROS: prints seconds with one decimal.
fmt_secs() { printf '%d.%ds' $(($1 / 1000000)) $((($1 / 100000) % 10)); }
now_us() { echo "${EPOCHREALTIME/./}"; }

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

die() {
	log "ERROR: $*"
	exit 1
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

# ---- processes started by this script ---------------------------------------
# pid_of NAME BINARY: prints the recorded pid if that process is alive and runs BINARY.
pid_of() {
	local f=$RUN_DIR/$1.pid pid argv0
	[ -f "$f" ] || return 1
	pid=$(cat "$f")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/$pid/cmdline" ] || return 1
	argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)
	[ "$argv0" = "$2" ] || return 1
	echo "$pid"
}

# spawn NAME LOGFILE BINARY ARGS...: start a daemon in its own session; the
# process writes its own pid, so the pid is right whether or not setsid forks.
spawn() {
	local name=$1 logf=$2
	shift 2
	mkdir -p "$RUN_DIR" "$LOG_DIR"
	rm -f "$RUN_DIR/$name.pid"
	{
		echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting: $*"
	} >>"$logf"
	# shellcheck disable=SC2016 # expanded by the inner bash
	setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' spawn "$RUN_DIR/$name.pid" "$@" \
		</dev/null >>"$logf" 2>&1 9>&- &
	# wait until the process runs the binary (after the exec)
	for _ in $(seq 1 100); do
		pid_of "$name" "$1" >/dev/null && return 0
		sleep 0.05
	done
	die "$name did not start"
}

# stop_proc NAME BINARY: stop a daemon this script started.
stop_proc() {
	local name=$1 bin=$2 pid
	if ! pid=$(pid_of "$name" "$bin"); then
		rm -f "$RUN_DIR/$name.pid"
		return 1
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 150); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ]; then
		log "$name (pid $pid) did not stop within 15s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$RUN_DIR/$name.pid"
	echo "$pid"
}

registry_answers() { curl -fsS -o /dev/null --max-time 2 "$REGISTRY_URL/v2/" 2>/dev/null; }
buildkitd_answers() { [ -S "$BUILDKIT_SOCK" ] && [ -x "$BUILDCTL" ] && "$BUILDCTL" --addr "$BUILDKIT_ADDR" --timeout 3 debug workers >/dev/null 2>&1; }

# registry_digest REPO TAG: the digest the local registry serves for REPO:TAG.
registry_digest() {
	curl -fsS -I --max-time 5 \
		-H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
		"$REGISTRY_URL/v2/$1/manifests/$2" 2>/dev/null |
		tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p'
}

# metadata_digest FILE: containerimage.digest from a buildctl --metadata-file.
metadata_digest() {
	tr -d '\n' <"$1" | grep -o '"containerimage.digest": *"sha256:[0-9a-f]*"' | grep -o 'sha256:[0-9a-f]*' | head -n 1
}

# check_pushed DIGEST REF...: every REF (localhost:5000/repo:tag) must serve DIGEST.
check_pushed() {
	local want=$1 ref repo tag got
	shift
	for ref in "$@"; do
		repo=${ref#"$REGISTRY"/}
		tag=${repo##*:}
		repo=${repo%:*}
		got=$(registry_digest "$repo" "$tag")
		[ "$got" = "$want" ] || die "registry serves '${got:-nothing}' for $ref, expected $want"
	done
}

# ---- go version -------------------------------------------------------------
go_versions() {
	command -v go >/dev/null 2>&1 || die "go is not installed (expected /usr/local/go)"
	GO_VERSION_FULL=$(go env GOVERSION)
	[[ $GO_VERSION_FULL =~ ^go([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] ||
		die "go env GOVERSION is '$GO_VERSION_FULL'; need a release version goX.Y.Z"
	GO_XYZ=${GO_VERSION_FULL#go}
	GO_XY=${GO_XYZ%.*}
	GO_HOSTARCH=$(go env GOHOSTARCH)
	GO_ROOT=$(go env GOROOT)
	TOOLCHAIN_TAGS=("$REGISTRY/library/golang:$GO_XY" "$REGISTRY/library/golang:$GO_XYZ")
}

# ---- tools ------------------------------------------------------------------
tool_built() { # tool_built DIR VERSION
	[ -f "$1/.built" ] && [ "$(cat "$1/.built")" = "$2 recipe=$TOOLS_RECIPE" ]
}

# build_tool NAME VERSION MODULE LDFLAGS PKG... : build the main packages PKG of
# MODULE@VERSION in a throwaway module, install to $TOOLS_CACHE/NAME-VERSION.
# (`go install MOD@VER` is refused for modules whose go.mod has exclude directives.)
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

declare -A TOOL_PID TOOL_T0
start_tool_builds() {
	local bk_ld="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION -X github.com/moby/buildkit/version.Package=github.com/moby/buildkit"
	local bx_ld="-X github.com/docker/buildx/version.Version=$BUILDX_VERSION -X github.com/docker/buildx/version.Package=github.com/docker/buildx"
	local rg_ld="-X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION"
	mkdir -p "$LOG_DIR" "$TOOLS_CACHE"
	if ! tool_built "$REGISTRY_DIR" "$REGISTRY_VERSION"; then
		start_bg registry "$REGISTRY_VERSION" github.com/distribution/distribution/v3 "$rg_ld" \
			github.com/distribution/distribution/v3/cmd/registry
	fi
	if ! tool_built "$BUILDKIT_DIR" "$BUILDKIT_VERSION"; then
		start_bg buildkit "$BUILDKIT_VERSION" github.com/moby/buildkit "$bk_ld" \
			github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
	fi
	if ! tool_built "$BUILDX_DIR" "$BUILDX_VERSION"; then
		start_bg buildx "$BUILDX_VERSION" github.com/docker/buildx "$bx_ld" \
			github.com/docker/buildx/cmd/buildx
	fi
}
start_bg() {
	local name=$1
	(build_tool "$@") >"$LOG_DIR/build-$name.log" 2>&1 &
	TOOL_PID[$name]=$!
	TOOL_T0[$name]=$(now_us)
	BG_PIDS+=("$!")
}
# wait_tool NAME VERSION: wait for a background build (if one was started).
wait_tool() {
	local name=$1 version=$2 pid
	step "tool $name" "$LOG_DIR/build-$name.log"
	pid=${TOOL_PID[$name]:-}
	if [ -z "$pid" ]; then
		done_step "$version cached"
		return
	fi
	STEP_T0=${TOOL_T0[$name]}
	wait "$pid" || die "building $name $version failed"
	unset "TOOL_PID[$name]"
	local keep=() p
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
	done_step "$version built into $TOOLS_CACHE/$name-$version"
}

# ---- apt packages, binfmt/QEMU ----------------------------------------------
ensure_packages() {
	step "apt packages" "$LOG_DIR/apt.log"
	local missing=() p
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		done_step "present"
		return
	fi
	{
		apt-get -q -o DPkg::Lock::Timeout=300 update
		apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}"
	} >"$LOG_DIR/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed"
	done_step "installed ${missing[*]}"
}

binfmt_ok() { # binfmt_ok FORMAT: enabled, with the F (fix-binary) flag
	local f=/proc/sys/fs/binfmt_misc/$1
	[ -r "$f" ] && [ "$(head -n 1 "$f")" = enabled ] && grep -q '^flags:.*F' "$f"
}

ensure_binfmt() {
	step "binfmt/qemu"
	local fmt
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
			die "cannot mount binfmt_misc on /proc/sys/fs/binfmt_misc"
	fi
	for fmt in "${QEMU_FORMATS[@]}"; do
		binfmt_ok "$fmt" && continue
		if [ -e "/proc/sys/fs/binfmt_misc/$fmt" ]; then
			# registered, but disabled or without the F flag: register it again
			update-binfmts --disable "$fmt" >/dev/null 2>&1 || true
			if [ -e "/proc/sys/fs/binfmt_misc/$fmt" ]; then
				echo -1 >"/proc/sys/fs/binfmt_misc/$fmt" || true
			fi
		fi
		update-binfmts --enable "$fmt" >/dev/null 2>&1 || true
	done
	binfmt_ok qemu-aarch64 ||
		die "/proc/sys/fs/binfmt_misc/qemu-aarch64 is not enabled with the F (fix-binary) flag; arm64 build steps would not run"
	binfmt_ok qemu-arm || log "warning: qemu-arm is not enabled with the F flag; linux/arm/v7 steps will not run"
	done_step "qemu-aarch64 enabled (flags $(sed -n 's/^flags: //p' /proc/sys/fs/binfmt_misc/qemu-aarch64))"
}

# busybox-static for amd64 and arm64, from Debian's packages (downloaded, not
# installed: it gives the toolchain image a /bin/sh on both platforms).
ensure_busybox() {
	step "busybox-static" "$LOG_DIR/busybox.log"
	local arch missing=()
	for arch in amd64 arm64; do
		[ -x "$BUSYBOX_DIR/$arch/busybox" ] || missing+=("$arch")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		done_step "cached"
		return
	fi
	local d
	d=$(mktemp -d "$WORK_DIR/apt.XXXXXX")
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/dl"
	local opts=(-q -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root -o Acquire::Languages=none -o APT::Architecture=amd64
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64)
	{
		apt-get "${opts[@]}" update
		(cd "$d/dl" && apt-get "${opts[@]}" download "${missing[@]/#/busybox-static:}")
		for arch in "${missing[@]}"; do
			mkdir -p "$d/x-$arch" "$BUSYBOX_DIR/$arch"
			dpkg-deb -x "$d"/dl/busybox-static_*_"$arch".deb "$d/x-$arch"
			install -m 0755 "$d/x-$arch/bin/busybox" "$BUSYBOX_DIR/$arch/.busybox.tmp"
			mv -f "$BUSYBOX_DIR/$arch/.busybox.tmp" "$BUSYBOX_DIR/$arch/busybox"
		done
	} >"$LOG_DIR/busybox.log" 2>&1 || die "downloading busybox-static failed"
	rm -rf "$d"
	done_step "downloaded for ${missing[*]}"
}

# ---- registry ---------------------------------------------------------------
start_registry() {
	step registry "$LOG_DIR/registry.log"
	local pid
	if pid=$(pid_of registry "$REGISTRY_BIN"); then
		registry_answers || die "registry (pid $pid) runs but $REGISTRY_URL/v2/ does not answer"
		done_step "running (pid $pid)"
		return
	fi
	if registry_answers; then
		done_step "something already answers on $REGISTRY_URL (not started by this script; using it)"
		return
	fi
	mkdir -p "$STACK_DIR/registry"
	cat >"$STACK_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STACK_DIR/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY_LISTEN
EOF
	OTEL_TRACES_EXPORTER=none spawn registry "$LOG_DIR/registry.log" "$REGISTRY_BIN" serve "$STACK_DIR/registry.yml"
	record_started registry
	for _ in $(seq 1 300); do
		registry_answers && break
		pid_of registry "$REGISTRY_BIN" >/dev/null || die "registry exited"
		sleep 0.1
	done
	registry_answers || die "registry did not answer on $REGISTRY_URL/v2/ within 30s"
	done_step "started (pid $(pid_of registry "$REGISTRY_BIN")) on $REGISTRY_LISTEN, data in $STACK_DIR/registry"
}

# ---- buildkitd --------------------------------------------------------------
worker_platforms() {
	"$BUILDCTL" --addr "$BUILDKIT_ADDR" debug workers \
		--format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}} {{end}}{{end}}'
}

# buildkitd_config ROOT ADDR prints the buildkitd.toml of a daemon with its
# state in ROOT listening on ADDR: the OCI worker, a GC policy that keeps the
# Go cache mounts, the local registry over http, and Docker Hub names
# mirrored to it. hack/bench/bench.sh uses it for its own daemon.
buildkitd_config() {
	cat <<EOF
root = "$1"

[grpc]
  address = ["$2"]

[worker.oci]
  enabled = true
  gc = true
  # BuildKit's default first rule keeps at most 512MB of cache mounts and
  # local contexts, and cache mounts have no last-used time for its
  # keepDuration to protect them: the Go build and module caches (a few
  # hundred MB each) would be evicted between builds.
  [[worker.oci.gcpolicy]]
    filters = ["type==source.local", "type==exec.cachemount", "type==source.git.checkout"]
    keepDuration = "168h"
    maxUsedSpace = "10GB"
    minFreeSpace = "5GB"
  [[worker.oci.gcpolicy]]
    all = true
    maxUsedSpace = "30GB"
    minFreeSpace = "5GB"

[worker.containerd]
  enabled = false

[registry."localhost:5000"]
  http = true
  insecure = true

[registry."127.0.0.1:5000"]
  http = true
  insecure = true

[registry."docker.io"]
  mirrors = ["localhost:5000"]
EOF
}

start_buildkitd() {
	step buildkitd "$LOG_DIR/buildkitd.log"
	local pid how
	if pid=$(pid_of buildkitd "$BUILDKITD"); then
		buildkitd_answers || die "buildkitd (pid $pid) runs but does not answer on $BUILDKIT_ADDR"
		how="running (pid $pid)"
	elif buildkitd_answers; then
		how="something already answers on $BUILDKIT_ADDR (not started by this script; using it)"
	else
		mkdir -p "$STACK_DIR/buildkit" "$(dirname "$BUILDKIT_SOCK")"
		buildkitd_config "$STACK_DIR/buildkit" "$BUILDKIT_ADDR" >"$STACK_DIR/buildkitd.toml"
		spawn buildkitd "$LOG_DIR/buildkitd.log" "$BUILDKITD" --config "$STACK_DIR/buildkitd.toml" \
			--root "$STACK_DIR/buildkit" --addr "$BUILDKIT_ADDR"
		record_started buildkitd
		for _ in $(seq 1 600); do
			buildkitd_answers && break
			pid_of buildkitd "$BUILDKITD" >/dev/null || die "buildkitd exited"
			sleep 0.1
		done
		buildkitd_answers || die "buildkitd did not answer on $BUILDKIT_ADDR within 60s"
		how="started (pid $(pid_of buildkitd "$BUILDKITD")) on $BUILDKIT_ADDR"
	fi
	local platforms
	platforms=$(worker_platforms)
	case " $platforms " in
	*" linux/arm64 "*) ;;
	*) die "buildkitd worker platforms are '$platforms': no linux/arm64 (was binfmt enabled before buildkitd started? try: hack/stack.sh down && hack/stack.sh up)" ;;
	esac
	done_step "$how; platforms: ${platforms% }"
}

# ---- Go toolchain image -----------------------------------------------------
# make_rootfs ARCH DIR: a root filesystem with Go for linux/ARCH.
make_rootfs() {
	local arch=$1 r=$2 src f p
	mkdir -p "$r/usr/local/go" "$r/etc/ssl/certs" "$r/tmp" "$r/root" "$r/go/src" "$r/go/bin" "$r/bin"
	chmod 1777 "$r/tmp" "$r/go" "$r/go/src" "$r/go/bin"
	chmod 0700 "$r/root"
	if [ "$arch" = "$GO_HOSTARCH" ]; then
		# This machine's Go, without its own test suite.
		tar -C "$GO_ROOT" --exclude=./test -cf - . | tar -C "$r/usr/local/go" -xf -
	else
		src=$(cd "$WORK_DIR" && GOFLAGS='' go mod download -json "golang.org/toolchain@v0.0.1-$GO_VERSION_FULL.linux-$arch" |
			sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		if [ -z "$src" ] || [ ! -d "$src" ]; then
			die "downloading the Go toolchain for linux/$arch failed"
		fi
		cp -R "$src/." "$r/usr/local/go/"
		chmod -R u+w "$r/usr/local/go"
		# The module zip carries no modes: make executable what is executable here.
		chmod 0755 "$r/usr/local/go/bin/"* "$r/usr/local/go/pkg/tool/"*/*
		while IFS= read -r -d '' f; do
			p=${f#./}
			[ -f "$r/usr/local/go/$p" ] && chmod +x "$r/usr/local/go/$p"
		done < <(cd "$GO_ROOT" && find . -type f -perm -u+x -print0)
	fi
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
	# busybox: /bin/sh and the usual applets, as symlinks to /bin/busybox.
	install -m 0755 "$BUSYBOX_DIR/$arch/busybox" "$r/bin/busybox"
	while IFS= read -r p; do
		case "$p" in
		bin/* | sbin/* | usr/bin/* | usr/sbin/*) ;;
		*) continue ;;
		esac
		if [ -e "$r/$p" ] || [ -L "$r/$p" ]; then
			continue
		fi
		mkdir -p "$r/$(dirname "$p")"
		ln -s /bin/busybox "$r/$p"
	done < <("$BUSYBOX_DIR/$GO_HOSTARCH/busybox" --list-full)
}

toolchain_image() {
	step "golang image" "$LOG_DIR/golang-image.log"
	local stamp=$STACK_DIR/golang-image.stamp want d ref up_to_date=1
	want="recipe=$TOOLCHAIN_RECIPE go=$GO_VERSION_FULL tags=${TOOLCHAIN_TAGS[*]}"
	if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want" ]; then
		d=$(sed -n 2p "$stamp")
		for ref in "${TOOLCHAIN_TAGS[@]}"; do
			(check_pushed "$d" "$ref") 2>/dev/null || up_to_date=0
		done
	else
		up_to_date=0
	fi
	if [ "$up_to_date" = 1 ]; then
		done_step "${TOOLCHAIN_TAGS[*]} up to date ($d)"
		return
	fi
	rm -f "$stamp"
	: >"$LOG_DIR/golang-image.log"
	local ctx=$WORK_DIR/golang-image arch
	rm -rf "$ctx"
	mkdir -p "$ctx"
	for arch in amd64 arm64; do
		make_rootfs "$arch" "$ctx/rootfs-$arch" >>"$LOG_DIR/golang-image.log" 2>&1
	done
	cat >"$ctx/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
COPY rootfs-\${TARGETARCH}/ /
ENV PATH=/usr/local/go/bin:/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    GOPATH=/go \\
    GOTOOLCHAIN=local \\
    GOLANG_VERSION=$GO_XYZ
WORKDIR /go
EOF
	local names
	names=$(
		IFS=,
		echo "${TOOLCHAIN_TAGS[*]}"
	)
	"$BUILDCTL" --addr "$BUILDKIT_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$ctx" --local dockerfile="$ctx" \
		--opt platform=linux/amd64,linux/arm64 \
		--output "type=image,\"name=$names\",push=true,registry.insecure=true" \
		--metadata-file "$ctx/metadata.json" >>"$LOG_DIR/golang-image.log" 2>&1 ||
		die "building the golang image failed"
	d=$(metadata_digest "$ctx/metadata.json")
	[ -n "$d" ] || die "no image digest in $ctx/metadata.json"
	check_pushed "$d" "${TOOLCHAIN_TAGS[@]}"
	printf '%s\n%s\n' "$want" "$d" >"$stamp"
	rm -rf "$ctx"
	done_step "pushed ${TOOLCHAIN_TAGS[*]} (linux/amd64,linux/arm64) $d"
}

# ---- busybox image ----------------------------------------------------------
# The debug target takes busybox from docker.io/library/busybox:*-musl (a
# static busybox). A stand-in under that name, from the busybox-static
# binaries: /bin/busybox and its applets as hard links, like the official image.
busybox_image() {
	step "busybox image" "$LOG_DIR/busybox-image.log"
	local ref=$REGISTRY/library/busybox:$BUSYBOX_TAG arch ctx=$WORK_DIR/busybox-image applet d
	if [ -n "$(registry_digest library/busybox "$BUSYBOX_TAG")" ]; then
		done_step "$ref present"
		return
	fi
	: >"$LOG_DIR/busybox-image.log"
	rm -rf "$ctx"
	for arch in amd64 arm64; do
		mkdir -p "$ctx/rootfs-$arch/bin"
		install -m 0755 "$BUSYBOX_DIR/$arch/busybox" "$ctx/rootfs-$arch/bin/busybox"
		for applet in $("$BUSYBOX_DIR/$GO_HOSTARCH/busybox" --list); do
			[ "$applet" = busybox ] || ln "$ctx/rootfs-$arch/bin/busybox" "$ctx/rootfs-$arch/bin/$applet"
		done
	done
	# shellcheck disable=SC2016 # ${TARGETARCH} is the Dockerfile's
	printf 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nCMD ["sh"]\n' >"$ctx/Dockerfile"
	"$BUILDCTL" --addr "$BUILDKIT_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$ctx" --local dockerfile="$ctx" \
		--opt platform=linux/amd64,linux/arm64 \
		--output "type=image,name=$ref,push=true,registry.insecure=true" \
		--metadata-file "$ctx/metadata.json" >>"$LOG_DIR/busybox-image.log" 2>&1 ||
		die "building the busybox image failed"
	d=$(metadata_digest "$ctx/metadata.json")
	check_pushed "$d" "$ref"
	rm -rf "$ctx"
	done_step "pushed $ref (linux/amd64,linux/arm64) $d"
}

# ---- frontend image ---------------------------------------------------------
frontend_image() {
	step "frontend image" "$LOG_DIR/frontend-image.log"
	mkdir -p "$LOG_DIR"
	: >"$LOG_DIR/frontend-image.log"
	local platforms=${GOAPP_FRONTEND_PLATFORMS:-linux/$GO_HOSTARCH}
	[[ $platforms =~ ^[a-z0-9/,]+$ ]] || die "GOAPP_FRONTEND_PLATFORMS='$platforms' is not a platform list"
	local meta names d
	mkdir -p "$WORK_DIR"
	meta=$WORK_DIR/frontend-metadata.json
	rm -f "$meta"
	names=$(
		IFS=,
		echo "${FRONTEND_TAGS[*]}"
	)
	"$BUILDCTL" --addr "$BUILDKIT_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$REPO_ROOT" --local dockerfile="$REPO_ROOT" \
		--opt platform="$platforms" --opt build-arg:GO_VERSION="$GO_XY" \
		--output "type=image,\"name=$names\",push=true,registry.insecure=true" \
		--metadata-file "$meta" >>"$LOG_DIR/frontend-image.log" 2>&1 ||
		die "building the frontend image from $REPO_ROOT/Dockerfile failed"
	d=$(metadata_digest "$meta")
	[ -n "$d" ] || die "no image digest in $meta"
	# The registry must now serve exactly this digest under both tags: builds
	# that name the tag resolve it again and get this frontend.
	check_pushed "$d" "${FRONTEND_TAGS[@]}"
	echo "$d" >"$STACK_DIR/frontend.digest"
	done_step "pushed ${FRONTEND_TAGS[*]} ($platforms) $d"
}

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
	# The three tool builds run in the background while the rest is prepared.
	start_tool_builds
	ensure_packages
	ensure_binfmt
	ensure_busybox
	wait_tool registry "$REGISTRY_VERSION"
	start_registry
	wait_tool buildkit "$BUILDKIT_VERSION"
	start_buildkitd
	toolchain_image
	busybox_image
	frontend_image
	wait_tool buildx "$BUILDX_VERSION"
	ensure_builder
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
		"$STACK_DIR/golang-image.stamp" "$STACK_DIR/frontend.digest" "$ENV_FILE"
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
