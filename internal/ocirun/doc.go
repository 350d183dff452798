// Package ocirun reads the OCI image layouts that `docker buildx build
// --output type=oci` writes, checks what is inside them and runs the images
// the way `docker run` would, with runc instead of a Docker engine.
//
// The pieces:
//
//   - [OpenLayout] and [Layout.Images] walk index.json (nested indexes
//     included, attestation manifests skipped) to one [Image] per platform,
//     with its manifest and config as image-spec types.
//   - [Image.Entries] lists the files of each layer; [Image.Unpack] applies
//     the layers to a root filesystem directory with containerd's layer
//     applier (whiteouts included).
//   - [CheckStaticELF] checks that a binary is a static ELF executable for a
//     GOARCH.
//   - [RuntimeSpec] turns an image config into an OCI runtime spec
//     (runtime-spec's specs.Spec, what runc reads), and
//     [Start] / [Run] run it with runc: host network (no network namespace),
//     the image's user, environment and working directory.
//
// Nothing here needs a BuildKit daemon; the e2e tests and hack/demo build
// the images and use this package to look inside and run them.
package ocirun
