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
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
coproc bridge { exec .venv/bin/python tests/support/cw_proxy.py "http://127.0.0.1:$port" 2>/dev/null; }
bridge_pid=$bridge_PID
trap 'kill "$moto" "$bridge_pid" 2>/dev/null || true' EXIT
read -r cw_port <&"${bridge[0]}"
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
seed=$([ "$estate" = large ] && echo large || echo 000)
echo "==> provisioning the $estate estate in moto"
.venv/bin/python tests/support/provision.py "http://127.0.0.1:$port" "$seed" us-east-1 | cut -c1-200
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ENDPOINT_URL_CLOUDWATCH="http://127.0.0.1:$cw_port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
# The console is the release build; the drivers that measure it are built without link-time
# optimisation (profile ci), which saves two fat-LTO links and changes nothing they measure.
cargo build --release --bins --quiet
cargo build --profile ci --examples --quiet
echo "==> full refreshes (examples/live_refresh.rs, 5 refreshes of --region us-east-1)"
./target/ci/examples/live_refresh 5 --region us-east-1
echo "==> the console in a pseudo-terminal, refreshing every 10 s"
# Runs and Timeline cannot fill against moto (no SSM associations, no alarm history).
MEASURE_WAIT="Targets us-east-1 <,Capacity us-east-1 <,Alarms us-east-1 <" \
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
