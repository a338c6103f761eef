# Sourced by the scripts that run opsdash against moto (installed by ./scripts/test.sh into .venv),
# on loopback only. moto_start starts moto and the CloudWatch bridge (tests/support/cw_proxy.py)
# and exports the AWS variables that point the SDK at them; moto_provision SEED empties moto and
# provisions a seed estate in us-east-1 (000 small, large).
moto_start() {
  local port portfile
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  MOTO_PIDS=$!
  portfile=$(mktemp)
  .venv/bin/python tests/support/cw_proxy.py "http://127.0.0.1:$port" >"$portfile" 2>/dev/null &
  MOTO_PIDS="$MOTO_PIDS $!"
  trap 'kill $MOTO_PIDS 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    [ -s "$portfile" ] && (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.1
  done
  MOTO_URL="http://127.0.0.1:$port"
  export AWS_ENDPOINT_URL="$MOTO_URL" AWS_ENDPOINT_URL_CLOUDWATCH="http://127.0.0.1:$(head -n1 "$portfile")"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN
  rm -f "$portfile"
}

moto_provision() {
  .venv/bin/python -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1] + "/moto-api/reset", method="POST"))' "$MOTO_URL"
  echo "==> provisioning seed $1 in moto"
  .venv/bin/python tests/support/provision.py "$MOTO_URL" "$1" us-east-1 | cut -c1-200
}
