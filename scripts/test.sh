#!/usr/bin/env bash
# Installs what the tests need and runs all of them: unit tests, screen snapshots, scenarios on
# virtual time, bad input, property tests, and the end-to-end test of the release binary in a
# pseudo-terminal.
#
# No test needs an AWS stand-in yet; when the live source lands, this script installs moto into
# .venv here (python3 -m venv .venv && .venv/bin/pip install 'moto[server]') before the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
log=target/test.log

echo "==> building the release binary (the end-to-end test drives it)"
cargo build --release --locked
export OPSDASH_E2E_BIN="$PWD/target/release/opsdash"

echo "==> running all tests"
# Snapshot tests must match what is committed: never write new snapshots here.
export INSTA_UPDATE=no
set +e
cargo test --locked >"$log" 2>&1
status=$?
set -e
grep -E '^(running [0-9]+ tests?|test result:)|panicked|^error' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "==> FAILED (exit $status); the failures:"
  sed -n '/^failures:/,/^test result/p' "$log" | head -n 120
  grep -E -B2 -A12 '^error' "$log" | head -n 60 || true
  exit "$status"
fi
passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
echo "all tests: ${passed} passed, 0 failed"
