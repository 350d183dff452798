# hack/stack/images.sh: the images the stack publishes to its registry (the Go
# toolchain image, busybox for the debug target, the frontend image) and the
# checks that it serves them.
# Sourced by hack/stack.sh, which sets the names and settings it uses.
# shellcheck shell=bash

# ---- registry checks --------------------------------------------------------
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

# image_up_to_date STAMP WANT TAG...: STAMP records WANT and a digest that the
# registry serves under every TAG; sets STAMP_DIGEST to that digest.
image_up_to_date() {
	local stamp=$1 want=$2 ref
	shift 2
	STAMP_DIGEST=
	[ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want" ] || return 1
	STAMP_DIGEST=$(sed -n 2p "$stamp")
	for ref in "$@"; do
		(check_pushed "$STAMP_DIGEST" "$ref") 2>/dev/null || return 1
	done
}

# publish_image CTX LOG TAG...: builds CTX/Dockerfile for linux/amd64 and
# linux/arm64 with the Dockerfile frontend, pushes it under every TAG, checks
# that the registry serves it there and sets PUBLISHED_DIGEST.
publish_image() {
	local ctx=$1 log=$2 names
	shift 2
	names=$(
		IFS=,
		echo "$*"
	)
	"$BUILDCTL" --addr "$BUILDKIT_ADDR" build --progress plain \
		--frontend dockerfile.v0 --local context="$ctx" --local dockerfile="$ctx" \
		--opt platform=linux/amd64,linux/arm64 \
		--output "type=image,\"name=$names\",push=true,registry.insecure=true" \
		--metadata-file "$ctx/metadata.json" >>"$log" 2>&1 ||
		die "building $* from $ctx/Dockerfile failed (log: $log)"
	PUBLISHED_DIGEST=$(metadata_digest "$ctx/metadata.json")
	[ -n "$PUBLISHED_DIGEST" ] || die "no image digest in $ctx/metadata.json"
	check_pushed "$PUBLISHED_DIGEST" "$@"
}

# ---- Go toolchain image -----------------------------------------------------
# install_go ARCH DIR: Go for linux/ARCH in DIR/usr/local/go: this machine's
# Go without its own test suite, or for another architecture the Go module
# proxy's toolchain of the same version.
install_go() {
	local arch=$1 r=$2 src f p
	mkdir -p "$r/usr/local/go"
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
}

# make_rootfs ARCH DIR: a root filesystem with Go for linux/ARCH.
make_rootfs() {
	local arch=$1 r=$2 p
	mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/root" "$r/go/src" "$r/go/bin" "$r/bin"
	chmod 1777 "$r/tmp" "$r/go" "$r/go/src" "$r/go/bin"
	chmod 0700 "$r/root"
	install_go "$arch" "$r"
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

# golang_dockerfile DIR: the Dockerfile of a golang stand-in made of
# DIR/rootfs-<arch>, with the official image's environment.
golang_dockerfile() {
	cat >"$1/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
COPY rootfs-\${TARGETARCH}/ /
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    GOPATH=/go \\
    GOTOOLCHAIN=local \\
    GOLANG_VERSION=$GO_XYZ
WORKDIR /go
EOF
}

toolchain_image() {
	step "golang image" "$LOG_DIR/golang-image.log"
	local stamp=$STACK_DIR/golang-image.stamp want arch ctx=$WORK_DIR/golang-image
	want="recipe=$TOOLCHAIN_RECIPE go=$GO_VERSION_FULL tags=${TOOLCHAIN_TAGS[*]}"
	if image_up_to_date "$stamp" "$want" "${TOOLCHAIN_TAGS[@]}"; then
		done_step "${TOOLCHAIN_TAGS[*]} up to date ($STAMP_DIGEST)"
		return
	fi
	rm -f "$stamp"
	: >"$LOG_DIR/golang-image.log"
	rm -rf "$ctx"
	mkdir -p "$ctx"
	for arch in amd64 arm64; do
		make_rootfs "$arch" "$ctx/rootfs-$arch" >>"$LOG_DIR/golang-image.log" 2>&1
	done
	golang_dockerfile "$ctx"
	publish_image "$ctx" "$LOG_DIR/golang-image.log" "${TOOLCHAIN_TAGS[@]}"
	printf '%s\n%s\n' "$want" "$PUBLISHED_DIGEST" >"$stamp"
	rm -rf "$ctx"
	done_step "pushed ${TOOLCHAIN_TAGS[*]} (linux/amd64,linux/arm64) $PUBLISHED_DIGEST"
}

# ---- Debian Go toolchain image (cgo) ----------------------------------------
# The stand-in of the official golang:<version>-bookworm: Debian with gcc,
# g++, libc6-dev, make, pkg-config, git and apt, plus Go at /usr/local/go and
# the official image's environment. cgo builds use it by default: they install
# the C libraries and a cross gcc with apt. Its root file system comes from
# Debian's packages (mmdebstrap), from the archive this machine's apt sources
# name. `hack/stack.sh up` makes only the linux/amd64 variant, the build
# platform's, Debian: go-app runs the toolchain image on the build platform
# only. Its linux/arm64 variant is then the busybox stand-in of make_rootfs,
# which is enough for builds without cgo (a cgo build on an arm64 builder
# fails with go-app's "no apt-get" error). A Dockerfile that builds with cgo
# under QEMU (the benchmark's) needs a Debian linux/arm64 variant too:
# `hack/stack.sh golang-bookworm-arm64` makes it (debian_toolchain_image
# debian), which runs Debian's maintainer scripts under QEMU and takes
# several minutes, so `up` does not; `up` keeps it once made.
DEBIAN_SUITE=bookworm
DEBIAN_TOOLCHAIN_PACKAGES=(ca-certificates git openssh-client gcc g++ libc6-dev make pkg-config)

# debian_sources: the deb822 stanzas of this machine's apt sources that are
# Debian's own archive (signed by the Debian archive keyring).
debian_sources() {
	local f found=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		grep -q debian-archive-keyring "$f" || continue
		awk -v RS= -v ORS='\n\n' '/debian-archive-keyring/' "$f"
		found=1
	done
	[ "$found" = 1 ] || die "no Debian archive in /etc/apt/sources.list.d/*.sources (deb822 stanzas signed by the debian-archive-keyring)"
}

# make_debian_rootfs ARCH DIR: Debian $DEBIAN_SUITE for ARCH with the C
# toolchain, and Go for linux/ARCH (install_go). For an architecture other
# than this machine's, mmdebstrap runs the packages' maintainer scripts
# under QEMU user emulation (binfmt_misc, arch-test).
make_debian_rootfs() {
	local arch=$1 r=$2 includes
	debian_sources >"$WORK_DIR/debian.sources"
	includes=$(
		IFS=,
		echo "${DEBIAN_TOOLCHAIN_PACKAGES[*]}"
	)
	mmdebstrap --mode=root --variant=apt --arch="$arch" --include="$includes" \
		"$DEBIAN_SUITE" "$r" "$WORK_DIR/debian.sources"
	# The container runtime mounts /dev.
	rm -rf "${r:?}/dev" "$WORK_DIR/debian.sources"
	mkdir -p "$r/dev" "$r/go/src" "$r/go/bin"
	chmod 1777 "$r/go" "$r/go/src" "$r/go/bin"
	install_go "$arch" "$r"
	# This machine's CA bundle, as in make_rootfs: the module proxy and the
	# package archive may be reached through a TLS proxy only it trusts.
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
}

# debian_toolchain_want ARM64: what the stamp of the golang bookworm image
# records, for a linux/arm64 variant ARM64 (busybox or debian; busybox adds
# nothing, so that the stamps of images made before there was a choice hold).
debian_toolchain_want() {
	local want="recipe=$TOOLCHAIN_RECIPE go=$GO_VERSION_FULL suite=$DEBIAN_SUITE packages=${DEBIAN_TOOLCHAIN_PACKAGES[*]} tags=${DEBIAN_TOOLCHAIN_TAGS[*]}"
	[ "$1" = busybox ] || want="$want arm64=$1"
	echo "$want"
}

# debian_toolchain_image [ARM64]: the golang bookworm image, with a linux/arm64
# variant ARM64: busybox (the default, what `up` makes) or debian. An image
# with a Debian linux/arm64 variant serves for busybox too: it is kept.
debian_toolchain_image() {
	local arm64=${1:-busybox} stamp=$STACK_DIR/golang-debian-image.stamp ctx=$WORK_DIR/golang-debian-image
	case "$arm64" in
	busybox | debian) ;;
	*) die "debian_toolchain_image: unknown linux/arm64 variant '$arm64' (busybox or debian)" ;;
	esac
	step "golang bookworm" "$LOG_DIR/golang-debian-image.log"
	if image_up_to_date "$stamp" "$(debian_toolchain_want debian)" "${DEBIAN_TOOLCHAIN_TAGS[@]}" ||
		{ [ "$arm64" = busybox ] && image_up_to_date "$stamp" "$(debian_toolchain_want busybox)" "${DEBIAN_TOOLCHAIN_TAGS[@]}"; }; then
		done_step "${DEBIAN_TOOLCHAIN_TAGS[*]} up to date ($STAMP_DIGEST)"
		return
	fi
	rm -f "$stamp"
	: >"$LOG_DIR/golang-debian-image.log"
	rm -rf "$ctx"
	mkdir -p "$ctx"
	{
		make_debian_rootfs amd64 "$ctx/rootfs-amd64"
		if [ "$arm64" = debian ]; then
			make_debian_rootfs arm64 "$ctx/rootfs-arm64"
		else
			make_rootfs arm64 "$ctx/rootfs-arm64"
		fi
	} >>"$LOG_DIR/golang-debian-image.log" 2>&1 || die "making the root file systems of the golang bookworm image failed"
	golang_dockerfile "$ctx"
	publish_image "$ctx" "$LOG_DIR/golang-debian-image.log" "${DEBIAN_TOOLCHAIN_TAGS[@]}"
	printf '%s\n%s\n' "$(debian_toolchain_want "$arm64")" "$PUBLISHED_DIGEST" >"$stamp"
	rm -rf "$ctx"
	done_step "pushed ${DEBIAN_TOOLCHAIN_TAGS[*]} (linux/amd64 Debian, linux/arm64 $arm64) $PUBLISHED_DIGEST"
}

# ---- busybox image ----------------------------------------------------------
# The debug target takes busybox from docker.io/library/busybox:*-musl (a
# static busybox). A stand-in under that name, from the busybox-static
# binaries: /bin/busybox and its applets as hard links, like the official image.
busybox_image() {
	step "busybox image" "$LOG_DIR/busybox-image.log"
	local ref=$REGISTRY/library/busybox:$BUSYBOX_TAG arch ctx=$WORK_DIR/busybox-image applet
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
	publish_image "$ctx" "$LOG_DIR/busybox-image.log" "$ref"
	rm -rf "$ctx"
	done_step "pushed $ref (linux/amd64,linux/arm64) $PUBLISHED_DIGEST"
}

# ---- frontend image ---------------------------------------------------------
# Built the way the release workflow (.github/workflows/release.yml) builds
# the published image: from ./Dockerfile, for every platform a builder may
# run on (the binary runs inside builds on the build platform too), with a
# provenance attestation. The release also attaches an SBOM from BuildKit's
# scanner image, which cannot be pulled here.
frontend_image() {
	step "frontend image" "$LOG_DIR/frontend-image.log"
	mkdir -p "$LOG_DIR"
	: >"$LOG_DIR/frontend-image.log"
	local platforms=${GOAPP_FRONTEND_PLATFORMS:-$FRONTEND_PLATFORMS}
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
		--opt attest:provenance=mode=max \
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
