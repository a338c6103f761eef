#!/usr/bin/env bash
# An opsdash for bastions with an older glibc: dynamically linked against glibc 2.17's symbols, so
# it runs on any x86_64 Linux with glibc 2.17 or later (Amazon Linux 2, RHEL/CentOS 7, Ubuntu
# 18.04 and everything newer), whatever glibc the build machine has. A plain `cargo build
# --release` links the build machine's own symbol versions (2.34 from Debian 12).
# The link is zig's (cargo-zigbuild), which carries the stubs of every glibc; both come from PyPI
# into .venv, as moto does for the tests: no root, nothing outside the checkout but zig's cache.
# Then checks the binary: the newest glibc version it requires is 2.17, it does not require the
# loader to know DT_RELR, and it runs (--version, a snapshot of the demo).
# usage: scripts/build-portable.sh [PROFILE]     (release by default; CI checks it with ci)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
floor=2.17
if ! .venv/bin/python -c 'import ziglang' 2>/dev/null || [ ! -x .venv/bin/cargo-zigbuild ]; then
  echo "==> installing zig and cargo-zigbuild (PyPI) into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'ziglang==0.17.1' 'cargo-zigbuild==0.24.1'
fi
# cargo-zigbuild finds zig as `python3 -m ziglang`: the venv's python first on PATH.
PATH="$PWD/.venv/bin:$PATH" cargo-zigbuild build --locked --profile "$profile" \
  --target "x86_64-unknown-linux-gnu.$floor" --bin opsdash
# cargo puts the dev profile in debug/.
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="target/x86_64-unknown-linux-gnu/$dir/opsdash"
# The versions the binary requires of the C library (objdump -p: "Version References").
required=$(objdump -p "$bin" | sed -n '/Version References/,$p' | grep -o 'GLIBC[_A-Z]*_[0-9.A-Z_]*' | sort -uV)
newest=$(echo "$required" | grep -E '^GLIBC_[0-9.]+$' | sed 's/GLIBC_//' | sort -V | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -1)" != "$floor" ]; then
  echo "$bin requires glibc $newest, newer than $floor:" >&2
  objdump -T "$bin" | grep "GLIBC_$newest" >&2
  exit 1
fi
if echo "$required" | grep -q GLIBC_ABI_DT_RELR; then
  echo "$bin requires GLIBC_ABI_DT_RELR (a loader from glibc 2.36 or later)" >&2
  exit 1
fi
"$bin" --version
"$bin" --demo snapshot --json >/dev/null
echo "==> $bin: requires glibc $newest at most, $(du -h "$bin" | cut -f1), runs"
