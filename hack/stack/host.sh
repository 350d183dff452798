# hack/stack/host.sh: the machine: the host Go, the BuildKit tools built from the Go
# module proxy, Debian packages, binfmt_misc and QEMU, static busybox.
# Sourced by hack/stack.sh, which sets the names and settings it uses.
# shellcheck shell=bash

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
	DEBIAN_TOOLCHAIN_TAGS=("$REGISTRY/library/golang:$GO_XY-$DEBIAN_SUITE" "$REGISTRY/library/golang:$GO_XYZ-$DEBIAN_SUITE")
}

# ---- tools ------------------------------------------------------------------
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
	if ! tool_built "$COSIGN_DIR" "$COSIGN_VERSION"; then
		CGO_ENABLED=0 start_bg cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v3 \
			"-X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION" github.com/sigstore/cosign/v3/cmd/cosign
	fi
	# syft is the e2e tests' independent SBOM scanner; static, as its releases are.
	if ! tool_built "$SYFT_DIR" "$SYFT_VERSION"; then
		CGO_ENABLED=0 start_bg syft "$SYFT_VERSION" github.com/anchore/syft "-X main.version=$SYFT_VERSION" \
			github.com/anchore/syft/cmd/syft
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
