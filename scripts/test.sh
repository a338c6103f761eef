#!/usr/bin/env bash
# Installs what the tests need and runs all of them: unit tests, screen snapshots, scenarios on
# virtual time, bad input, property tests, and the end-to-end test of the release binary in a
# pseudo-terminal.
#
# The live-AWS tests run against moto, a local AWS-compatible server, installed here from PyPI into
# .venv (no AWS account, loopback only).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
log=target/test.log

echo "==> installing moto (and cbor2, for the CloudWatch bridge) into .venv"
if ! .venv/bin/python -c 'import moto, boto3, cbor2' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' 'cbor2>=5'
fi
.venv/bin/python -c 'import moto, boto3, cbor2; print("moto", moto.__version__)'

# The end-to-end tests drive an optimised binary: OPSDASH_E2E_BIN when it names one already built,
# else this one, built here.
if [ -n "${OPSDASH_E2E_BIN:-}" ] && [ -x "$OPSDASH_E2E_BIN" ]; then
  echo "==> the end-to-end tests drive $OPSDASH_E2E_BIN"
else
  echo "==> building the optimised binary (the end-to-end tests drive it; profile ci = release without LTO)"
  cargo build --profile ci --locked
  export OPSDASH_E2E_BIN="$PWD/target/ci/opsdash"
fi

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
