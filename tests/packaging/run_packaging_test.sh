#!/usr/bin/env bash
# Installs the built project into a temporary prefix, then builds and runs a consumer with
# find_package(dynamo_es), and checks the pkg-config file. Called by ctest (test "packaging").
#   run_packaging_test.sh <build-dir> <source-dir>
set -euo pipefail
build_dir="$1"
source_dir="$2"
work="$(mktemp -d -t dynamo-es-packaging.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null

# The public headers must not drag in curl, OpenSSL or a JSON library.
if grep -rnE '#include *<(curl/|openssl/|simdjson|nlohmann/)' "$work/prefix/include/dynamo_es"; then
  echo "packaging: a public header includes a third-party C or JSON library header" >&2
  exit 1
fi

cmake -S "$source_dir/tests/packaging/consumer" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"

# pkg-config: the same consumer built by hand from the .pc file.
pc_dir="$(dirname "$(find "$work/prefix" -name dynamo_es.pc | head -n 1)")"
flags="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs dynamo_es)"
# shellcheck disable=SC2086
c++ -o "$work/consumer-pc" "$source_dir/tests/packaging/consumer/main.cpp" $flags \
  -Wl,-rpath,"$work/prefix/lib"
"$work/consumer-pc"
echo "packaging: find_package and pkg-config consumers built and ran"
