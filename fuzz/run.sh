#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build directory for a bounded time each, a few at a time,
# and fails when any of them finds something (a crash, a sanitizer report, an undocumented
# exception, a broken round trip, a leak, a timeout or an out-of-memory). See fuzz/README.md.
#
#   fuzz/run.sh <fuzz-build-dir> [target...]      targets: attribute_json error_body item_codec
#                                                  date_time sigv4 tzif (default: all built)
#
# Environment: DYNAMO_ES_FUZZ_SECONDS  time per target (default 60)
#              DYNAMO_ES_FUZZ_JOBS     targets run at once (default 2, one per core of CI)
#
# Everything a run writes stays under <fuzz-build-dir>/fuzz-run/ (git-ignored): the grown corpus
# (kept between runs, so local runs continue where they stopped), each target's log, and the
# findings; the seed corpora under fuzz/corpus/ are only read.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: fuzz/run.sh <fuzz-build-dir> [target...]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
shift
seconds="${DYNAMO_ES_FUZZ_SECONDS:-60}"
jobs="${DYNAMO_ES_FUZZ_JOBS:-2}"
out="$build_dir/fuzz-run"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build_dir"/fuzz/fuzz_*; do
    [ -x "$bin" ] && [ -f "$bin" ] && targets+=("${bin##*/fuzz_}")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz_* binaries in $build_dir/fuzz (configure with -DDYNAMO_ES_BUILD_FUZZ=ON)" >&2
  exit 2
fi

dictionary_of() {
  case "$1" in
    attribute_json | error_body | item_codec) echo "$root/fuzz/dict/dynamodb_json.dict" ;;
    date_time) echo "$root/fuzz/dict/date_time.dict" ;;
    sigv4) echo "$root/fuzz/dict/sigv4.dict" ;;
  esac
}

rm -rf "$out/findings" "$out/logs"
mkdir -p "$out/findings" "$out/logs" "$out/corpus"

run_one() {
  local target="$1"
  local bin="$build_dir/fuzz/fuzz_$target"
  local dict
  dict="$(dictionary_of "$target")"
  mkdir -p "$out/corpus/$target" "$out/findings/$target"
  local args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=16384
    -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$out/findings/$target/")
  [ -n "$dict" ] && args+=(-dict="$dict")
  local rc=0
  # The first corpus folder receives the new inputs; the seeds are read from the second.
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$bin" "${args[@]}" "$out/corpus/$target" "$root/fuzz/corpus/$target" \
    >"$out/logs/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$out/logs/$target.rc"
}

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time" >&2
running=0
for target in "${targets[@]}"; do
  if [ ! -x "$build_dir/fuzz/fuzz_$target" ]; then
    echo "fuzz: no binary for target '$target'" >&2
    exit 2
  fi
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$target" &
  running=$((running + 1))
done
wait

failed=0
printf '%-16s %-8s %12s %10s %8s %8s\n' target result runs exec/s cov corpus
for target in "${targets[@]}"; do
  log="$out/logs/$target.log"
  rc="$(cat "$out/logs/$target.rc" 2>/dev/null || echo '?')"
  findings=("$out/findings/$target"/*)
  [ -e "${findings[0]}" ] || findings=()
  result=ok
  if [ "$rc" != 0 ] || [ ${#findings[@]} -gt 0 ]; then
    result=FINDING
    failed=1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)"
  corpus="$(find "$out/corpus/$target" -type f | wc -l)"
  printf '%-16s %-8s %12s %10s %8s %8s\n' "$target" "$result" "${runs:-?}" "${speed:-?}" \
    "${cov:-?}" "$corpus"
done

if [ "$failed" = 1 ]; then
  for target in "${targets[@]}"; do
    rc="$(cat "$out/logs/$target.rc" 2>/dev/null || echo '?')"
    findings=("$out/findings/$target"/*)
    [ -e "${findings[0]}" ] || findings=()
    [ "$rc" = 0 ] && [ ${#findings[@]} -eq 0 ] && continue
    echo
    echo "=== fuzz finding: $target (exit $rc) — last lines of $out/logs/$target.log"
    tail -n 60 "$out/logs/$target.log"
    for f in "${findings[@]}"; do
      echo "--- input $f ($(wc -c <"$f") bytes), hex:"
      od -A x -t x1z -v "$f" | head -n 40
      echo "--- base64:"
      head -c 4096 "$f" | base64 -w 100
      echo "--- reproduce: $build_dir/fuzz/fuzz_$target $f"
    done
  done
  echo "fuzz: FAILED (findings above; inputs kept under $out/findings)" >&2
  exit 1
fi
echo "fuzz: no findings" >&2
