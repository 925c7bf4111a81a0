#!/usr/bin/env bash
# The demo command of the README: installs what is needed, builds, starts DynamoDB Local on a free
# loopback port, runs the example application against it, and stops DynamoDB Local.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DYNAMO_ES_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh" "$build_dir"

# DynamoDB Local accepts any key pair; a real AWS account would use its own.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-demo}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-demo}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
demo="$build_dir/examples/bank/dynamo-es-bank"
[ -x "$demo" ] || demo="$build_dir/examples/quickstart/dynamo-es-quickstart"
exec "$root/scripts/dynamodb-local.sh" -- "$demo"
