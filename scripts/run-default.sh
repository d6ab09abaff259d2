#!/usr/bin/env bash
# The default job of `make run`: the smoke suite (suites/smoke.yaml) across four agents —
# pingpong latency matrix, elephant ring and incast, each with SLOs — with a JSON and an HTML
# report. As root the agents run on an emulated fabric (docs/fabric.md): four hosts in network
# namespaces behind one switch with 1000-packet queues and ports shaped to a rate this machine
# forwards (rate=auto: `fabric up` measures it and picks a round rate below), brought up for the
# run and taken down after; otherwise (no CAP_NET_ADMIN) as four local agents on loopback.
# Usage: scripts/run-default.sh [path/to/fabcheck]
set -euo pipefail
BIN=${1:-build/fabcheck}
[ -x "$BIN" ] || { echo "run-default: $BIN is not built (run: make build)" >&2; exit 1; }
mkdir -p build/reports
REPORTS=(--report json:build/reports/smoke.json --report html:build/reports/smoke.html)
if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
  echo "run-default: root: running on an emulated fabric (4 hosts, switch, rate=auto ports, 1000-packet queues)"
  "$BIN" fabric up --fabric "name=smoke,hosts=4,topology=switch,rate=auto,queue=1000"
  trap '"$BIN" fabric down --name smoke >/dev/null' EXIT
  "$BIN" run suites/smoke.yaml --launcher emulated --launcher-option fabric_name=smoke "${REPORTS[@]}"
  exit $?
fi
echo "run-default: not root: running four local agents on loopback (the emulated fabric needs CAP_NET_ADMIN)"
exec "$BIN" run suites/smoke.yaml "${REPORTS[@]}"
