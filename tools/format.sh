#!/usr/bin/env bash
# Formats the Swift code to .swift-format with the toolchain's own formatter (`swift format`, swift-format 6.x),
# or, with --check, lists what is not formatted and fails (the lint step of .ci/run).
#   tools/format.sh          rewrite in place
#   tools/format.sh --check  change nothing; exit 1 when a file is not formatted or breaks a lint rule
# The paths: every Swift file of the package and the fuzz harnesses (tools/fuzz/harnesses).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Tests tools/fuzz/harnesses)
if [ "${1:-}" = "--check" ]; then
  # --strict: a formatting difference is an error, not a warning; -p: files in parallel.
  swift format lint --strict --recursive --parallel "${paths[@]}"
else
  swift format format --in-place --recursive --parallel "${paths[@]}"
fi
