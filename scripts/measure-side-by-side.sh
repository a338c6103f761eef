#!/usr/bin/env bash
# Two or more builds of the console side by side, each in its own 120x40 tmux window, against
# one moto with the large estate at rest, refreshing every 10 s: the CPU each took over the same
# WINDOW seconds, and its RSS at the end. On a VM whose speed drifts, a pass measures both builds
# under the same conditions, where passes one after the other do not.
# usage: scripts/measure-side-by-side.sh WINDOW BINARY... (each binary a different path)
set -euo pipefail
cd "$(dirname "$0")/.."
window=$1
shift
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }
. scripts/moto.sh
export MOTO_ECS_SERVICE_RUNNING=2
moto_start
moto_provision large
home=$(mktemp -d)
session=opsdash-side-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true; kill $MOTO_PIDS 2>/dev/null || true; rm -rf "$home"' EXIT
vars=$(env | grep -E '^AWS_' | xargs -r -d '\n' printf '%q ')
n=0
for bin in "$@"; do
  n=$((n + 1))
  mkdir -p "$home/$n"
  cmd="env -i HOME=$home/$n PATH=$PATH TERM=xterm-256color $vars $bin --region us-east-1 --refresh 10"
  if [ "$n" = 1 ]; then
    tmux new-session -d -s "$session" -x 120 -y 40 "$cmd"
  else
    tmux new-window -t "$session" "$cmd"
  fi
done
# Let every console read the whole estate once, then measure.
sleep 20
cpu_ns() { awk '{s += $1} END {printf "%d", s}' /proc/"$1"/task/*/schedstat; }
pids=()
for bin in "$@"; do
  pids+=("$(pgrep -x -f "$bin --region us-east-1 --refresh 10")")
done
before=()
for pid in "${pids[@]}"; do before+=("$(cpu_ns "$pid")"); done
sleep "$window"
for i in "${!pids[@]}"; do
  pid=${pids[$i]}
  awk -v a="${before[$i]}" -v b="$(cpu_ns "$pid")" -v w="$window" \
    -v rss="$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)" -v bin="${@:$((i + 1)):1}" \
    'BEGIN {printf "%-40s CPU %.3f %% of a core, RSS %.1f MiB\n", bin, (b - a) / 1e7 / w, rss / 1024}'
done
