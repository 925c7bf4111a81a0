#!/usr/bin/env bash
# Line and branch coverage of src/ from a DYNAMO_ES_COVERAGE build whose tests have run:
# prints the totals and a per-file table (worst line coverage first), and writes an HTML report
# (coverage/index.html), a text report (coverage/coverage.txt) and the JSON summary gcovr made
# (coverage/summary.json) under the build directory.
#
#   scripts/coverage-report.sh <coverage-build-dir>
#
# Exit status: 0, or 3 when line coverage is below DYNAMO_ES_COVERAGE_MIN (default 90) percent;
# scripts/test.sh decides whether that fails the run (DYNAMO_ES_COVERAGE_GATE=1).
#
# Branches: gcc also counts the hidden branches of exception handling and of code the compiler
# adds; --exclude-throw-branches and --exclude-unreachable-branches leave the branches of the
# source as written, which is what the figure is about.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: scripts/coverage-report.sh <coverage-build-dir>" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
minimum="${DYNAMO_ES_COVERAGE_MIN:-90}"
out="$build_dir/coverage"
rm -rf "$out"
mkdir -p "$out"

# Filters are regexes on paths relative to --root: src/ only (tests/, bench/, fuzz/, examples/
# and system headers are left out by not being kept).
cd "$root"
gcovr --root "$root" --filter 'src/' \
  --exclude-throw-branches --exclude-unreachable-branches \
  --gcov-ignore-parse-errors -j "$(nproc)" \
  --txt "$out/coverage.txt" \
  --html-details "$out/index.html" \
  --json-summary-pretty --json-summary "$out/summary.json" \
  "$build_dir" >/dev/null

status=0
python3 - "$out/summary.json" "$minimum" <<'EOF' || status=$?
import json, sys

summary = json.load(open(sys.argv[1]))
minimum = float(sys.argv[2])

def pct(covered, total):
    return 100.0 * covered / total if total else 100.0

files = sorted(summary["files"], key=lambda f: (pct(f["line_covered"], f["line_total"]), f["filename"]))
print(f"{'file (src/)':<48} {'lines':>17} {'branches':>17}")
for f in files:
    name = f["filename"][len("src/"):] if f["filename"].startswith("src/") else f["filename"]
    lines = f"{f['line_covered']}/{f['line_total']} {pct(f['line_covered'], f['line_total']):5.1f}%"
    branches = f"{f['branch_covered']}/{f['branch_total']} {pct(f['branch_covered'], f['branch_total']):5.1f}%"
    print(f"{name:<48} {lines:>17} {branches:>17}")
line_pct = pct(summary["line_covered"], summary["line_total"])
branch_pct = pct(summary["branch_covered"], summary["branch_total"])
print(f"{'TOTAL':<48} {summary['line_covered']}/{summary['line_total']} {line_pct:5.1f}%"
      f"   {summary['branch_covered']}/{summary['branch_total']} {branch_pct:5.1f}%")
print(f"coverage of src/: lines {line_pct:.1f}%, branches {branch_pct:.1f}% (line threshold {minimum:g}%)")
sys.exit(3 if line_pct < minimum else 0)
EOF
echo "coverage: reports in $out (index.html, coverage.txt, summary.json)"
exit "$status"
