#!/usr/bin/env bash
# Prints what link/hot-functions.txt depends on: the compiler, the dependency set and the release
# profile. scripts/order-functions.sh records it in link/hot-functions.inputs; tests/build_inputs.rs
# computes the same and fails when they differ (the list has gone stale).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "$(${RUSTC:-rustc} --version)"
echo "Cargo.lock sha256:$(sha256sum Cargo.lock | cut -d' ' -f1)"
echo "profile.release sha256:$(awk '/^\[profile\.release\]/{f=1; print; next} /^\[/{f=0} f' Cargo.toml | sha256sum | cut -d' ' -f1)"
