#!/usr/bin/env bash
# kensa's whole test suite: formatting, lints, unit, integration and conformance tests.
# Works on a fresh Debian machine with the Rust toolchain: it installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Conformance tests read upstream reference data from ../shared/reference
# (or $KENSA_REFERENCE). Without it they skip, except under CI=true where they fail.
if [[ -z "${KENSA_REFERENCE:-}" && -d ../shared/reference ]]; then
  KENSA_REFERENCE="$(cd ../shared/reference && pwd)"
  export KENSA_REFERENCE
fi

# Debian packages the tests need: gzip (audit tests read .gz logs), libseccomp-dev
# (kensa-seccomp), clang, libelf-dev, zlib1g-dev and pkg-config (the BPF recorder); umoci, skopeo,
# debootstrap and busybox-static build the test images, docker-registry serves them and
# apache2-utils (htpasswd) sets up its basic auth; golang-go and rpm build the Go binary and the
# rpm database the catalogers read; chromium and chromium-driver run the web UI's browser tests,
# curl posts uploads in the server's process tests (and is the runtime tests' TCP client);
# bpftool lists loaded BPF programs for the runtime's detach tests. PostgreSQL (initdb, pg_ctl) is on the machine
# (/usr/local/bin); the server's tests start their own on a loopback port.
# Kept as a list so later features add theirs here.
packages=(gzip libseccomp-dev clang libelf-dev zlib1g-dev pkg-config
  umoci skopeo debootstrap busybox-static docker-registry apache2-utils golang-go rpm
  chromium chromium-driver curl bpftool)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# cargo-auditable builds the Rust binary the cargo-auditable cataloger test reads.
command -v cargo-auditable >/dev/null || cargo install --locked --quiet cargo-auditable

# Real images for the image tests: built once, then reused from the cache
# (~35 s the first time: debootstrap downloads Debian's minbase packages).
echo "== image fixtures"
KENSA_IMAGE_FIXTURES="$(./scripts/images/build-fixtures.sh | tail -1)"
export KENSA_IMAGE_FIXTURES

# A clean CI build needs no incremental state, and it is the largest thing in target/.
if [[ "${CI:-}" == true ]]; then export CARGO_INCREMENTAL=0; fi
echo "== disk before the build: $(df -h --output=avail . | tail -1 | tr -d ' ') free"

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== disk after the tests: $(df -h --output=avail . | tail -1 | tr -d ' ') free, target/ $(du -sh target 2>/dev/null | cut -f1)"
