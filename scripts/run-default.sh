#!/usr/bin/env bash
# The default job of `make run`: the smoke suite (suites/smoke.yaml) across four local agents —
# pingpong latency matrix, elephant ring and incast, each with SLOs — with a JSON report.
# Usage: scripts/run-default.sh [path/to/fabcheck]
set -euo pipefail
BIN=${1:-build/fabcheck}
[ -x "$BIN" ] || { echo "run-default: $BIN is not built (run: make build)" >&2; exit 1; }
mkdir -p build/reports
exec "$BIN" run suites/smoke.yaml --report json:build/reports/smoke.json
