#!/usr/bin/env bash
# Runs the NUnit suite and prints the closing line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
results="build/test-results"
rm -rf "$results"; mkdir -p "$results"
filter=()
[ $# -gt 0 ] && [ -n "$1" ] && filter=(--filter "$1")
# make check has just built the solution (tests included): no second, no-op build.
build=()
[ "${VHOSTLOG_TESTS_BUILT:-}" = 1 ] && build=(--no-build)
dotnet test tests/VhostLog.Tests.csproj -c Release -nologo "${build[@]}" \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" "${filter[@]}"
status=$?
trx=$(ls "$results"/*.trx 2>/dev/null | head -n 1)
if [ -z "$trx" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
perl tests/class-times.pl "$trx" || true
counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=$(get passed); failed=$(get failed); total=$(get total); executed=$(get executed)
skipped=$(( ${total:-0} - ${executed:-0} ))
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "${failed:-0}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
