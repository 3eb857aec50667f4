#!/usr/bin/env bash
# Makes the two base images the Dockerfile needs on a machine that reaches no image registry
# (ours: Debian packages and crates.io only), under the names the Dockerfile is given:
#   debian:bookworm-slim   a debootstrap'd Debian 12 (minbase), the runtime stage
#   krispyto-rust:local    that image plus gcc and this machine's Rust toolchain, the builder
# Where a registry is reachable, skip this: the Dockerfile's defaults are the official images.
# Idempotent: an image that exists already is kept. Needs root, debootstrap and a running
# Docker daemon.
set -euo pipefail

DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}
RUST_IMAGE=${RUST_IMAGE:-krispyto-rust:local}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
  echo "==> $DEBIAN_IMAGE: debootstrap bookworm (minbase) from $MIRROR"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! docker image inspect "$RUST_IMAGE" >/dev/null 2>&1; then
  sysroot=$(rustc --print sysroot)
  echo "==> $RUST_IMAGE: $DEBIAN_IMAGE + gcc + the toolchain in $sysroot ($(rustc --version))"
  mkdir -p "$work/ctx"
  # The toolchain without its offline docs and sources: the builder only compiles.
  tar -C "$sysroot" --exclude=./share/doc --exclude=./lib/rustlib/src -c . \
    | (mkdir -p "$work/ctx/toolchain" && tar -C "$work/ctx/toolchain" -x)
  # The host's trust store, so that cargo in the builder trusts what the host trusts (a
  # TLS-intercepting proxy's CA, say). It stays in the builder: the runtime image never has it.
  cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/host-ca-certificates.crt"
  cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update \\
 && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY host-ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY toolchain /usr/local/rust
ENV PATH=/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CARGO_HOME=/usr/local/cargo
DOCKERFILE
  docker build --network host -q -t "$RUST_IMAGE" "$work/ctx" >/dev/null
fi

docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($DEBIAN_IMAGE|$RUST_IMAGE) "
