#!/usr/bin/env bash
# Builds the real images kensa's image tests and benchmarks read, once, and
# caches them (a second run takes a second):
#   $OUT/busybox           OCI layout, tag "latest": busybox-static, built with umoci
#   $OUT/debian            OCI layout, tag "bookworm": debootstrap --variant=minbase bookworm
#   $OUT/debian.tar        the same image as a docker archive (skopeo), tag debian:bookworm
#   $OUT/debian-rootfs/    the debootstrap root filesystem itself
# OUT defaults to $KENSA_IMAGE_FIXTURES, else ~/.cache/kensa-fixtures/images.
# Needs root (debootstrap, umoci unpack) and: umoci skopeo debootstrap busybox-static.
set -euo pipefail

OUT=${1:-${KENSA_IMAGE_FIXTURES:-$HOME/.cache/kensa-fixtures/images}}
MIRROR=${KENSA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() {
    local missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    if ((${#missing[@]})); then
        echo "build-fixtures: missing ${missing[*]}; installing umoci skopeo debootstrap busybox-static" >&2
        apt-get install -y -q umoci skopeo debootstrap busybox-static >/dev/null
    fi
}
need umoci skopeo debootstrap busybox

# An image from a root filesystem directory: one layer, a config with a
# platform, tagged $3 in layout $2.
layout_from_rootfs() {
    local rootfs=$1 layout=$2 tag=$3
    rm -rf "$layout" "$work/bundle"
    umoci init --layout "$layout"
    umoci new --image "$layout:$tag"
    umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
    cp -a "$rootfs/." "$work/bundle/rootfs/"
    umoci repack --image "$layout:$tag" "$work/bundle" >/dev/null
    umoci config --image "$layout:$tag" --os linux --architecture amd64 --config.cmd /bin/sh
    umoci gc --layout "$layout"
    rm -rf "$work/bundle"
}

if [[ ! -f $OUT/busybox/index.json ]]; then
    rootfs=$work/busybox-rootfs
    mkdir -p "$rootfs/bin" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in sh ls cat echo; do ln -s busybox "$rootfs/bin/$applet"; done
    echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
    layout_from_rootfs "$rootfs" "$work/busybox" latest
    rm -rf "$OUT/busybox"
    mv "$work/busybox" "$OUT/busybox"
    echo "build-fixtures: $OUT/busybox"
fi

if [[ ! -f $OUT/debian-rootfs/var/lib/dpkg/status ]]; then
    rm -rf "$work/debian-rootfs"
    debootstrap --variant=minbase bookworm "$work/debian-rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    # The apt caches debootstrap leaves are not part of a real image.
    rm -rf "$work/debian-rootfs/var/cache/apt/archives/"*.deb "$work/debian-rootfs/var/lib/apt/lists/"*
    rm -rf "$OUT/debian-rootfs"
    mv "$work/debian-rootfs" "$OUT/debian-rootfs"
    rm -rf "$OUT/debian" "$OUT/debian.tar"
    echo "build-fixtures: $OUT/debian-rootfs"
fi

if [[ ! -f $OUT/debian/index.json ]]; then
    layout_from_rootfs "$OUT/debian-rootfs" "$work/debian" bookworm
    rm -rf "$OUT/debian"
    mv "$work/debian" "$OUT/debian"
    rm -f "$OUT/debian.tar"
    echo "build-fixtures: $OUT/debian"
fi

if [[ ! -f $OUT/debian.tar ]]; then
    skopeo copy --quiet "oci:$OUT/debian:bookworm" "docker-archive:$work/debian.tar:debian:bookworm"
    mv "$work/debian.tar" "$OUT/debian.tar"
    echo "build-fixtures: $OUT/debian.tar"
fi
echo "$OUT"
