#!/usr/bin/env bash
# A fully static opsdash (musl libc) for copying onto a bastion: it runs on any x86_64 Linux,
# whatever its C library, glibc or none (the default build needs glibc 2.17 or later).
# Installs the musl target and Debian's musl-tools (the C compiler the TLS crate needs) when they
# are missing, builds, and checks the binary runs: --version and a snapshot of the demo.
# usage: scripts/build-static.sh [PROFILE]     (release by default; CI checks it with dev)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
target=x86_64-unknown-linux-musl
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target"
fi
if ! command -v musl-gcc >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq musl-tools >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null && apt-get install -y -qq musl-tools >/dev/null
    }
  else
    echo "needs musl-gcc: sudo apt-get install musl-tools (Debian, Ubuntu)" >&2
    exit 1
  fi
fi
cargo build --locked --profile "$profile" --target "$target" --bin opsdash
# cargo puts the dev profile in debug/.
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="target/$target/$dir/opsdash"
"$bin" --version
"$bin" --demo snapshot --json >/dev/null
if command -v ldd >/dev/null && ldd "$bin" 2>&1 | grep -q '=>'; then
  echo "$bin is not static:" >&2
  ldd "$bin" >&2
  exit 1
fi
echo "==> $bin: static, $(du -h "$bin" | cut -f1), runs"
