#!/usr/bin/env bash
# The default job of `make run`: the smoke suite (suites/smoke.yaml) across four agents —
# pingpong latency matrix, elephant ring, incast and a ring all-reduce over TCP, with SLOs against
# the line rate — with a JSON and an HTML report. As root the agents run on an emulated fabric
# (docs/fabric.md): four hosts in network namespaces behind one switch with 1000-packet queues and
# ports shaped to a rate this machine forwards (rate=auto: `fabric up` measures it and picks a
# round rate below), brought up for the run and taken down after; that rate is the suite's line
# rate (a site file, build/reports/smoke-site.yaml). Otherwise (no CAP_NET_ADMIN) four local agents
# on loopback, paced to the suite's declared 1 Gbit/s.
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
  state=${FABCHECK_FABRIC_DIR:-/run/fabcheck}/fabric-smoke.json
  rate_bps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["auto_rate_bps"])' "$state") || {
    echo "run-default: $state: no auto_rate_bps (the rate fabric up chose)" >&2
    exit 2
  }
  site=build/reports/smoke-site.yaml
  printf '# written by scripts/run-default.sh: the rate fabric up chose for the smoke fabric'"'"'s ports\nfabric:\n  line_rate_gbps: %s\n' \
    "$(python3 -c 'import sys; print(int(sys.argv[1]) / 1e9)' "$rate_bps")" >"$site"
  REPORTS+=(--site "$site")
  "$BIN" run suites/smoke.yaml --launcher emulated --launcher-option fabric_name=smoke "${REPORTS[@]}"
  exit $?
fi
echo "run-default: not root: running four local agents on loopback (the emulated fabric needs CAP_NET_ADMIN)"
exec "$BIN" run suites/smoke.yaml "${REPORTS[@]}"
