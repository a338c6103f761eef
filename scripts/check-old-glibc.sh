#!/usr/bin/env bash
# Runs a built opsdash on an older glibc than the build machine's: Debian 11's glibc 2.31, from
# Debian's package archive, the last before glibc moved the pthread and dl functions into libc
# (2.34) and gave stat its own symbol (2.33). The packages are unpacked under target/, nothing is
# installed; the binary is started by that glibc's loader with its libraries. A default build
# needs glibc 2.17 at most (link/glibc-2.17.c, tests/build_inputs.rs); this checks it also starts
# and works there: --version, and a snapshot of the demo (threads, files, the whole console).
# usage: scripts/check-old-glibc.sh BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?usage: scripts/check-old-glibc.sh BINARY}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=target/old-glibc
lib=$root/lib/x86_64-linux-gnu
if [ ! -x "$lib/ld-linux-x86-64.so.2" ] || [ ! -e "$lib/libgcc_s.so.1" ]; then
  echo "==> fetching Debian 11's libc6 and libgcc-s1 from $mirror"
  rm -rf "$root" && mkdir -p "$root"
  curl -fsS --retry 3 "$mirror/dists/bullseye/main/binary-amd64/Packages.xz" | xz -dc >"$root/Packages"
  for package in libc6 libgcc-s1; do
    file=$(awk -v p="$package" '$0 == "Package: " p {f=1} f && /^Filename:/ {print $2; exit}' "$root/Packages")
    [ -n "$file" ] || { echo "no $package in Debian 11's package list" >&2; exit 1; }
    curl -fsS --retry 3 -o "$root/$package.deb" "$mirror/$file"
    (cd "$root" && ar x "$package.deb" data.tar.xz && tar xf data.tar.xz && rm data.tar.xz)
  done
fi
run() { "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$bin" "$@"; }
version=$("$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$lib/libc.so.6" | head -n1)
echo "==> $bin on: $version"
run --version
out=$(run --demo snapshot)
echo "$out" | grep -q '^== us-east-1' || { echo "the demo snapshot did not come out whole:" >&2; echo "$out" >&2; exit 1; }
echo "==> $bin starts and works on glibc 2.31"
