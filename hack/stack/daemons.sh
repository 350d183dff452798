# hack/stack/daemons.sh: the two daemons of the stack, the registry and buildkitd:
# starting, watching and stopping them.
# Sourced by hack/stack.sh, which sets the names and settings it uses.
# shellcheck shell=bash

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
	terminate "$name" "$pid"
	rm -f "$RUN_DIR/$name.pid"
	echo "$pid"
}

registry_answers() { curl -fsS -o /dev/null --max-time 2 "$REGISTRY_URL/v2/" 2>/dev/null; }
buildkitd_answers() { [ -S "$BUILDKIT_SOCK" ] && [ -x "$BUILDCTL" ] && "$BUILDCTL" --addr "$BUILDKIT_ADDR" --timeout 3 debug workers >/dev/null 2>&1; }

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
