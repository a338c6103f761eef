"""CloudWatch protocol bridge for the tests: Smithy RPC v2 CBOR in, JSON 1.0 to moto, CBOR back.

aws-sdk-cloudwatch (>= 1.100) speaks RPC v2 CBOR; moto 5 answers CloudWatch in JSON 1.0. This
translates each request and response over real HTTP, on loopback only. Types come from the
CloudWatch service model that botocore (installed with moto) carries: timestamps become CBOR
tag 1 epoch values, doubles stay doubles, integers stay integers.

usage: cw_proxy.py MOTO_ENDPOINT      prints the port it listens on, then serves until killed
"""
import datetime
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
import cbor2

MOTO = sys.argv[1].rstrip("/")
assert MOTO.startswith("http://127.0.0.1:"), "loopback only"
MODEL = botocore.session.get_session().get_service_model("cloudwatch")
TARGET = MODEL.metadata["targetPrefix"]
UTC = datetime.timezone.utc


def to_json(value):
    """CBOR-decoded request values to JSON 1.0: datetimes as epoch seconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        import base64
        return base64.b64encode(value).decode()
    return value


def timestamp(value):
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=UTC)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_cbor(value, shape):
    """JSON response values to what the CBOR decoder expects, by the model's shape."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        return {k: to_cbor(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list":
        return [to_cbor(v, shape.member) for v in value]
    if kind == "map":
        return {k: to_cbor(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return timestamp(value)
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        return bool(value)
    return value


class Bridge(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        payload = cbor2.dumps(body, datetime_as_timestamp=True)
        self.send_response(status)
        self.send_header("smithy-protocol", "rpc-v2-cbor")
        self.send_header("Content-Type", "application/cbor")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            op = MODEL.operation_model(operation)
        except Exception:
            self.reply(404, {"__type": "UnknownOperationException", "message": operation})
            return
        request = cbor2.loads(raw) if raw else {}
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"{TARGET}.{operation}",
        }
        # moto tells regions apart by the signing region in Authorization.
        for h in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if self.headers.get(h):
                headers[h] = self.headers[h]
        forward = urllib.request.Request(
            MOTO + "/", data=json.dumps(to_json(request)).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(forward, timeout=30) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            # Not JSON: moto failed inside (e.g. an operation it does not implement).
            first = body.decode(errors="replace").strip().splitlines()[:4]
            status = status if status >= 300 else 500
            data = {"__type": "InternalFailure", "message": f"moto answered HTTP {status}: {' '.join(first)}"}
        if status >= 300:
            code = str(data.get("__type", "InternalFailure")).rsplit("#", 1)[-1]
            self.reply(status, {"__type": code, "message": data.get("message") or data.get("Message", "")})
            return
        self.reply(status, to_cbor(data, op.output_shape) if op.output_shape else {})


server = ThreadingHTTPServer(("127.0.0.1", 0), Bridge)
print(server.server_address[1], flush=True)
server.serve_forever()
