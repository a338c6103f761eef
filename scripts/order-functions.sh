#!/usr/bin/env bash
# Writes link/hot-functions.txt, the order build.rs gives lld for the release binary's functions
# (see build.rs): the release build, with its symbols kept, is run under callgrind in a tmux
# window on the demo and live against moto (small and large estates, and without credentials),
# keys pressed through every pane, view and prompt (each prompt cancelled); every function it ran
# is listed, those the demo and the live console both run first, then the demo's own, then the
# live console's, then the error paths', each group hottest first. Needs valgrind, tmux and the
# .venv of ./scripts/test.sh. Takes about fifteen minutes on two cores. Run it when
# tests/build_inputs.rs says the list is stale (a new compiler, a Cargo.lock or release-profile
# change), and commit link/hot-functions.txt with link/hot-functions.inputs.
# usage: scripts/order-functions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind tmux; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
OPSDASH_KEEP_SYMBOLS=1 cargo build --release --bins --locked --quiet
out=$(mktemp -d)
session=opsdash-order-$$

# session NAME ARGS...: the console under callgrind, driven by keys, then quit.
session() {
  local name=$1 vars
  shift
  # A tmux server already running would give the window its own environment: pass this one's,
  # with no user config, and state (the audit of the cancelled prompts) kept out of the home.
  vars=$(env | grep -E '^AWS_' | xargs -r -d '\n' printf '%q ' || true)
  tmux new-session -d -s "$session" -x 120 -y 40 \
    "env -i HOME=$HOME XDG_CONFIG_HOME=$out/config XDG_STATE_HOME=$out/state PATH=$PATH \
     TERM=xterm-256color $vars valgrind --tool=callgrind \
     --demangle=no --callgrind-out-file=$out/$name target/release/opsdash $* 2>$out/$name.log"
  sleep 30
  local key
  for key in Tab Tab Tab Tab Tab j j k Enter Escape '?' j Escape / a p p Enter Escape v v t \
    : a p i Enter Escape 2 l f w f Escape 1 Enter j Escape 4 Enter Escape l Escape 5 Enter Escape \
    3 Enter Escape s Escape d Escape b Escape x Escape F Escape 1 z Escape '!' Escape r p p; do
    tmux send-keys -t "$session" "$key"
    sleep 1.5
  done
  sleep 30
  tmux send-keys -t "$session" q
  for _ in $(seq 60); do tmux has-session -t "$session" 2>/dev/null || break; sleep 1; done
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -s "$out/$name" ] || { echo "callgrind wrote nothing for $name:" >&2; cat "$out/$name.log" >&2; exit 1; }
  echo "==> $name: $(grep -c '^fn=' "$out/$name") functions"
}

echo "==> the demo"
session demo --demo
. scripts/moto.sh
moto_start
moto_provision 000
session small --region us-east-1 --refresh 10
moto_provision large
session large --region us-east-1 --refresh 10
echo "==> without credentials"
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  session nocreds --region us-east-1
)

.venv/bin/python - "$out" >"$out/order.txt" <<'PY'
import re, sys
from collections import Counter

def executed(path):
    """The opsdash functions a callgrind profile has cost in, with their instruction counts."""
    names, objs, cost = {}, {}, Counter()
    ob = fn = None
    after_calls = False
    for line in open(path, errors="replace"):
        m = re.match(r"(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            table = objs if m[2] == "ob" else names
            if m[4]:
                table[m[3]] = m[4]
            if not m[1]:
                if m[2] == "ob":
                    ob = objs.get(m[3], "")
                else:
                    fn = names.get(m[3]) if (ob or "").endswith("/opsdash") else None
                    if fn:
                        fn = re.sub(r"'\d+$", "", fn)  # callgrind's recursion marks
                        cost[fn] += 0
        elif line.startswith("calls="):
            after_calls = True
        elif fn and line[:1] in "0123456789+-*":
            if after_calls:
                after_calls = False
                continue
            parts = line.split()
            if len(parts) > 1:
                cost[fn] += int(parts[1])
    return cost

runs = {name: executed(f"{sys.argv[1]}/{name}") for name in ("demo", "small", "large", "nocreds")}
total = sum(runs.values(), Counter())
live = set(runs["small"]) | set(runs["large"])
demo = set(runs["demo"])
groups = [demo & live, demo - live, live - demo, set(runs["nocreds"]) - live - demo]
for group in groups:
    for name in sorted(group, key=lambda n: (-total[n], n)):
        print(name)
PY
mv "$out/order.txt" link/hot-functions.txt
# What the list was written for: tests/build_inputs.rs fails when the checkout no longer matches.
scripts/build-inputs.sh >link/hot-functions.inputs
echo "==> link/hot-functions.txt: $(wc -l <link/hot-functions.txt) functions, for:"
cat link/hot-functions.inputs
rm -rf "$out"
cargo build --release --bins --locked --quiet
