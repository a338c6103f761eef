#!/usr/bin/env bash
# Measures opsdash against moto (installed by ./scripts/test.sh into .venv), on loopback only:
#   1. full refreshes of an estate: calls by operation and wall time (examples/live_refresh.rs);
#   2. the release binary in a pseudo-terminal: first frame, first complete screen, then CPU,
#      RSS and bytes written over WINDOW seconds of refreshing every 10 s (examples/measure.rs).
#   3. the same for taws (https://github.com/huseyinbabal/taws), when it is on PATH (`cargo install
#      taws --locked`), against the same moto: the side-by-side.
# usage: scripts/measure-live.sh [small|large] [WINDOW]
set -euo pipefail
cd "$(dirname "$0")/.."
estate=${1:-large}
window=${2:-60}
. scripts/moto.sh
# The large estate at rest, as an estate mostly is: its ECS services run the tasks they want
# (moto otherwise leaves every service at 0 running, its deployment in progress for ever, and
# the console then describes all of them on every refresh, as it must for services under way).
if [ "$estate" = large ]; then
  export MOTO_ECS_SERVICE_RUNNING=2
fi
moto_start
moto_provision "$([ "$estate" = large ] && echo large || echo 000)"
# The console is the release build; the drivers that measure it are built without link-time
# optimisation (profile ci), which saves two fat-LTO links and changes nothing they measure.
cargo build --release --bins --quiet
cargo build --profile ci --examples --quiet
echo "==> full refreshes (examples/live_refresh.rs, 5 refreshes of --region us-east-1)"
./target/ci/examples/live_refresh 5 --region us-east-1
echo "==> the console in a pseudo-terminal, refreshing every 10 s"
# Runs and Timeline cannot fill against moto (no SSM associations, no alarm history).
# The idle demo runs beside it as a reference: what this machine charges for the same work now.
MEASURE_REFERENCE=1 MEASURE_WAIT="Targets us-east-1 <,Capacity us-east-1 <,Alarms us-east-1 <" \
  ./target/ci/examples/measure "$window" --region us-east-1 --refresh 10
if command -v taws >/dev/null; then
  echo "==> taws in the same pseudo-terminal, against the same moto (it redraws every second)"
  OPSDASH_BIN=$(command -v taws) MEASURE_FIRST="EC2 Instances" MEASURE_WAIT="EC2 Instances" \
    ./target/ci/examples/measure "$window" --region us-east-1
fi
if [ "$estate" = large ]; then
  echo "goals (issue 10): RSS <= 13 MiB, CPU <= 0.15 % at --refresh 10, first complete screen <= 500 ms"
else
  echo "goals (issue 10): RSS <= 12 MiB, CPU <= 0.10 % at --refresh 10"
fi
