#!/usr/bin/env bash
# The fleet view at scale, against moto (installed by ./scripts/test.sh into .venv), on loopback
# only: 20 accounts (roles assumed in 20 account IDs) × 2 regions, a small estate (seed 000) in
# each; the release binary in a pseudo-terminal starts on the fleet view. Reports when every row
# was filled, CPU and RSS over WINDOW seconds at the default refresh (examples/measure.rs), and
# the requests of each fleet round (from the debug log).
# usage: scripts/measure-fleet.sh [WINDOW]
set -euo pipefail
cd "$(dirname "$0")/.."
window=${1:-60}
accounts=20
. scripts/moto.sh
moto_start
home=$(mktemp -d)
trap 'kill $MOTO_PIDS 2>/dev/null || true; rm -rf "$home"' EXIT
mkdir -p "$home/.aws" "$home/config/opsdash" "$home/state"
printf '[profile base]\nregion = us-east-1\n' >"$home/.aws/config"
printf '[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = base\n' >"$home/.aws/credentials"
: >"$home/fleet.toml"
echo "==> provisioning seed 000 in $accounts accounts × us-east-1, us-west-2"
for i in $(seq -w 1 $accounts); do
  id="2000000000$i"
  printf '\n[profile a%s]\nrole_arn = arn:aws:iam::%s:role/ops\nsource_profile = base\nregion = us-east-1\n' "$i" "$id" >>"$home/.aws/config"
  printf '\n[[account]]\nname = "a%s"\nprofile = "a%s"\nregions = ["us-east-1", "us-west-2"]\n' "$i" "$i" >>"$home/fleet.toml"
  creds=$(.venv/bin/python -c '
import boto3, sys
c = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
r = c.assume_role(RoleArn=sys.argv[2], RoleSessionName="provision")["Credentials"]
print(r["AccessKeyId"], r["SecretAccessKey"], r["SessionToken"])' "$MOTO_URL" "arn:aws:iam::$id:role/ops")
  read -r key secret token <<<"$creds"
  for region in us-east-1 us-west-2; do
    PROVISION_ACCESS_KEY_ID=$key PROVISION_SECRET_ACCESS_KEY=$secret PROVISION_SESSION_TOKEN=$token \
      .venv/bin/python tests/support/provision.py "$MOTO_URL" 000 "$region" >/dev/null
  done
done
cargo build --release --bins --quiet
cargo build --profile ci --examples --quiet
echo "==> the fleet view of $accounts accounts × 2 regions, in a pseudo-terminal (default refresh)"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
HOME=$home XDG_STATE_HOME=$home/state OPSDASH_LOG=info \
  MEASURE_FIRST="Fleet: $accounts accounts" MEASURE_WAIT="Fleet: $accounts accounts" \
  MEASURE_COUNT=" ago:$((accounts * 2))" MEASURE_LINES=60 \
  ./target/ci/examples/measure "$window" --profile base --config "$home/fleet.toml"
echo "==> fleet rounds (the debug log)"
grep -h "fleet round" "$home"/state/opsdash/opsdash.log* | sed 's/.*fleet round/fleet round/' | head -n 10
echo "goals (issue 23): every row within 10 s of start, RSS <= 30 MiB, CPU <= 0.5 %"
